import os from 'node:os';
import type { Knex } from 'knex';
import { ConflictError, NotFoundError } from './errors.js';
import { fromJsonColumn, toJsonColumn } from './json-column.js';
import type { RunProgress } from './source.js';
import { nowIso, parseIso, type Timestamp } from './time.js';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export type RunTrigger = 'manual' | 'schedule' | 'catch-up' | 'api';

export interface RunCounts {
  seen: number;
  inserted: number;
  updated: number;
  unchanged: number;
  failed: number;
}

export interface Run extends RunCounts {
  id: number;
  sourceId: number;
  source: string;
  status: RunStatus;
  trigger: RunTrigger;
  progress: RunProgress;
  stats: Record<string, number>;
  error: string | null;
  cancelRequested: boolean;
  worker: string | null;
  createdAt: Timestamp;
  startedAt: Timestamp | null;
  finishedAt: Timestamp | null;
  heartbeatAt: Timestamp | null;
  durationMs: number | null;
}

export interface RunError {
  location: string;
  message: string;
  at: Timestamp;
}

interface RunRow {
  id: number;
  source_id: number;
  source_name: string;
  status: RunStatus;
  trigger: RunTrigger;
  seen: number;
  inserted: number;
  updated: number;
  unchanged: number;
  failed: number;
  progress: string | null;
  stats: string | null;
  error: string | null;
  cancel_requested: boolean | number;
  worker: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  heartbeat_at: string | null;
}

/** A running run whose process has not beaten its heart for this long is taken as dead. */
export const STALE_AFTER_MS = 30_000;

function fromRow(row: RunRow): Run {
  const end = row.finished_at ?? (row.status === 'running' ? nowIso() : null);
  return {
    id: row.id,
    sourceId: row.source_id,
    source: row.source_name,
    status: row.status,
    trigger: row.trigger,
    seen: row.seen,
    inserted: row.inserted,
    updated: row.updated,
    unchanged: row.unchanged,
    failed: row.failed,
    progress: fromJsonColumn(row.progress, {}),
    stats: fromJsonColumn(row.stats, {}),
    error: row.error,
    cancelRequested: Boolean(row.cancel_requested),
    worker: row.worker,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    heartbeatAt: row.heartbeat_at,
    durationMs: row.started_at && end ? parseIso(end) - parseIso(row.started_at) : null,
  };
}

function runsQuery(db: Knex) {
  return db<RunRow>('runs').join('sources', 'sources.id', 'runs.source_id').select('runs.*', 'sources.name as source_name');
}

export async function getRun(db: Knex, id: number): Promise<Run> {
  const row = await runsQuery(db).where('runs.id', id).first();
  if (!row) throw new NotFoundError('run', id);
  return fromRow(row as RunRow);
}

export async function listRuns(db: Knex, opts: { sourceId?: number; limit?: number; beforeId?: number } = {}): Promise<Run[]> {
  const q = runsQuery(db).orderBy('runs.id', 'desc').limit(opts.limit ?? 50);
  if (opts.sourceId !== undefined) q.where('runs.source_id', opts.sourceId);
  if (opts.beforeId !== undefined) q.where('runs.id', '<', opts.beforeId);
  return ((await q) as RunRow[]).map(fromRow);
}

export async function listRunErrors(db: Knex, runId: number, limit = 100): Promise<RunError[]> {
  const rows = await db('run_errors').where({ run_id: runId }).orderBy('id').limit(limit);
  return rows.map((r) => ({ location: r.location, message: r.message, at: r.at }));
}

/**
 * Queues a run for a source. A source has at most one queued or running run; a running run whose
 * heartbeat stopped (its process died) is marked failed first, so its checkpoint can be resumed.
 */
export async function queueRun(db: Knex, sourceId: number, trigger: RunTrigger): Promise<number> {
  return db.transaction(async (trx) => {
    await failStaleRuns(trx, sourceId);
    const active = await trx('runs').where({ source_id: sourceId }).whereIn('status', ['queued', 'running']).first('id');
    if (active) throw new ConflictError(`source already has an active run (run ${active.id})`, { runId: active.id });
    const [row] = await trx('runs')
      .insert({ source_id: sourceId, status: 'queued', trigger, created_at: nowIso() })
      .returning('id');
    return typeof row === 'object' ? (row as { id: number }).id : (row as number);
  });
}

export async function failStaleRuns(db: Knex, sourceId?: number): Promise<number> {
  const cutoff = new Date(Date.now() - STALE_AFTER_MS).toISOString();
  const q = db('runs')
    .where({ status: 'running' })
    .andWhere((w) => w.where('heartbeat_at', '<', cutoff).orWhereNull('heartbeat_at'));
  if (sourceId !== undefined) q.andWhere({ source_id: sourceId });
  const stale = await q.update({ status: 'failed', error: 'the process running it stopped (no heartbeat)', finished_at: nowIso() });
  return stale + (await failRunsOfDeadLocalProcesses(db, sourceId));
}

/**
 * A run whose worker ("host:pid") is a process of this machine that no longer exists (killed,
 * crashed) is failed at once, without waiting for its heartbeat to go stale.
 */
async function failRunsOfDeadLocalProcesses(db: Knex, sourceId?: number): Promise<number> {
  const q = db('runs').where({ status: 'running' }).whereLike('worker', `${os.hostname()}:%`);
  if (sourceId !== undefined) q.andWhere({ source_id: sourceId });
  const dead = ((await q.select('id', 'worker')) as Array<{ id: number; worker: string }>).filter((r) => !processAlive(r.worker));
  if (dead.length === 0) return 0;
  return db('runs')
    .whereIn('id', dead.map((r) => r.id))
    .where({ status: 'running' })
    .update({ status: 'failed', error: 'the process running it stopped (it no longer exists)', finished_at: nowIso() });
}

function processAlive(worker: string): boolean {
  const pid = Number(worker.slice(worker.lastIndexOf(':') + 1));
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

export async function finishRun(
  db: Knex,
  runId: number,
  outcome: { status: Extract<RunStatus, 'succeeded' | 'failed' | 'cancelled'>; counts: RunCounts; progress: RunProgress; stats: Record<string, number>; error?: string },
): Promise<void> {
  await db('runs')
    .where({ id: runId })
    .update({
      ...outcome.counts,
      status: outcome.status,
      progress: toJsonColumn(outcome.progress),
      stats: toJsonColumn(outcome.stats),
      error: outcome.error ?? null,
      finished_at: nowIso(),
    });
}

/** Asks a run to stop; a queued run is cancelled at once, a running one at its next heartbeat. */
export async function requestCancel(db: Knex, runId: number): Promise<Run> {
  const run = await getRun(db, runId);
  if (run.status === 'queued') {
    await db('runs').where({ id: runId, status: 'queued' }).update({ status: 'cancelled', cancel_requested: true, finished_at: nowIso() });
  } else if (run.status === 'running') {
    await db('runs').where({ id: runId }).update({ cancel_requested: true });
  } else {
    throw new ConflictError(`run ${runId} has already ${run.status}`);
  }
  return getRun(db, runId);
}

export async function addRunError(db: Knex, runId: number, location: string, message: string): Promise<void> {
  await db('run_errors').insert({ run_id: runId, location, message, at: nowIso() });
}
