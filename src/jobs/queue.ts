import type { Knex } from 'knex';
import PgBoss from 'pg-boss';
import { z } from 'zod';
import { errorMessage, StoreError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { nowIso } from '../core/time.js';
import type { RunDispatcher } from './dispatcher.js';

/** The pg-boss queue of acquisition jobs: one job asks a worker to carry out (or join) one run. */
export const ACQUIRE_QUEUE = 'trove-acquire';

export const acquireJobSchema = z.object({
  runId: z.number().int().positive(),
  /** Join a run another worker already carries out (kinds that share runs, such as crawl). */
  join: z.boolean().optional(),
});
export type AcquireJob = z.infer<typeof acquireJobSchema>;

/** A crawl can run for hours; the job stays active that long, and its run's heartbeat tells whether it is alive. */
const JOB_EXPIRY_HOURS = 23;

export async function openJobQueue(databaseUrl: string, log: Logger): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString: databaseUrl, schema: 'trove_jobs', max: 4, schedule: false });
  boss.on('error', (err: Error) => log.error('job queue error', { error: errorMessage(err) }));
  try {
    await boss.start();
    await boss.createQueue(ACQUIRE_QUEUE, { name: ACQUIRE_QUEUE, policy: 'standard', retryLimit: 0, expireInHours: JOB_EXPIRY_HOURS });
  } catch (err) {
    await boss.stop({ graceful: false }).catch((stopErr: unknown) => log.debug('job queue stop failed', { error: errorMessage(stopErr) }));
    throw new StoreError(`cannot start the job queue: ${errorMessage(err)}`, err);
  }
  return boss;
}

export async function sendAcquireJob(boss: PgBoss, job: AcquireJob): Promise<void> {
  await boss.send(ACQUIRE_QUEUE, job);
}

/** Queue mode: runs go to the workers (`trove worker`) through pg-boss. */
export class QueueDispatcher implements RunDispatcher {
  readonly mode = 'queue' as const;

  constructor(
    private readonly boss: PgBoss,
    private readonly db: Knex,
  ) {}

  /** A run that could not be queued fails at once, so it does not hold its source's one active slot. */
  async dispatch(runId: number): Promise<void> {
    try {
      await sendAcquireJob(this.boss, { runId });
    } catch (err) {
      const error = `could not queue the run: ${errorMessage(err)}`;
      await this.db('runs').where({ id: runId, status: 'queued' }).update({ status: 'failed', error, finished_at: nowIso() });
      throw new StoreError(error, err);
    }
  }

  async idle(): Promise<void> {}

  async close(): Promise<void> {}
}
