import type { Knex } from 'knex';
import { ConflictError, ForbiddenError, NotFoundError } from '../core/errors.js';
import { fromJsonColumn, toJsonColumn } from '../core/json-column.js';
import { decodeCursor, encodeCursor } from '../core/items.js';
import { nowIso } from '../core/time.js';
import { validateResult, type LabelResult } from './label-schema.js';
import type { Project } from './projects.js';
import { annotationFromRow, annotationQuery, getAnnotation, type Annotation, type ReviewStatus } from './tasks.js';

/** Edits, manager review, and the lists the annotator and review pages show. */
interface Owned {
  id: number;
  user_id: number;
  task_id: number;
  assignment_id: number;
  review_status: string;
  text: string | null;
}

async function loadOwned(db: Knex, project: Project, annotationId: number): Promise<Owned> {
  const row: Owned | undefined = await db('annotations')
    .join('items', 'items.id', 'annotations.item_id')
    .where({ 'annotations.id': annotationId, 'annotations.project_id': project.id })
    .first('annotations.id', 'annotations.user_id', 'annotations.task_id', 'annotations.assignment_id', 'annotations.review_status', 'items.text');
  if (!row) throw new NotFoundError('annotation', annotationId);
  return row;
}

export async function projectIdOfAnnotation(db: Knex, annotationId: number): Promise<number> {
  const row: { project_id: number } | undefined = await db('annotations').where('id', annotationId).first('project_id');
  if (!row) throw new NotFoundError('annotation', annotationId);
  return row.project_id;
}

/**
 * An annotator changes its own answer; the review (if any) starts over. A gold item keeps the
 * score of the first answer: otherwise a worker could submit, see it was wrong, and correct it.
 */
export async function editAnnotation(db: Knex, project: Project, annotationId: number, userId: number, result: unknown): Promise<Annotation> {
  const a = await loadOwned(db, project, annotationId);
  if (a.user_id !== userId) throw new ForbiddenError('you can only edit your own annotations');
  if (a.review_status === 'rejected') throw new ConflictError(`annotation ${annotationId} was rejected and can no longer change`);
  const valid = validateResult(project.schema, result, a.text);
  // Conditional on "not rejected": a rejection that lands between the read above and this write
  // wins, or the rejected answer would count again beside the one that took over its slot.
  const changed = await db('annotations')
    .where({ id: annotationId })
    .whereNot('review_status', 'rejected')
    .update({
      result: toJsonColumn(valid),
      review_status: 'pending',
      review_result: null,
      updated_at: nowIso(),
    });
  if (!changed) throw new ConflictError(`annotation ${annotationId} was rejected and can no longer change`);
  return getAnnotation(db, annotationId);
}

export const REVIEW_ACTIONS = ['accept', 'reject', 'correct'] as const;
export type ReviewAction = (typeof REVIEW_ACTIONS)[number];

/**
 * accept: counts as given; correct: the reviewer's result replaces it in aggregation;
 * reject: it no longer counts and its slot returns to the pool, so another annotator fills it.
 */
export async function reviewAnnotation(db: Knex, project: Project, annotationId: number, reviewerId: number, action: ReviewAction, result?: unknown): Promise<Annotation> {
  const a = await loadOwned(db, project, annotationId);
  if (a.review_status === 'rejected') throw new ConflictError(`annotation ${annotationId} is already rejected`);
  const corrected = action === 'correct' ? validateResult(project.schema, result, a.text) : null;
  const status: ReviewStatus = action === 'accept' ? 'accepted' : action === 'reject' ? 'rejected' : 'corrected';
  await db.transaction(async (trx) => {
    // Conditional for the same reason as edits: two reviews racing must not reject twice (and
    // uncount the item twice) nor undo a rejection whose slot someone else already holds.
    const changed = await trx('annotations')
      .where({ id: annotationId })
      .whereNot('review_status', 'rejected')
      .update({ review_status: status, review_result: corrected ? toJsonColumn(corrected) : null, reviewed_by: reviewerId, reviewed_at: nowIso() });
    if (!changed) throw new ConflictError(`annotation ${annotationId} is already rejected`);
    // The triggers of migration 007 uncount the annotation and return its slot to the task.
    if (action === 'reject') await trx('assignments').where({ id: a.assignment_id }).whereNotNull('slot').update({ slot: null });
  });
  return getAnnotation(db, annotationId);
}

export interface AnnotationWithItem extends Annotation {
  item: { id: number; key: string; text: string | null; fields: Record<string, unknown>; url: string | null };
}

export interface AnnotationListOptions {
  userId?: number;
  status?: ReviewStatus;
  /** Annotations with a smaller id (newest first paging). */
  before?: number;
  /** The `nextCursor` of the previous page (opaque, as on the other list routes); wins over `before`. */
  cursor?: string;
  limit?: number;
}

export interface AnnotationPage {
  annotations: AnnotationWithItem[];
  /** Null on the last page. */
  nextCursor: string | null;
  /** The same position as a plain id, for callers that page with `before`. */
  nextBefore: number | null;
}

export async function listAnnotations(db: Knex, project: Project, opts: AnnotationListOptions = {}): Promise<AnnotationPage> {
  const limit = opts.limit ?? 50;
  const before = opts.cursor !== undefined ? decodeCursor(opts.cursor) : opts.before;
  // One row past the page tells whether another page follows, so the last page says so itself.
  const q = annotationQuery(db)
    .join('items', 'items.id', 'annotations.item_id')
    .select('items.key', 'items.text', 'items.fields', 'items.url')
    .where('annotations.project_id', project.id)
    .orderBy('annotations.id', 'desc')
    .limit(limit + 1);
  if (opts.userId !== undefined) q.where('annotations.user_id', opts.userId);
  if (opts.status) q.where('annotations.review_status', opts.status);
  if (before !== undefined) q.where('annotations.id', '<', before);
  const rows: Array<Parameters<typeof annotationFromRow>[0] & { key: string; text: string | null; fields: string; url: string | null }> = await q;
  const page = rows.slice(0, limit);
  const annotations = page.map((r) => ({ ...annotationFromRow(r), item: { id: r.item_id, key: r.key, text: r.text, fields: fromJsonColumn(r.fields, {}), url: r.url } }));
  const last = rows.length > limit ? page[page.length - 1].id : null;
  return { annotations, nextCursor: last === null ? null : encodeCursor(last), nextBefore: last };
}

export interface Progress {
  /** Items to label (gold items not counted). */
  items: number;
  /** Items with all K annotations. */
  complete: number;
  annotations: number;
  /** This annotator's annotations. */
  mine: number;
  leased: number;
}

export async function projectProgress(db: Knex, project: Project, userId: number): Promise<Progress> {
  const [items, complete, annotations, mine, leased] = await Promise.all([
    db('tasks').where({ project_id: project.id, is_gold: false }).count({ count: '*' }).first(),
    db('tasks').where({ project_id: project.id, is_gold: false }).where('done', '>=', project.overlap).count({ count: '*' }).first(),
    db('annotations').where({ project_id: project.id }).whereNot('review_status', 'rejected').count({ count: '*' }).first(),
    db('annotations').where({ project_id: project.id, user_id: userId }).count({ count: '*' }).first(),
    db('assignments').where({ project_id: project.id, status: 'leased' }).count({ count: '*' }).first(),
  ]);
  return { items: Number(items?.count ?? 0), complete: Number(complete?.count ?? 0), annotations: Number(annotations?.count ?? 0), mine: Number(mine?.count ?? 0), leased: Number(leased?.count ?? 0) };
}

export type { LabelResult };
