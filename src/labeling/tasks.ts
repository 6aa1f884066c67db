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
  const expired: Array<{ id: number }> = await trx('assignments')
    .where({ project_id: projectId, status: 'leased' })
    .where('lease_expires_at', '<', now)
    .limit(RECLAIM_BATCH)
    .select('id');
  if (expired.length === 0) return 0;
  // Still expired when deleted: its annotator may have renewed it (`next` hands back the lease it
  // holds) since the select, and a renewed lease must stay theirs. The slot returns to the task
  // through the trigger of migration 007.
  return trx('assignments').whereIn('id', expired.map((a) => a.id)).where({ status: 'leased' }).where('lease_expires_at', '<', now).del();
}

/**
 * The next item for an annotator: the lease it already holds, else (at the gold rate) a gold
 * item, else the first open task in serving order it has neither done nor skipped. Undefined when
 * nothing is left for this annotator.
 */
export async function nextTask(db: Knex, project: Project, userId: number, opts: { quota?: number } = {}): Promise<LeasedItem | undefined> {
  return retryOnDeadlock(() => leaseNext(db, project, userId, opts));
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

interface ItemRow {
  item_id: number;
  text: string | null;
  fields: string;
  url: string | null;
}

function toLeasedItem(taskId: number, leaseExpiresAt: Timestamp, row: ItemRow): LeasedItem {
  return { task: { id: taskId, leaseExpiresAt }, item: { id: row.item_id, text: row.text, fields: fromJsonColumn(row.fields, {}), url: row.url } };
}

async function leaseNext(db: Knex, project: Project, userId: number, opts: { quota?: number }): Promise<LeasedItem | undefined> {
  return db.transaction(async (trx) => {
    const now = Date.now();
    const expires = toIso(now + project.leaseSeconds * 1000);
    const reclaimedNow = now - (lastReclaim.get(project.id) ?? 0) >= RECLAIM_INTERVAL_MS;
    if (reclaimedNow) {
      lastReclaim.set(project.id, now);
      await reclaimExpiredLeases(trx, project.id, toIso(now));
    }
    const held: (ItemRow & { id: number; task_id: number }) | undefined = await trx('assignments')
      .join('tasks', 'tasks.id', 'assignments.task_id')
      .join('items', 'items.id', 'tasks.item_id')
      .where({ 'assignments.project_id': project.id, 'assignments.user_id': userId, 'assignments.status': 'leased' })
      .orderBy('assignments.id')
      .first('assignments.id', 'assignments.task_id', 'items.id as item_id', 'items.text', 'items.fields', 'items.url');
    // A held lease is renewed only if it is still there: another `next` may have reclaimed it
    // (expired) since it was read, and then this annotator gets a fresh item instead.
    if (held && (await trx('assignments').where({ id: held.id, status: 'leased' }).update({ lease_expires_at: expires }))) {
      return toLeasedItem(held.task_id, expires, held);
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

/** Open tasks of the project the annotator has neither worked nor skipped, in serving order, with their item. */
function candidates(trx: Knex.Transaction, project: Project, userId: number, gold: boolean) {
  return trx('tasks')
    .join('items', 'items.id', 'tasks.item_id')
    .where({ 'tasks.project_id': project.id, 'tasks.is_gold': gold, 'tasks.open': true })
    .whereNotExists((q) => q.select(trx.raw('1')).from('assignments').whereRaw('assignments.task_id = tasks.id').where('assignments.user_id', userId))
    .whereNotExists((q) => q.select(trx.raw('1')).from('skips').whereRaw('skips.task_id = tasks.id').where('skips.user_id', userId))
    .orderBy([{ column: 'tasks.priority', order: 'desc' }, { column: 'tasks.rank', order: 'asc' }]);
}

// The lowest free slot of a task: 0 if free, else one above a taken slot whose successor is free.
// K or above means the task is full although marked open, and is passed over.
const FREE_SLOT_SQL = `CASE WHEN NOT EXISTS (SELECT 1 FROM assignments s0 WHERE s0.task_id = tasks.id AND s0.slot = 0) THEN 0
  ELSE (SELECT MIN(s1.slot) + 1 FROM assignments s1 WHERE s1.task_id = tasks.id AND s1.slot IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM assignments s2 WHERE s2.task_id = tasks.id AND s2.slot = s1.slot + 1)) END`;

async function insertLease(trx: Knex.Transaction, project: Project, taskId: number, userId: number, slot: number | null, expires: Timestamp): Promise<boolean> {
  const inserted = await trx('assignments')
    .insert({ task_id: taskId, project_id: project.id, user_id: userId, slot, status: 'leased', lease_expires_at: expires, created_at: nowIso() })
    .onConflict()
    .ignore()
    .returning('id');
  return inserted.length > 0;
}

async function leaseGold(trx: Knex.Transaction, project: Project, userId: number, expires: Timestamp): Promise<LeasedItem | undefined> {
  const task: (ItemRow & { id: number }) | undefined = await candidates(trx, project, userId, true).first('tasks.id', 'items.id as item_id', 'items.text', 'items.fields', 'items.url');
  if (!task || !(await insertLease(trx, project, task.id, userId, null, expires))) return undefined;
  return toLeasedItem(task.id, expires, task);
}

async function leaseRegular(trx: Knex.Transaction, project: Project, userId: number, expires: Timestamp): Promise<LeasedItem | undefined> {
  const skip = new Set<number>();
  for (let attempt = 0; attempt < RACE_RETRIES; attempt++) {
    const q = candidates(trx, project, userId, false);
    if (skip.size) q.whereNotIn('tasks.id', [...skip]);
    const task: (ItemRow & { id: number; slot: number | null }) | undefined = await q.first('tasks.id', trx.raw(`${FREE_SLOT_SQL} as slot`), 'items.id as item_id', 'items.text', 'items.fields', 'items.url');
    if (!task) return undefined;
    const slot = task.slot === null ? 0 : Number(task.slot);
    // When the insert is refused, another transaction took the slot since the select (PostgreSQL)
    // and the unique index said no: try the next task.
    if (slot < project.overlap && (await insertLease(trx, project, task.id, userId, slot, expires))) return toLeasedItem(task.id, expires, task);
    skip.add(task.id);
  }
  return undefined;
}

export interface TaskContext {
  id: number;
  projectId: number;
  itemId: number;
  text: string | null;
  isGold: boolean;
  goldResult: LabelResult | null;
  /** The lease of the annotator asked about (null: it holds none); absent when nobody was asked about. */
  lease?: { assignmentId: number; createdAt: Timestamp } | null;
}

/**
 * The task with what a submit needs; given an annotator, also the lease it holds on the task, in
 * the same statement (a submit then needs no further read before its transaction).
 */
export async function getTaskContext(db: Knex, taskId: number, userId?: number): Promise<TaskContext> {
  const q = db('tasks').join('items', 'items.id', 'tasks.item_id').where('tasks.id', taskId);
  if (userId !== undefined) {
    q.leftJoin('assignments', (j) => j.on('assignments.task_id', 'tasks.id').andOn('assignments.user_id', db.raw('?', [userId])).andOn('assignments.status', db.raw('?', ['leased'])));
    q.select('assignments.id as assignment_id', 'assignments.created_at as assignment_created_at');
  }
  const row:
    | { id: number; project_id: number; item_id: number; text: string | null; is_gold: boolean | number; gold_result: string | null; assignment_id?: number | null; assignment_created_at?: string | null }
    | undefined = await q.first('tasks.id', 'tasks.project_id', 'tasks.item_id', 'items.text', 'tasks.is_gold', 'tasks.gold_result');
  if (!row) throw new NotFoundError('task', taskId);
  return {
    id: row.id,
    projectId: row.project_id,
    itemId: row.item_id,
    text: row.text,
    isGold: Boolean(row.is_gold),
    goldResult: fromJsonColumn(row.gold_result, null),
    lease: userId === undefined ? undefined : row.assignment_id ? { assignmentId: row.assignment_id, createdAt: row.assignment_created_at ?? nowIso() } : null,
  };
}

export interface SubmitOutcome {
  annotation: Annotation;
  /** True when this client id was already stored: nothing changed. */
  replay: boolean;
}

/**
 * Stores an annotation for the task the annotator holds. Idempotent on the client id: a replay
 * returns the stored annotation. Durable once this resolves (the transaction has committed).
 * Given the annotator with its name (the API does), the new annotation is returned without being
 * read back; given only its id, it is read back.
 * The lease is claimed by a conditional update inside the transaction, so a lease reclaimed or
 * skipped meanwhile can never be submitted, and the unique indexes of 003 plus the triggers of 007
 * refuse a second annotation from this annotator whatever happens here.
 */
export async function submitAnnotation(
  db: Knex,
  project: Project,
  task: TaskContext,
  user: number | { id: number; name: string },
  input: { clientId: string; result: unknown },
): Promise<SubmitOutcome> {
  const userId = typeof user === 'number' ? user : user.id;
  const result = validateResult(project.schema, input.result, task.text);
  const lease = task.lease === undefined ? (await getTaskContext(db, task.id, userId)).lease : task.lease;
  const stored = lease ? await storeAnnotation(db, project, task, userId, lease, input.clientId, result) : undefined;
  if (!stored) {
    const replayed = await findReplay(db, input.clientId, task.id, userId);
    if (replayed) return { annotation: replayed, replay: true };
    throw new ConflictError(`you do not hold task ${task.id} (its lease expired, was skipped, or it was never yours)`, { taskId: task.id });
  }
  if (typeof user === 'number') return { annotation: await getAnnotation(db, stored.id), replay: false };
  const annotation: Annotation = {
    id: stored.id,
    clientId: input.clientId,
    taskId: task.id,
    itemId: task.itemId,
    user: user.name,
    result,
    reviewStatus: 'pending',
    reviewResult: null,
    createdAt: stored.at,
    updatedAt: stored.at,
  };
  return { annotation, replay: false };
}

/** One transaction: claim the lease, insert the annotation (a trigger counts it). Undefined when the lease is gone or the client id is taken. */
async function storeAnnotation(
  db: Knex,
  project: Project,
  task: TaskContext,
  userId: number,
  lease: { assignmentId: number; createdAt: Timestamp },
  clientId: string,
  result: LabelResult,
): Promise<{ id: number; at: Timestamp } | undefined> {
  return db.transaction(async (trx) => {
    const claimed = await trx('assignments').where({ id: lease.assignmentId, user_id: userId, status: 'leased' }).update({ status: 'submitted', lease_expires_at: null });
    if (!claimed) return undefined;
    const at = nowIso();
    const inserted: Array<{ id: number }> = await trx('annotations')
      .insert({
        client_id: clientId,
        assignment_id: lease.assignmentId,
        task_id: task.id,
        project_id: project.id,
        item_id: task.itemId,
        user_id: userId,
        result: toJsonColumn(result),
        is_gold: task.isGold,
        gold_correct: task.isGold ? isDeepStrictEqual(result, task.goldResult) : null,
        work_seconds: (Date.parse(at) - parseIso(lease.createdAt)) / 1000,
        created_at: at,
        updated_at: at,
      })
      .onConflict('client_id')
      .ignore()
      .returning('id');
    // The client id is taken (a replay, or reused for another task): undo the claim.
    if (!inserted[0]) throw new ClientIdTaken();
    return { id: inserted[0].id, at };
  }).catch((err: unknown) => {
    if (err instanceof ClientIdTaken) return undefined;
    throw err;
  });
}

/** Rolls a submit's transaction back when its client id is already stored. */
class ClientIdTaken extends Error {
  constructor() {
    super('annotation client id already stored');
  }
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
    const deleted = await trx('assignments').where({ task_id: taskId, user_id: userId, status: 'leased' }).del();
    if (!deleted) throw new ConflictError(`you do not hold task ${taskId}`, { taskId });
    await trx('skips').insert({ task_id: taskId, user_id: userId, at: nowIso() }).onConflict(['task_id', 'user_id']).ignore();
  });
}
