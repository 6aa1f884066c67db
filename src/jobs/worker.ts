import type PgBoss from 'pg-boss';
import { errorMessage } from '../core/errors.js';
import { executeRun, workerName } from '../core/run-executor.js';
import { getRun } from '../core/runs.js';
import { getSourceById } from '../core/sources.js';
import type { Hub } from '../hub.js';
import { logRunEnd } from './dispatcher.js';
import { QueueDispatcher, ACQUIRE_QUEUE, acquireJobSchema, sendAcquireJob, type AcquireJob } from './queue.js';
import { Scheduler } from './scheduler.js';

export interface WorkerOptions {
  /** Stops the worker: the run in hand ends cancelled, keeping what it stored and its checkpoint. */
  signal: AbortSignal;
  name?: string;
  /** How often an idle worker asks the queue for a job (pg-boss allows 0.5 s at least). */
  pollingIntervalSeconds?: number;
}

/**
 * A `trove worker`: takes acquisition jobs from the pg-boss queue, one at a time, and carries out
 * their runs. When a run's kind shares runs (a crawl), the worker that takes it leaves a join job,
 * so an idle worker joins it, and so on while idle workers remain. Every worker also runs the
 * scheduler: a slot fires once across the cluster, whichever worker wins it.
 */
export async function runWorker(hub: Hub, boss: PgBoss, opts: WorkerOptions): Promise<void> {
  const name = opts.name ?? workerName;
  const log = hub.log.child({ worker: name });
  const scheduler = new Scheduler(hub.store.db, new QueueDispatcher(boss, hub.store.db), { log });

  const handle = async (job: AcquireJob): Promise<void> => {
    const run = await getRun(hub.store.db, job.runId);
    if (run.status !== 'queued' && run.status !== 'running') return;
    const source = await getSourceById(hub.store.db, run.sourceId);
    const shared = hub.kinds.get(source.kind).sharedRuns === true;
    // A join job can reach a worker already in the run (or past its part): it took no part, so says nothing.
    let tookPart = false;
    const done = await executeRun(hub.store, job.runId, {
      kinds: hub.kinds,
      log,
      listeners: hub.ingestListeners,
      signal: opts.signal,
      worker: name,
      join: shared && job.join === true,
      onTaken: async () => {
        tookPart = true;
        log.info(`${job.join ? 'joined' : 'took'} run ${job.runId} of ${source.name}`);
        if (shared) await sendAcquireJob(boss, { runId: job.runId, join: true });
      },
    });
    if (tookPart) logRunEnd(log, done, `left run ${done.id} of ${done.source} (${done.status})`);
  };

  await boss.work<AcquireJob>(ACQUIRE_QUEUE, { batchSize: 1, pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 2 }, async ([job]) => {
    const parsed = acquireJobSchema.safeParse(job.data);
    if (!parsed.success) {
      log.error(`job ${job.id} is malformed and was dropped`, { error: parsed.error.issues[0]?.message });
      return;
    }
    try {
      await handle(parsed.data);
    } catch (err) {
      log.error(`job for run ${parsed.data.runId} failed`, { error: errorMessage(err) });
    }
  });
  await scheduler.start();
  log.info('worker ready: taking acquisition jobs');
  await new Promise<void>((resolve) => {
    if (opts.signal.aborted) resolve();
    else opts.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await scheduler.stop();
  await boss.offWork(ACQUIRE_QUEUE);
}
