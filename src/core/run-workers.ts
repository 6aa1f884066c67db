import type { Knex } from 'knex';
import { fromJsonColumn, toJsonColumn } from './json-column.js';
import type { RunProgress } from './source.js';
import { finishRun, STALE_AFTER_MS, type RunCounts, type RunStatus } from './runs.js';
import { nowIso } from './time.js';

/**
 * The processes taking part in a run. A run is claimed by one process; on PostgreSQL other workers
 * may join it (a crawl shares its frontier through leases). Each keeps its own counts and progress
 * here; the run shows their sum, and the last participant to finish closes the run.
 */
export type FinalStatus = Extract<RunStatus, 'succeeded' | 'failed' | 'cancelled'>;

export interface ParticipantState {
  counts: RunCounts;
  progress: RunProgress;
  stats: Record<string, number>;
}

export interface Participant extends RunCounts {
  worker: string;
  status: 'running' | FinalStatus;
  error: string | null;
  joinedAt: string;
  finishedAt: string | null;
}

const COUNT_COLUMNS = ['seen', 'inserted', 'updated', 'unchanged', 'failed'] as const;

/** Locks the run's row for the rest of the transaction (PostgreSQL; SQLite transactions are serial). */
function lockRun(trx: Knex.Transaction, runId: number) {
  const q = trx('runs').where({ id: runId });
  return trx.client.config.client === 'pg' ? q.forUpdate().first('status', 'cancel_requested') : q.first('status', 'cancel_requested');
}

/** Moves a queued run to running with this worker as its first participant; false when another took it. */
export async function claimRunAs(db: Knex, runId: number, worker: string): Promise<boolean> {
  return db.transaction(async (trx) => {
    const now = nowIso();
    const n = await trx('runs').where({ id: runId, status: 'queued' }).update({ status: 'running', worker, started_at: now, heartbeat_at: now });
    if (n !== 1) return false;
    await trx('run_workers').insert({ run_id: runId, worker, status: 'running', joined_at: now, heartbeat_at: now });
    return true;
  });
}

/** Adds this worker to a running run; false when the run is not running, is being cancelled, or already has it. */
export async function joinRun(db: Knex, runId: number, worker: string): Promise<boolean> {
  return db.transaction(async (trx) => {
    const run = await lockRun(trx, runId);
    if (!run || run.status !== 'running' || Boolean(run.cancel_requested)) return false;
    const already = await trx('run_workers').where({ run_id: runId, worker }).first('id');
    if (already) return false;
    const now = nowIso();
    await trx('run_workers').insert({ run_id: runId, worker, status: 'running', joined_at: now, heartbeat_at: now });
    return true;
  });
}

/** Records this participant's counts and shows the sum on the run; says whether a cancel was asked. */
export async function beatAs(db: Knex, runId: number, worker: string, state: ParticipantState): Promise<{ cancelRequested: boolean }> {
  await db('run_workers')
    .where({ run_id: runId, worker })
    .update({ ...state.counts, progress: toJsonColumn(state.progress), stats: toJsonColumn(state.stats), heartbeat_at: nowIso() });
  const sums = await sumCounts(db, runId);
  await db('runs')
    .where({ id: runId, status: 'running' })
    .update({ ...sums, progress: toJsonColumn(await mergedProgress(db, runId, state.progress)), stats: toJsonColumn(await mergedStats(db, runId)), heartbeat_at: nowIso() });
  const row = await db('runs').where({ id: runId }).first('cancel_requested');
  return { cancelRequested: Boolean(row?.cancel_requested) };
}

/**
 * Ends this worker's part in the run, adding its last share to the run's counts and progress. The
 * last participant to finish closes the run: cancelled if any part was cancelled, else failed if
 * any failed, else succeeded, with the summed counts.
 * Returns true when this call closed the run.
 */
export async function finishAs(
  db: Knex,
  runId: number,
  worker: string,
  outcome: ParticipantState & { status: FinalStatus; error?: string },
): Promise<boolean> {
  return db.transaction(async (trx) => {
    const run = await lockRun(trx, runId);
    await trx('run_workers')
      .where({ run_id: runId, worker })
      .update({
        ...outcome.counts,
        status: outcome.status,
        progress: toJsonColumn(outcome.progress),
        stats: toJsonColumn(outcome.stats),
        error: outcome.error ?? null,
        finished_at: nowIso(),
      });
    await failSilentParticipants(trx, runId);
    if (!run || run.status !== 'running') return false;
    const totals = { counts: await sumCounts(trx, runId), progress: await mergedProgress(trx, runId, outcome.progress), stats: await mergedStats(trx, runId) };
    const open = await trx('run_workers').where({ run_id: runId, status: 'running' }).first('id');
    if (open) {
      // The run goes on without this worker: it shows this worker's last share at once.
      await trx('runs')
        .where({ id: runId })
        .update({ ...totals.counts, progress: toJsonColumn(totals.progress), stats: toJsonColumn(totals.stats) });
      return false;
    }
    const parts = await listParticipants(trx, runId);
    const status: FinalStatus = parts.some((p) => p.status === 'cancelled')
      ? 'cancelled'
      : parts.some((p) => p.status === 'failed')
        ? 'failed'
        : 'succeeded';
    const error = parts.find((p) => p.status === status && p.error)?.error ?? undefined;
    await finishRun(trx, runId, { status, ...totals, error });
    return true;
  });
}

/** A participant whose process died (no heartbeat) must not keep the run open for ever. */
async function failSilentParticipants(trx: Knex.Transaction, runId: number): Promise<void> {
  const cutoff = new Date(Date.now() - STALE_AFTER_MS).toISOString();
  await trx('run_workers')
    .where({ run_id: runId, status: 'running' })
    .andWhere('heartbeat_at', '<', cutoff)
    .update({ status: 'failed', error: 'the worker stopped (no heartbeat)', finished_at: nowIso() });
}

export async function listParticipants(db: Knex, runId: number): Promise<Participant[]> {
  const rows = await db('run_workers').where({ run_id: runId }).orderBy('id');
  return rows.map((r) => ({
    worker: r.worker,
    status: r.status,
    error: r.error,
    joinedAt: r.joined_at,
    finishedAt: r.finished_at,
    seen: r.seen,
    inserted: r.inserted,
    updated: r.updated,
    unchanged: r.unchanged,
    failed: r.failed,
  }));
}

async function sumCounts(db: Knex, runId: number): Promise<RunCounts> {
  const row = (await db('run_workers')
    .where({ run_id: runId })
    .sum({ seen: 'seen', inserted: 'inserted', updated: 'updated', unchanged: 'unchanged', failed: 'failed' })
    .first()) as Record<string, number | string | null> | undefined;
  const counts = {} as RunCounts;
  for (const c of COUNT_COLUMNS) counts[c] = Number(row?.[c] ?? 0);
  return counts;
}

async function mergedStats(db: Knex, runId: number): Promise<Record<string, number>> {
  const rows: Array<{ stats: string | null }> = await db('run_workers').where({ run_id: runId }).select('stats');
  const merged: Record<string, number> = {};
  for (const row of rows) {
    for (const [k, v] of Object.entries(fromJsonColumn<Record<string, number>>(row.stats, {}))) merged[k] = (merged[k] ?? 0) + v;
  }
  return merged;
}

const SUMMED_PROGRESS = ['done', 'failed', 'rate', 'bytes'] as const;

/**
 * The run's progress from every participant's share: what each did (pages, failures, rate, bytes)
 * adds up; what describes the shared whole (queued, what remains of the total, the message) is the
 * latest report's, since every participant sees the same frontier.
 */
async function mergedProgress(db: Knex, runId: number, latest: RunProgress): Promise<RunProgress> {
  const rows: Array<{ progress: string | null }> = await db('run_workers').where({ run_id: runId }).select('progress');
  const shares = rows.map((row) => fromJsonColumn<RunProgress>(row.progress, {}));
  const merged: RunProgress = { ...latest };
  for (const field of SUMMED_PROGRESS) {
    const values = shares.map((share) => share[field]).filter((v): v is number => v !== undefined);
    if (values.length > 0) merged[field] = values.reduce((a, b) => a + b, 0);
  }
  if (latest.total !== undefined) merged.total = (merged.done ?? 0) + latest.total - (latest.done ?? 0);
  return merged;
}
