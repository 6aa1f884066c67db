import type { Knex } from 'knex';
import { fromJsonColumn } from '../core/json-column.js';
import type { LabelResult } from './label-schema.js';
import type { ReviewStatus } from './tasks.js';

/** One annotation as exports and aggregation read it. */
export interface StoredAnnotation {
  id: number;
  clientId: string;
  taskId: number;
  itemId: number;
  userId: number;
  user: string;
  userKind: string;
  externalId: string | null;
  result: LabelResult;
  isGold: boolean;
  goldCorrect: boolean | null;
  reviewStatus: ReviewStatus;
  reviewResult: LabelResult | null;
  workSeconds: number | null;
  createdAt: string;
}

interface Row {
  id: number;
  client_id: string;
  task_id: number;
  item_id: number;
  user_id: number;
  name: string;
  kind: string;
  external_id: string | null;
  result: string;
  is_gold: boolean | number;
  gold_correct: boolean | number | null;
  review_status: string;
  review_result: string | null;
  work_seconds: number | null;
  created_at: string;
}

const PAGE = 5000;
const TASK_PAGE = 1000;

function fromRow(r: Row): StoredAnnotation {
  return {
    id: r.id,
    clientId: r.client_id,
    taskId: r.task_id,
    itemId: r.item_id,
    userId: r.user_id,
    user: r.name,
    userKind: r.kind,
    externalId: r.external_id,
    result: fromJsonColumn<LabelResult>(r.result, { label: '' }),
    isGold: Boolean(r.is_gold),
    goldCorrect: r.gold_correct === null ? null : Boolean(r.gold_correct),
    reviewStatus: r.review_status as ReviewStatus,
    reviewResult: fromJsonColumn<LabelResult | null>(r.review_result, null),
    workSeconds: r.work_seconds,
    createdAt: r.created_at,
  };
}

function annotationRows(db: Knex, projectId: number, includeRejected: boolean) {
  const q = db('annotations')
    .join('users', 'users.id', 'annotations.user_id')
    .where('annotations.project_id', projectId)
    .select('annotations.id', 'annotations.client_id', 'annotations.task_id', 'annotations.item_id', 'annotations.user_id', 'users.name', 'users.kind', 'users.external_id', 'annotations.result', 'annotations.is_gold', 'annotations.gold_correct', 'annotations.review_status', 'annotations.review_result', 'annotations.work_seconds', 'annotations.created_at');
  if (!includeRejected) q.whereNot('annotations.review_status', 'rejected');
  return q;
}

/**
 * A project's annotations in id order, a page at a time by keyset on the (project_id, id) index
 * (never OFFSET), so a million annotations stream in constant memory and linear time on either
 * database.
 */
export async function* streamAnnotations(db: Knex, projectId: number, opts: { includeRejected?: boolean } = {}): AsyncGenerator<StoredAnnotation> {
  let after = 0;
  for (;;) {
    const rows: Row[] = await annotationRows(db, projectId, opts.includeRejected ?? false).where('annotations.id', '>', after).orderBy('annotations.id').limit(PAGE);
    for (const r of rows) yield fromRow(r);
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1].id;
  }
}

/**
 * The counted (not rejected) annotations grouped by item, in task order: a page of task ids by
 * keyset on the (project_id, task_id) index, then their annotations through the same index.
 */
export async function* streamByItem(db: Knex, projectId: number): AsyncGenerator<StoredAnnotation[]> {
  let after = 0;
  for (;;) {
    const taskIds: number[] = await db('annotations').where('project_id', projectId).where('task_id', '>', after).distinct('task_id').orderBy('task_id').limit(TASK_PAGE).pluck('task_id');
    if (taskIds.length === 0) return;
    after = taskIds[taskIds.length - 1];
    const rows: Row[] = await annotationRows(db, projectId, false).whereIn('annotations.task_id', taskIds).orderBy([{ column: 'annotations.task_id' }, { column: 'annotations.id' }]);
    let group: StoredAnnotation[] = [];
    for (const r of rows) {
      if (group.length && group[0].taskId !== r.task_id) {
        yield group;
        group = [];
      }
      group.push(fromRow(r));
    }
    if (group.length) yield group;
  }
}
