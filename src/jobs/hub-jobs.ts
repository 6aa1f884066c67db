import type PgBoss from 'pg-boss';
import { errorMessage, InputError } from '../core/errors.js';
import { failStaleRuns, STALE_AFTER_MS } from '../core/runs.js';
import type { Hub } from '../hub.js';
import type { Clock } from './clock.js';
import { InProcessDispatcher, setHubDispatcher, type RunDispatcher } from './dispatcher.js';
import { Scheduler } from './scheduler.js';

export interface HubJobsOptions {
  /** Hand runs to `trove worker` processes through pg-boss instead of running them in the hub. */
  queue?: boolean;
  clock?: Clock;
}

export interface HubJobs {
  readonly dispatcher: RunDispatcher;
  readonly scheduler: Scheduler;
  stop(): Promise<void>;
}

/** The queue lives in PostgreSQL: on SQLite `--queue` is refused, saying so. Returns the database URL. */
export function checkQueueStore(hub: Hub): string {
  if (!hub.config.databaseUrl) throw new InputError('--queue needs PostgreSQL: set DATABASE_URL (on SQLite the hub runs sources itself)');
  return hub.config.databaseUrl;
}

/**
 * The hub's job side, as `trove start` runs it: the scheduler plus the dispatcher that the
 * scheduler and the API's "run now" hand runs to. Embedded by default; the pg-boss queue on request.
 */
export async function startHubJobs(hub: Hub, opts: HubJobsOptions = {}): Promise<HubJobs> {
  let boss: PgBoss | undefined;
  let dispatcher: RunDispatcher;
  if (opts.queue) {
    const databaseUrl = checkQueueStore(hub);
    const { openJobQueue, QueueDispatcher } = await import('./queue.js');
    boss = await openJobQueue(databaseUrl, hub.log);
    dispatcher = new QueueDispatcher(boss, hub.store.db);
  } else {
    dispatcher = new InProcessDispatcher(hub);
  }
  setHubDispatcher(hub, dispatcher);
  const swept = await failStaleRuns(hub.store.db);
  if (swept > 0) hub.log.warn(`marked ${swept} run(s) failed: the processes running them stopped`);
  const sweeper = sweepStaleRuns(hub);
  const scheduler = new Scheduler(hub.store.db, dispatcher, { log: hub.log, clock: opts.clock });
  await scheduler.start();
  return {
    dispatcher,
    scheduler,
    async stop() {
      clearInterval(sweeper);
      await scheduler.stop();
      await dispatcher.close();
      await boss?.stop({ graceful: true, wait: true });
    },
  };
}

/**
 * Runs whose process died (killed, crashed, a machine lost) are failed: those of this machine's
 * dead processes at once, others once their heartbeat is stale. Runs of live processes, other
 * workers included, keep beating and are left alone.
 */
function sweepStaleRuns(hub: Hub): NodeJS.Timeout {
  const timer = setInterval(() => {
    failStaleRuns(hub.store.db).catch((err: unknown) => hub.log.warn('could not check for stopped runs', { error: errorMessage(err) }));
  }, STALE_AFTER_MS);
  timer.unref();
  return timer;
}
