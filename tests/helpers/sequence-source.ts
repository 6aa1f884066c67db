import { z } from 'zod';
import type { SourceKind } from '../../src/core/source.js';

/**
 * A source that produces `count` numbered records, for run-lifecycle tests: it can fail after
 * `failAfter` records, wait for an abort after `hangAfter` records, and checkpoint every `checkpointEvery`.
 */
export const sequenceConfig = z.object({
  count: z.number().int().min(0),
  failAfter: z.number().int().optional(),
  hangAfter: z.number().int().optional(),
  checkpointEvery: z.number().int().optional(),
  badPages: z.array(z.number().int()).optional(),
});
type SequenceConfig = z.infer<typeof sequenceConfig>;

export const sequenceSource: SourceKind<SequenceConfig> = {
  kind: 'sequence',
  description: 'numbered test records',
  configSchema: sequenceConfig,
  async *run(config, ctx) {
    const start = (await ctx.checkpoint.load<{ next: number }>())?.next ?? 0;
    for (let i = start; i < config.count; i++) {
      if (i === config.failAfter) throw new Error(`source broke at record ${i}`);
      if (i === config.hangAfter) {
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
        return;
      }
      if (config.badPages?.includes(i)) {
        await ctx.recordFailure(`record ${i}`, 'bad record');
        continue;
      }
      yield { key: String(i), text: `record ${i}` };
      ctx.progress({ done: i + 1, total: config.count });
      if (config.checkpointEvery && (i + 1) % config.checkpointEvery === 0) await ctx.checkpoint.save({ next: i + 1 });
    }
    await ctx.checkpoint.clear();
  },
};
