import { CancelledError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { executeRun } from '../core/run-executor.js';
import type { Run } from '../core/runs.js';
import type { Hub } from '../hub.js';

/** The hub's line for a run that ended: a failed run says why, as `trove runs show` would. */
export function logRunEnd(log: Logger, run: Run, what = `run ${run.id} of ${run.source} ${run.status}`): void {
  const counts = { inserted: run.inserted, failed: run.failed };
  if (run.status === 'failed') log.error(what, { ...counts, error: run.error ?? 'no reason recorded' });
  else log.info(what, counts);
}

/** Hands a queued run to whatever carries runs out: this process, or the workers of a job queue. */
export interface RunDispatcher {
  readonly mode: 'embedded' | 'queue';
  dispatch(runId: number): Promise<void>;
  /** Resolves once every run this dispatcher started in this process has ended. */
  idle(): Promise<void>;
  /** Stops runs this process carries out (they end cancelled, keeping what they stored and their checkpoint). */
  close(): Promise<void>;
}

/** Embedded mode: runs are carried out in this process, in the background. */
export class InProcessDispatcher implements RunDispatcher {
  readonly mode = 'embedded' as const;
  private readonly running = new Set<Promise<unknown>>();
  private readonly shutdown = new AbortController();

  constructor(private readonly hub: Hub) {}

  async dispatch(runId: number): Promise<void> {
    const { hub } = this;
    const done = executeRun(hub.store, runId, { kinds: hub.kinds, log: hub.log, listeners: hub.ingestListeners, signal: this.shutdown.signal })
      .then((run) => logRunEnd(hub.log, run))
      .catch((err: unknown) => hub.log.error(`run ${runId} could not be carried out`, { error: errorMessage(err) }))
      .finally(() => this.running.delete(done));
    this.running.add(done);
  }

  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  async close(): Promise<void> {
    this.shutdown.abort(new CancelledError('the hub is shutting down'));
    await this.idle();
  }
}

const dispatchers = new WeakMap<Hub, RunDispatcher>();

/** The dispatcher `trove start` set up for this hub; embedded when none was set. */
export function hubDispatcher(hub: Hub): RunDispatcher {
  let d = dispatchers.get(hub);
  if (!d) {
    d = new InProcessDispatcher(hub);
    dispatchers.set(hub, d);
  }
  return d;
}

export function setHubDispatcher(hub: Hub, dispatcher: RunDispatcher): void {
  dispatchers.set(hub, dispatcher);
}
