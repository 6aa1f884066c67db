import { isDeepStrictEqual } from 'node:util';
import type { Knex } from 'knex';
import { ConflictError, NotFoundError } from '../core/errors.js';
import { fromJsonColumn, toJsonColumn } from '../core/json-column.js';
import { nowIso, parseIso, toIso, type Timestamp } from '../core/time.js';
import { validateResult, type LabelResult } from './label-schema.js';
import type { Project } from './projects.js';

/**
 * Task distribution: leases, submits, skips. Every step is one transaction, and the unique
 * constraints of migration 003 (one row per annotator and task, slots 0..K-1) are what make
 * over-assignment impossible; the code only picks candidates and retries when it loses a race.
 */
export interface LeasedItem {
  task: { id: number; leaseExpiresAt: Timestamp };
  item: { id: number; text: string | null; fields: Record<string, unknown>; url: string | null };
}

export interface Annotation {
  id: number;
  clientId: string;
  taskId: number;
  itemId: number;
  user: string;
  result: LabelResult;
  reviewStatus: ReviewStatus;
  reviewResult: LabelResult | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}
export type ReviewStatus = 'pending' | 'accepted' | 'rejected' | 'corrected';

interface AnnotationRow {
  id: number;
  client_id: string;
  task_id: number;
  item_id: number;
  user_name: string;
  result: string;
  review_status: string;
  review_result: string | null;
  created_at: string;
  updated_at: string;
}

const RACE_RETRIES = 8;
const RECLAIM_BATCH = 200;
// Expired leases are looked for at most this often per project and process: `next` stays cheap
// under load, and a lease is back in the pool within a second of expiring.
const RECLAIM_INTERVAL_MS = 1000;
const lastReclaim = new Map<number, number>();

export function annotationFromRow(row: AnnotationRow): Annotation {
  return {
    id: row.id,
    clientId: row.client_id,
    taskId: row.task_id,
    itemId: row.item_id,
    user: row.user_name,
    result: fromJsonColumn<LabelResult>(row.result, { label: '' }),
    reviewStatus: row.review_status as ReviewStatus,
    reviewResult: fromJsonColumn<LabelResult | null>(row.review_result, null),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function annotationQuery(db: Knex) {
  return db('annotations')
    .join('users', 'users.id', 'annotations.user_id')
    .select('annotations.id', 'annotations.client_id', 'annotations.task_id', 'annotations.item_id', 'users.name as user_name', 'annotations.result', 'annotations.review_status', 'annotations.review_result', 'annotations.created_at', 'annotations.updated_at');
}

/** Returns abandoned leases of the project to the pool. */
export async function reclaimExpiredLeases(trx: Knex.Transaction | Knex, projectId: number, now: Timestamp = nowIso()): Promise<number> {
  const expired: Array<{ id: number; task_id: number; slot: number | null }> = await trx('assignments')
    .where({ project_id: projectId, status: 'leased' })
    .where('lease_expires_at', '<', now)
    .limit(RECLAIM_BATCH)
    .select('id', 'task_id', 'slot');
  let n = 0;
  for (const a of expired) {
    const deleted = await trx('assignments').where({ id: a.id, status: 'leased' }).del();
    if (deleted && a.slot !== null) await releaseSlot(trx, a.task_id);
    n += deleted;
  }
  return n;
}

async function releaseSlot(trx: Knex.Transaction | Knex, taskId: number): Promise<void> {
  await trx('tasks').where({ id: taskId }).update({ filled: trx.raw('filled - 1'), open: true });
}

/**
 * The next item for an annotator: the lease it already holds, else (at the gold rate) a gold
 * item, else the first open task in serving order it has neither done nor skipped. Undefined when
 * nothing is left for this annotator.
 */
export async function nextTask(db: Knex, project: Project, userId: number, opts: { quota?: number } = {}): Promise<LeasedItem | undefined> {
  const taskId = await retryOnDeadlock(() => leaseNext(db, project, userId, opts));
  return taskId === undefined ? undefined : leasedItem(db, taskId, userId);
}

// PostgreSQL may pick this transaction as a deadlock victim when leases are reclaimed while others
// submit; it rolled back entirely, so running it again is safe.
const RETRYABLE = new Set(['40P01', '40001']);

async function retryOnDeadlock<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts || !RETRYABLE.has((err as { code?: string }).code ?? '')) throw err;
    }
  }
}

async function leaseNext(db: Knex, project: Project, userId: number, opts: { quota?: number }): Promise<number | undefined> {
  return db.transaction(async (trx) => {
    const now = Date.now();
    const expires = toIso(now + project.leaseSeconds * 1000);
    const reclaimedNow = now - (lastReclaim.get(project.id) ?? 0) >= RECLAIM_INTERVAL_MS;
    if (reclaimedNow) {
      lastReclaim.set(project.id, now);
      await reclaimExpiredLeases(trx, project.id, toIso(now));
    }
    const held: { id: number; task_id: number } | undefined = await trx('assignments').where({ project_id: project.id, user_id: userId, status: 'leased' }).orderBy('id').first('id', 'task_id');
    if (held) {
      await trx('assignments').where({ id: held.id }).update({ lease_expires_at: expires });
      return held.task_id;
    }
    if (opts.quota !== undefined && (await countUserWork(trx, project.id, userId)) >= opts.quota) return undefined;
    if (project.goldRate > 0 && Math.random() < project.goldRate) {
      const gold = await leaseGold(trx, project, userId, expires);
      if (gold) return gold;
    }
    const leased = await leaseRegular(trx, project, userId, expires);
    // The pool looks empty: abandoned leases may be all that is left, so look for them now.
    if (leased === undefined && !reclaimedNow && (await reclaimExpiredLeases(trx, project.id, toIso(now))) > 0) {
      return leaseRegular(trx, project, userId, expires);
    }
    return leased;
  });
}

async function countUserWork(trx: Knex.Transaction, projectId: number, userId: number): Promise<number> {
  const row = await trx('assignments').where({ project_id: projectId, user_id: userId }).count({ count: '*' }).first();
  return Number(row?.count ?? 0);
}

function candidates(trx: Knex.Transaction, project: Project, userId: number, gold: boolean) {
  return trx('tasks')
    .where({ 'tasks.project_id': project.id, 'tasks.is_gold': gold, 'tasks.open': true })
    .whereNotExists((q) => q.select(trx.raw('1')).from('assignments').whereRaw('assignments.task_id = tasks.id').where('assignments.user_id', userId))
    .whereNotExists((q) => q.select(trx.raw('1')).from('skips').whereRaw('skips.task_id = tasks.id').where('skips.user_id', userId))
    .orderBy([{ column: 'tasks.priority', order: 'desc' }, { column: 'tasks.rank', order: 'asc' }]);
}

async function leaseGold(trx: Knex.Transaction, project: Project, userId: number, expires: Timestamp): Promise<number | undefined> {
  const task: { id: number } | undefined = await candidates(trx, project, userId, true).first('tasks.id');
  if (!task) return undefined;
  const inserted = await trx('assignments')
    .insert({ task_id: task.id, project_id: project.id, user_id: userId, slot: null, status: 'leased', lease_expires_at: expires, created_at: nowIso() })
    .onConflict()
    .ignore()
    .returning('id');
  return inserted.length ? task.id : undefined;
}

async function leaseRegular(trx: Knex.Transaction, project: Project, userId: number, expires: Timestamp): Promise<number | undefined> {
  const skip = new Set<number>();
  for (let attempt = 0; attempt < RACE_RETRIES; attempt++) {
    const q = candidates(trx, project, userId, false);
    if (skip.size) q.whereNotIn('tasks.id', [...skip]);
    const task: { id: number } | undefined = await q.first('tasks.id');
    if (!task) return undefined;
    const taken = new Set<number>(await trx('assignments').where('task_id', task.id).whereNotNull('slot').pluck('slot'));
    const slot = Array.from({ length: project.overlap }, (_, i) => i).find((i) => !taken.has(i));
    if (slot !== undefined) {
      const inserted = await trx('assignments')
        .insert({ task_id: task.id, project_id: project.id, user_id: userId, slot, status: 'leased', lease_expires_at: expires, created_at: nowIso() })
        .onConflict()
        .ignore()
        .returning('id');
      if (inserted.length) {
        await trx('tasks').where({ id: task.id }).update({ filled: trx.raw('filled + 1'), open: trx.raw('(filled + 1) < ?', [project.overlap]) });
        return task.id;
      }
    }
    skip.add(task.id);
  }
  return undefined;
}

async function leasedItem(db: Knex, taskId: number, userId: number): Promise<LeasedItem | undefined> {
  const row: { task_id: number; lease_expires_at: string; item_id: number; text: string | null; fields: string; url: string | null } | undefined = await db('assignments')
    .join('tasks', 'tasks.id', 'assignments.task_id')
    .join('items', 'items.id', 'tasks.item_id')
    .where({ 'assignments.task_id': taskId, 'assignments.user_id': userId })
    .first('assignments.task_id', 'assignments.lease_expires_at', 'items.id as item_id', 'items.text', 'items.fields', 'items.url');
  if (!row) return undefined;
  return {
    task: { id: row.task_id, leaseExpiresAt: row.lease_expires_at },
    item: { id: row.item_id, text: row.text, fields: fromJsonColumn(row.fields, {}), url: row.url },
  };
}

export interface TaskContext {
  id: number;
  projectId: number;
  itemId: number;
  text: string | null;
  isGold: boolean;
  goldResult: LabelResult | null;
}

export async function getTaskContext(db: Knex, taskId: number): Promise<TaskContext> {
  const row: { id: number; project_id: number; item_id: number; text: string | null; is_gold: boolean | number; gold_result: string | null } | undefined = await db('tasks')
    .join('items', 'items.id', 'tasks.item_id')
    .where('tasks.id', taskId)
    .first('tasks.id', 'tasks.project_id', 'tasks.item_id', 'items.text', 'tasks.is_gold', 'tasks.gold_result');
  if (!row) throw new NotFoundError('task', taskId);
  return { id: row.id, projectId: row.project_id, itemId: row.item_id, text: row.text, isGold: Boolean(row.is_gold), goldResult: fromJsonColumn(row.gold_result, null) };
}

export interface SubmitOutcome {
  annotation: Annotation;
  /** True when this client id was already stored: nothing changed. */
  replay: boolean;
}

/**
 * Stores an annotation for the task the annotator holds. Idempotent on the client id: a replay
 * returns the stored annotation. Durable once this resolves (the transaction has committed).
 */
export async function submitAnnotation(
  db: Knex,
  project: Project,
  task: TaskContext,
  userId: number,
  input: { clientId: string; result: unknown },
): Promise<SubmitOutcome> {
  const replayed = await findReplay(db, input.clientId, task.id, userId);
  if (replayed) return { annotation: replayed, replay: true };
  const result = validateResult(project.schema, input.result, task.text);
  const outcome = await db.transaction(async (trx) => {
    const assignment: { id: number; created_at: string } | undefined = await trx('assignments').where({ task_id: task.id, user_id: userId, status: 'leased' }).first('id', 'created_at');
    const now = nowIso();
    const claimed = assignment ? await trx('assignments').where({ id: assignment.id, status: 'leased' }).update({ status: 'submitted', lease_expires_at: null }) : 0;
    if (!assignment || !claimed) {
      const again = await findReplay(trx, input.clientId, task.id, userId);
      if (again) return { replay: true as const, annotation: again };
      throw new ConflictError(`you do not hold task ${task.id} (its lease expired, was skipped, or it was never yours)`, { taskId: task.id });
    }
    const inserted: Array<{ id: number }> = await trx('annotations')
      .insert({
        client_id: input.clientId,
        assignment_id: assignment.id,
        task_id: task.id,
        project_id: project.id,
        item_id: task.itemId,
        user_id: userId,
        result: toJsonColumn(result),
        is_gold: task.isGold,
        gold_correct: task.isGold ? isDeepStrictEqual(result, task.goldResult) : null,
        work_seconds: (Date.now() - parseIso(assignment.created_at)) / 1000,
        created_at: now,
        updated_at: now,
      })
      .onConflict('client_id')
      .ignore()
      .returning('id');
    if (!inserted[0]) throw new ConflictError(`annotation id ${input.clientId} is already used for another task`);
    await trx('tasks').where({ id: task.id }).update({ done: trx.raw('done + 1') });
    return { replay: false as const, id: inserted[0].id };
  });
  if (outcome.replay) return { annotation: outcome.annotation, replay: true };
  return { annotation: await getAnnotation(db, outcome.id), replay: false };
}

async function findReplay(db: Knex, clientId: string, taskId: number, userId: number): Promise<Annotation | undefined> {
  const row: (AnnotationRow & { user_id: number }) | undefined = await annotationQuery(db).where('annotations.client_id', clientId).first('annotations.user_id');
  if (!row) return undefined;
  if (row.task_id !== taskId || row.user_id !== userId) throw new ConflictError(`annotation id ${clientId} is already used for another task`);
  return annotationFromRow(row);
}

export async function getAnnotation(db: Knex, id: number): Promise<Annotation> {
  const row: AnnotationRow | undefined = await annotationQuery(db).where('annotations.id', id).first();
  if (!row) throw new NotFoundError('annotation', id);
  return annotationFromRow(row);
}

/** Gives back a leased task; the annotator will not be offered it again. */
export async function skipTask(db: Knex, taskId: number, userId: number): Promise<void> {
  await db.transaction(async (trx) => {
    const a: { id: number; slot: number | null } | undefined = await trx('assignments').where({ task_id: taskId, user_id: userId, status: 'leased' }).first('id', 'slot');
    const deleted = a ? await trx('assignments').where({ id: a.id, status: 'leased' }).del() : 0;
    if (!a || !deleted) throw new ConflictError(`you do not hold task ${taskId}`, { taskId });
    if (a.slot !== null) await releaseSlot(trx, taskId);
    await trx('skips').insert({ task_id: taskId, user_id: userId, at: nowIso() }).onConflict(['task_id', 'user_id']).ignore();
  });
}
