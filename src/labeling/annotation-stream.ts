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
  result: string;
  is_gold: boolean | number;
  gold_correct: boolean | number | null;
  review_status: string;
  review_result: string | null;
  work_seconds: number | null;
  created_at: string;
}

interface Annotator {
  name: string;
  kind: string;
  externalId: string | null;
}

const PAGE = 5000;
const TASK_PAGE = 1000;

/**
 * Annotators by id, read once per stream: a project has few annotators and many annotations, so
 * joining `users` on every row would convert the same three strings a million times.
 */
class Annotators {
  private readonly byId = new Map<number, Annotator>();
  constructor(private readonly db: Knex) {}

  async load(rows: Row[]): Promise<void> {
    const missing = [...new Set(rows.map((r) => r.user_id))].filter((id) => !this.byId.has(id));
    if (missing.length === 0) return;
    const users: Array<{ id: number; name: string; kind: string; external_id: string | null }> = await this.db('users').whereIn('id', missing).select('id', 'name', 'kind', 'external_id');
    for (const u of users) this.byId.set(u.id, { name: u.name, kind: u.kind, externalId: u.external_id });
  }

  toAnnotation(r: Row): StoredAnnotation {
    const user = this.byId.get(r.user_id) ?? { name: '', kind: '', externalId: null };
    return {
      id: r.id,
      clientId: r.client_id,
      taskId: r.task_id,
      itemId: r.item_id,
      userId: r.user_id,
      user: user.name,
      userKind: user.kind,
      externalId: user.externalId,
      result: fromJsonColumn<LabelResult>(r.result, { label: '' }),
      isGold: Boolean(r.is_gold),
      goldCorrect: r.gold_correct === null ? null : Boolean(r.gold_correct),
      reviewStatus: r.review_status as ReviewStatus,
      reviewResult: fromJsonColumn<LabelResult | null>(r.review_result, null),
      workSeconds: r.work_seconds,
      createdAt: r.created_at,
    };
  }
}

function annotationRows(db: Knex, projectId: number, includeRejected: boolean) {
  const q = db('annotations')
    .where('project_id', projectId)
    .select('id', 'client_id', 'task_id', 'item_id', 'user_id', 'result', 'is_gold', 'gold_correct', 'review_status', 'review_result', 'work_seconds', 'created_at');
  if (!includeRejected) q.whereNot('review_status', 'rejected');
  return q;
}

/**
 * A project's annotations in id order, a page at a time by keyset on the (project_id, id) index
 * (never OFFSET), so a million annotations stream in constant memory and linear time on either
 * database. Pages rather than rows, so a consumer can work (and write) a page at once.
 */
export async function* streamAnnotationPages(db: Knex, projectId: number, opts: { includeRejected?: boolean } = {}): AsyncGenerator<StoredAnnotation[]> {
  const annotators = new Annotators(db);
  let after = 0;
  for (;;) {
    const rows: Row[] = await annotationRows(db, projectId, opts.includeRejected ?? false).where('id', '>', after).orderBy('id').limit(PAGE);
    await annotators.load(rows);
    if (rows.length) yield rows.map((r) => annotators.toAnnotation(r));
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1].id;
  }
}

/**
 * The counted (not rejected) annotations grouped by item, in task order: a page of task ids by
 * keyset on the (project_id, task_id) index, then their annotations through the same index.
 */
export async function* streamByItem(db: Knex, projectId: number): AsyncGenerator<StoredAnnotation[]> {
  const annotators = new Annotators(db);
  let after = 0;
  for (;;) {
    const taskIds: number[] = await db('annotations').where('project_id', projectId).where('task_id', '>', after).distinct('task_id').orderBy('task_id').limit(TASK_PAGE).pluck('task_id');
    if (taskIds.length === 0) return;
    after = taskIds[taskIds.length - 1];
    const rows: Row[] = await annotationRows(db, projectId, false).whereIn('task_id', taskIds).orderBy([{ column: 'task_id' }, { column: 'id' }]);
    await annotators.load(rows);
    let group: StoredAnnotation[] = [];
    for (const r of rows) {
      if (group.length && group[0].taskId !== r.task_id) {
        yield group;
        group = [];
      }
      group.push(annotators.toAnnotation(r));
    }
    if (group.length) yield group;
  }
}

/**
 * Every task of the project in task order, each with its counted annotations (none for a task
 * nobody labeled yet): a page of tasks by keyset on the primary key, then their annotations.
 */
export async function* streamTasksWithAnnotations(db: Knex, projectId: number): AsyncGenerator<{ taskId: number; itemId: number; annotations: StoredAnnotation[] }> {
  const annotators = new Annotators(db);
  let after = 0;
  for (;;) {
    const tasks: Array<{ id: number; item_id: number }> = await db('tasks').where('project_id', projectId).where('id', '>', after).orderBy('id').limit(TASK_PAGE).select('id', 'item_id');
    if (tasks.length === 0) return;
    after = tasks[tasks.length - 1].id;
    const rows: Row[] = await annotationRows(db, projectId, false)
      .whereIn('task_id', tasks.map((t) => t.id))
      .orderBy([{ column: 'task_id' }, { column: 'id' }]);
    await annotators.load(rows);
    const byTask = new Map<number, StoredAnnotation[]>();
    for (const r of rows) byTask.set(r.task_id, [...(byTask.get(r.task_id) ?? []), annotators.toAnnotation(r)]);
    for (const t of tasks) yield { taskId: t.id, itemId: t.item_id, annotations: byTask.get(t.id) ?? [] };
  }
}
