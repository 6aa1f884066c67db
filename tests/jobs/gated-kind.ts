import { z } from 'zod';
import type { RecordInput, SourceContext, SourceKind } from '../../src/core/source.js';

export interface Gate {
  /** Called each time a run of the kind reaches the gate. */
  reached(runId: number): void;
  /** Runs wait here until it resolves or their run is stopped. */
  opened: Promise<void>;
}

/**
 * A source kind for tests: yields `records` records from where its checkpoint left off (reporting
 * each as done), saves the checkpoint, then waits at the gate until the test opens it or the run is stopped.
 */
export function gatedKind(gate: Gate): SourceKind<{ records: number }> {
  return {
    kind: 'gated',
    description: 'test source that waits at a gate',
    configSchema: z.object({ records: z.number().int().min(0) }),
    sharedRuns: true,
    async *run(config, ctx: SourceContext): AsyncIterable<RecordInput> {
      const from = (await ctx.checkpoint.load<{ next: number }>())?.next ?? 0;
      for (let i = from; i < from + config.records; i++) {
        yield { key: `r${i}`, text: `record ${i}` };
        ctx.progress({ done: i - from + 1 });
      }
      await ctx.checkpoint.save({ next: from + config.records });
      gate.reached(ctx.runId);
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
        void gate.opened.then(resolve);
      });
    },
  };
}

/** A gate plus a way to wait until n runs reached it and to open it. */
export function testGate(): Gate & { waitForArrivals(n: number): Promise<void>; open(): void } {
  let arrivals = 0;
  let waiters: Array<{ n: number; resolve: () => void }> = [];
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    opened,
    open,
    reached() {
      arrivals++;
      for (const w of waiters.filter((x) => x.n <= arrivals)) w.resolve();
      waiters = waiters.filter((x) => x.n > arrivals);
    },
    waitForArrivals(n) {
      return n <= arrivals ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }));
    },
  };
}
