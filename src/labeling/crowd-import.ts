import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { InputError } from '../core/errors.js';
import { Ingestor, type IngestListener } from '../core/ingest.js';
import { fromJsonColumn, toJsonColumn } from '../core/json-column.js';
import type { Store } from '../core/store.js';
import { nowIso } from '../core/time.js';
import { isIdMatch, parseCrowdFile, LineError, type CrowdImportFormat, type ItemMatch, type ParsedAnswer, type ValueMatch, type ParsedCrowdFile, type ParsedTask } from './crowd-formats/index.js';
import { canonicalAnswer, validateResult, type LabelResult } from './label-schema.js';
import type { Project } from './projects.js';
import { reclaimExpiredLeases } from './tasks.js';
import { crowdWorker } from './users.js';

export { CROWD_IMPORT_FORMATS, type CrowdImportFormat } from './crowd-formats/index.js';

export interface ImportOptions {
  /** The task data field that identifies items (see ParseOptions.matchField). */
  matchField?: string;
  /** The widget, control or label attribute holding the answer when a file has several. */
  answerField?: string;
  /** Skip answers for items that already have their K answers instead of refusing the file. */
  skipFull?: boolean;
  /** Create the items no task of the project matches, in this source of the project. */
  create?: { store: Store; listeners: IngestListener[]; source: string };
}

export interface ImportSummary {
  imported: number;
  alreadyImported: number;
  /** Answers Trove exported itself, recognised on their way back and not counted again. */
  ownAnswers: number;
  skippedRejected: number;
  /** Answers for items already full, skipped under `skipFull`. */
  skippedFull: number;
  /** Live leases given up so an imported answer could take their slot. */
  leasesReleased: number;
  expiredLeasesReclaimed: number;
  itemsCreated: number;
  workers: number;
}

interface TaskRow {
  id: number;
  item_id: number;
  text: string | null;
  url: string | null;
  key: string;
  fields: string;
  is_gold: boolean | number;
  gold_result: string | null;
}

const ID_CHUNK = 500;
const SCAN_PAGE = 1000;
const RACE_RETRIES = 8;

/**
 * Imports crowd answers into a project. The file is parsed first (crowd-formats/, no store), then
 * everything is stored in one transaction: a malformed file reports its line and reason and
 * nothing is imported. Crowd workers become annotators of kind `crowd`, keyed by platform and
 * external id. Leases are not answers: an imported answer takes a free slot, else an expired
 * lease's (all are reclaimed first), else a live lease's; only K real answers make an item full,
 * as they do for the crowd-csv export that offered it.
 */
export async function importCrowdResults(db: Knex, project: Project, format: CrowdImportFormat, text: string, file: string, opts: ImportOptions = {}): Promise<ImportSummary> {
  const parsed = parseCrowdFile(format, text, { file, schema: project.schema, matchField: opts.matchField, answerField: opts.answerField });
  if (!opts.create) return db.transaction((trx) => storeAll(trx, project, format, parsed, file, opts, 0));
  return importCreatingItems(db, project, format, parsed, file, opts, opts.create);
}

/** New items and the answers on them commit in one transaction: the ingest's, which also gives them their tasks. */
async function importCreatingItems(db: Knex, project: Project, format: CrowdImportFormat, parsed: ParsedCrowdFile, file: string, opts: ImportOptions, create: NonNullable<ImportOptions['create']>): Promise<ImportSummary> {
  const sourceId = await projectSource(db, project, create.source);
  const found = await resolveTasks(db, project, parsed.tasks, file);
  const records = new Map<string, ParsedTask['item']>();
  parsed.tasks.forEach((t, i) => {
    if (found[i] || isIdMatch(t.match)) return;
    records.set(`${format}-${createHash('sha256').update(JSON.stringify(t.item)).digest('hex').slice(0, 24)}`, t.item);
  });
  const ingestor = new Ingestor(create.store, { sourceId, runId: null, listeners: create.listeners, batchSize: records.size + 1 });
  let summary: ImportSummary | undefined;
  try {
    for (const [key, item] of records) await ingestor.add({ key, ...item });
    await ingestor.flush(async (trx) => {
      summary = await storeAll(trx, project, format, parsed, file, opts, records.size);
    });
  } finally {
    await ingestor.close();
  }
  return summary as ImportSummary;
}

async function projectSource(db: Knex, project: Project, name: string): Promise<number> {
  const sources: Array<{ id: number; name: string }> = await db('project_sources').join('sources', 'sources.id', 'project_sources.source_id').where('project_sources.project_id', project.id).select('sources.id', 'sources.name');
  const source = sources.find((s) => s.name === name);
  if (!source) throw new InputError(`--create-in ${name}: not a source of project ${project.name} (its sources: ${sources.map((s) => s.name).join(', ')})`);
  return source.id;
}

async function storeAll(trx: Knex.Transaction, project: Project, format: CrowdImportFormat, parsed: ParsedCrowdFile, file: string, opts: ImportOptions, itemsCreated: number): Promise<ImportSummary> {
  const summary: ImportSummary = { imported: 0, alreadyImported: 0, ownAnswers: 0, skippedRejected: parsed.skippedRejected, skippedFull: 0, leasesReleased: 0, expiredLeasesReclaimed: 0, itemsCreated, workers: 0 };
  summary.expiredLeasesReclaimed = await reclaimAllExpired(trx, project.id);
  const rows = await resolveTasks(trx, project, parsed.tasks, file);
  const workers = new Map<string, number>();
  const full: Array<{ where: string; itemId: number }> = [];
  for (const [i, t] of parsed.tasks.entries()) {
    const task = rows[i];
    if (!task) throw unmatched(t, project, file, opts);
    for (const a of t.answers) {
      const result = checkedResult(project, a, task, file);
      if (a.troveAnnotationId !== undefined && (await isOwnAnswer(trx, project, task, a, result, file))) {
        summary.ownAnswers++;
        continue;
      }
      const workerKey = `${a.platform}:${a.workerId}`;
      let userId = workers.get(workerKey);
      if (userId === undefined) {
        userId = (await crowdWorker(trx, a.platform, a.workerId)).id;
        workers.set(workerKey, userId);
        await trx('project_members').insert({ project_id: project.id, user_id: userId }).onConflict(['project_id', 'user_id']).ignore();
      }
      const clientId = `${format}:${createHash('sha256').update(`${a.answerId}\u0000${task.id}\u0000${workerKey}`).digest('hex').slice(0, 40)}`;
      if (await trx('annotations').where({ client_id: clientId }).first('id')) {
        summary.alreadyImported++;
        continue;
      }
      const assignmentId = await takeSlot(trx, project, task, userId, a, file, summary);
      if (assignmentId === undefined) {
        full.push({ where: a.where, itemId: task.item_id });
        if (opts.skipFull) summary.skippedFull++;
        continue;
      }
      await storeAnnotation(trx, project, task, userId, assignmentId, clientId, result, a);
      summary.imported++;
    }
  }
  if (full.length && !opts.skipFull) {
    throw new LineError(
      file,
      full[0].where,
      `item ${full[0].itemId} already has its ${project.overlap} annotations (overlap); ${full.length} answer(s) of this file are for items already full, so nothing was imported: pass --skip-full to import the others and skip those`,
    );
  }
  summary.workers = workers.size;
  return summary;
}

async function reclaimAllExpired(trx: Knex.Transaction, projectId: number): Promise<number> {
  const now = nowIso();
  let total = 0;
  for (let n = await reclaimExpiredLeases(trx, projectId, now); n > 0; n = await reclaimExpiredLeases(trx, projectId, now)) total += n;
  return total;
}

function checkedResult(project: Project, a: ParsedAnswer, task: TaskRow, file: string): LabelResult {
  try {
    return validateResult(project.schema, a.result, task.text);
  } catch (err) {
    throw new LineError(file, a.where, (err as Error).message);
  }
}

/** An answer Trove exported (its Label Studio regions name the annotation) is that annotation; changed, it is refused. */
async function isOwnAnswer(trx: Knex.Transaction, project: Project, task: TaskRow, a: ParsedAnswer, result: LabelResult, file: string): Promise<boolean> {
  const own: { result: string } | undefined = await trx('annotations').where({ id: a.troveAnnotationId, project_id: project.id, task_id: task.id }).first('result');
  if (!own) return false;
  if (canonicalAnswer(fromJsonColumn<LabelResult>(own.result, { label: '' })) === canonicalAnswer(result)) return true;
  throw new LineError(file, a.where, `is Trove's annotation ${a.troveAnnotationId}, changed since it was exported; Trove keeps one answer per annotator: correct it in Trove's review queue, or drop its "trove-…" region ids to import it as another worker's answer`);
}

/**
 * The assignment an imported answer is stored under: a free slot, else the slot of the most
 * recent live lease (which is given up: a lease is not an answer), else none (the item is full).
 * The worker's own lease on the task becomes its answer.
 */
async function takeSlot(trx: Knex.Transaction, project: Project, task: TaskRow, userId: number, a: ParsedAnswer, file: string, summary: ImportSummary): Promise<number | undefined> {
  for (let attempt = 0; attempt < RACE_RETRIES; attempt++) {
    const rows: Array<{ id: number; user_id: number; slot: number | null; status: string; created_at: string }> = await trx('assignments').where('task_id', task.id).select('id', 'user_id', 'slot', 'status', 'created_at');
    const mine = rows.find((r) => r.user_id === userId);
    if (mine && mine.status !== 'leased') throw new LineError(file, a.where, `worker ${a.workerId} already has an annotation on item ${task.item_id}`);
    if (mine) await trx('assignments').where({ id: mine.id }).del();
    const others = rows.filter((r) => r !== mine);
    let slot: number | null = null;
    if (!task.is_gold) {
      const taken = new Set(others.filter((r) => r.slot !== null).map((r) => Number(r.slot)));
      slot = Array.from({ length: project.overlap }, (_, i) => i).find((i) => !taken.has(i)) ?? null;
      if (slot === null) {
        const lease = others.filter((r) => r.status === 'leased' && r.slot !== null).sort((x, y) => y.created_at.localeCompare(x.created_at))[0];
        if (!lease) return undefined;
        if (!(await trx('assignments').where({ id: lease.id, status: 'leased' }).del())) continue;
        summary.leasesReleased++;
        slot = Number(lease.slot);
      }
    }
    const inserted: Array<{ id: number }> = await trx('assignments')
      .insert({ task_id: task.id, project_id: project.id, user_id: userId, slot, status: 'submitted', lease_expires_at: null, created_at: nowIso() })
      .onConflict()
      .ignore()
      .returning('id');
    // Refused by the unique slot index: a `next` took the slot since it was read; look again.
    if (inserted[0]) return inserted[0].id;
  }
  throw new LineError(file, a.where, `item ${task.item_id} is being leased faster than the import can take a slot; run the import again`);
}

async function storeAnnotation(trx: Knex.Transaction, project: Project, task: TaskRow, userId: number, assignmentId: number, clientId: string, result: LabelResult, a: ParsedAnswer): Promise<void> {
  const gold = Boolean(task.is_gold);
  const now = nowIso();
  await trx('annotations').insert({
    client_id: clientId,
    assignment_id: assignmentId,
    task_id: task.id,
    project_id: project.id,
    item_id: task.item_id,
    user_id: userId,
    result: toJsonColumn(result),
    is_gold: gold,
    gold_correct: gold ? JSON.stringify(result) === task.gold_result : null,
    work_seconds: a.workSeconds,
    created_at: now,
    updated_at: now,
  });
}

const TASK_COLUMNS = ['tasks.id', 'tasks.item_id', 'items.text', 'items.url', 'items.key', 'items.fields', 'tasks.is_gold', 'tasks.gold_result'];

function projectTasks(q: Knex | Knex.Transaction, project: Project) {
  return q('tasks').join('items', 'items.id', 'tasks.item_id').where('tasks.project_id', project.id);
}

/**
 * The project task each parsed task names (undefined: none). Ids are looked up directly; values
 * (text, URL, key, a field) by one pass over the project's tasks, keeping only the values asked for.
 */
async function resolveTasks(q: Knex | Knex.Transaction, project: Project, tasks: ParsedTask[], file: string): Promise<Array<TaskRow | undefined>> {
  const idsOf = (by: 'task' | 'item') => tasks.flatMap((t) => (isIdMatch(t.match) && t.match.by === by ? [t.match.id] : []));
  const byTask = await rowsById(q, project, 'task', idsOf('task'));
  const byItem = await rowsById(q, project, 'item', idsOf('item'));
  const byValue = await rowsByValue(q, project, tasks.map((t) => t.match));
  return tasks.map((t) => {
    const m = t.match;
    if (isIdMatch(m)) {
      const row = m.by === 'task' ? byTask.get(m.id) : byItem.get(m.id);
      if (row && m.expectText && row.text !== null && !m.expectText.includes(row.text)) {
        throw new LineError(file, t.where, `${m.by} ${m.id} of project ${project.name} holds another text than the file's ("${clip(row.text)}" here, "${clip(m.expectText[m.expectText.length - 1])}" there): the file comes from another hub or the item changed; match items by their text with --match-field text`);
      }
      return row;
    }
    const hits = [...new Map(m.values.flatMap((v) => byValue.get(valueKey(m, v)) ?? []).map((r): [number, TaskRow] => [r.id, r])).values()];
    if (hits.length > 1) throw new LineError(file, t.where, `${describeMatch(m)} matches ${hits.length} items of project ${project.name} (ids ${hits.map((r) => r.item_id).join(', ')}): match by a field that tells them apart with --match-field`);
    return hits[0];
  });
}

/** The project's tasks by task id or by item id (an item is in a project once). */
async function rowsById(q: Knex | Knex.Transaction, project: Project, by: 'task' | 'item', ids: number[]): Promise<Map<number, TaskRow>> {
  const out = new Map<number, TaskRow>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += ID_CHUNK) {
    const rows: TaskRow[] = await projectTasks(q, project).whereIn(by === 'task' ? 'tasks.id' : 'tasks.item_id', unique.slice(i, i + ID_CHUNK)).select(TASK_COLUMNS);
    for (const r of rows) out.set(by === 'task' ? r.id : r.item_id, r);
  }
  return out;
}

function valueKey(m: ValueMatch, value: string | number | boolean): string {
  return `${m.by}\u0000${m.field ?? ''}\u0000${String(value)}`;
}

function rowValue(m: ValueMatch, row: TaskRow): string | undefined {
  if (m.by === 'text') return row.text ?? undefined;
  if (m.by === 'url') return row.url ?? undefined;
  if (m.by === 'key') return row.key;
  const v = fromJsonColumn<Record<string, unknown>>(row.fields, {})[m.field ?? ''];
  return v === undefined || v === null ? undefined : String(v);
}

async function rowsByValue(q: Knex | Knex.Transaction, project: Project, matches: ItemMatch[]): Promise<Map<string, TaskRow[]>> {
  const byValue = matches.filter((m): m is ValueMatch => !isIdMatch(m));
  const wanted = new Set(byValue.flatMap((m) => m.values.map((v) => valueKey(m, v))));
  const kinds = [...new Map(byValue.map((m) => [valueKey(m, ''), m])).values()];
  const out = new Map<string, TaskRow[]>();
  if (wanted.size === 0) return out;
  for (let after = 0; ; ) {
    const rows: TaskRow[] = await projectTasks(q, project).where('tasks.id', '>', after).orderBy('tasks.id').limit(SCAN_PAGE).select(TASK_COLUMNS);
    for (const row of rows) {
      for (const m of kinds) {
        const v = rowValue(m, row);
        const key = v === undefined ? undefined : valueKey(m, v);
        if (key !== undefined && wanted.has(key)) out.set(key, [...(out.get(key) ?? []), row]);
      }
    }
    if (rows.length < SCAN_PAGE) return out;
    after = rows[rows.length - 1].id;
  }
}

function describeMatch(m: ItemMatch): string {
  if (isIdMatch(m)) return `${m.by} ${m.id}`;
  return `${m.by === 'field' ? `field ${m.field}` : m.by} "${clip(String(m.values[m.values.length - 1]))}"`;
}

function unmatched(t: ParsedTask, project: Project, file: string, opts: ImportOptions): LineError {
  const m = t.match;
  if (isIdMatch(m)) return new LineError(file, t.where, `${m.by} ${m.id} is not in project ${project.name}`);
  const hint = opts.create ? '' : ' (pass --create-in <one of its sources> to create it, or --match-field to match by another field)';
  return new LineError(file, t.where, `no item of project ${project.name} has ${describeMatch(m)}${hint}`);
}

/** A quoted value kept to one short line: an error message is one line whatever the item holds. */
function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 60 ? `${flat.slice(0, 57)}…` : flat;
}
