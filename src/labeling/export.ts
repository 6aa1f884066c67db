import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { Knex } from 'knex';
import { neutralizeCell, stringCast, type CsvCellOptions } from '../core/csv-cells.js';
import { fromJsonColumn } from '../core/json-column.js';
import { annotatorFields } from './annotator-view.js';
import { projectDecider, type AggregatedItem, type AggregationPolicy } from './aggregate.js';
import { streamAnnotationPages, streamByItem, streamTasksWithAnnotations, type StoredAnnotation } from './annotation-stream.js';
import type { LabelResult } from './label-schema.js';
import type { Project } from './projects.js';
import { utf16ToCodePoint } from './text-offsets.js';

export const PROJECT_EXPORT_FORMATS = ['jsonl', 'csv', 'labelstudio', 'groundtruth', 'crowd-csv', 'crowd-jsonl'] as const;
export type ProjectExportFormat = (typeof PROJECT_EXPORT_FORMATS)[number];

export interface ExportOptions extends CsvCellOptions {
  format: ProjectExportFormat;
  /** jsonl/csv: one aggregated row per item instead of one row per annotation; labelstudio: predictions; groundtruth: the policy (default majority). */
  aggregate?: AggregationPolicy;
}

interface ItemInfo {
  id: number;
  key: string;
  source: string;
  url: string | null;
  text: string | null;
  fields: Record<string, unknown>;
}

const ITEM_BATCH = 1000;
const TASK_WINDOW = 5000;

async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

async function loadItems(db: Knex, ids: number[]): Promise<Map<number, ItemInfo>> {
  const rows: Array<{ id: number; key: string; source: string; url: string | null; text: string | null; fields: string }> = await db('items')
    .join('sources', 'sources.id', 'items.source_id')
    .whereIn('items.id', ids)
    .select('items.id', 'items.key', 'sources.name as source', 'items.url', 'items.text', 'items.fields');
  return new Map(rows.map((r) => [r.id, { ...r, fields: fromJsonColumn(r.fields, {}) }]));
}

/** Pairs each value with its item, reading items a batch at a time. */
async function* withItems<T>(db: Knex, values: AsyncIterable<T>, itemIdOf: (v: T) => number): AsyncGenerator<[T, ItemInfo]> {
  let batch: T[] = [];
  const flush = async function* (): AsyncGenerator<[T, ItemInfo]> {
    const items = await loadItems(db, [...new Set(batch.map(itemIdOf))]);
    for (const v of batch) {
      const item = items.get(itemIdOf(v));
      if (item) yield [v, item];
    }
    batch = [];
  };
  for await (const v of values) {
    batch.push(v);
    if (batch.length >= ITEM_BATCH) yield* flush();
  }
  if (batch.length) yield* flush();
}

/**
 * Streams a project's labels to `out` in the chosen format, reading the store page by page:
 * memory stays flat whatever the number of annotations. Returns the rows (or tasks) written.
 */
export async function exportProject(db: Knex, project: Project, opts: ExportOptions, out: Writable): Promise<number> {
  switch (opts.format) {
    case 'jsonl':
      return opts.aggregate ? writeAggregatedJsonl(db, project, opts.aggregate, out) : writeAnnotationsJsonl(db, project, out);
    case 'csv':
      return opts.aggregate ? writeAggregatedCsv(db, project, opts.aggregate, out, opts) : writeAnnotationsCsv(db, project, out, opts);
    case 'labelstudio':
      return writeLabelStudio(db, project, opts.aggregate, out);
    case 'groundtruth':
      return writeGroundTruth(db, project, opts.aggregate ?? 'majority', out);
    case 'crowd-csv':
      return writeCrowdCsv(db, project, out, opts);
    case 'crowd-jsonl':
      return writeCrowdJsonl(db, project, out);
  }
}

/** Where an item came from: all an annotation row names of its item. */
interface ItemRef {
  source: string;
  key: string;
}

/**
 * Source and key of items, a page of ids at a time; source names are read once. Only these two
 * columns: item text and fields are the bulk of an item and an annotation row does not show them.
 */
class ItemRefs {
  private readonly sources = new Map<number, string>();
  constructor(private readonly db: Knex) {}

  async load(ids: number[]): Promise<Map<number, ItemRef>> {
    const rows: Array<{ id: number; key: string; source_id: number }> = await this.db('items').whereIn('id', ids).select('id', 'key', 'source_id');
    const unknown = [...new Set(rows.map((r) => r.source_id))].filter((id) => !this.sources.has(id));
    if (unknown.length) for (const s of await this.db('sources').whereIn('id', unknown).select('id', 'name')) this.sources.set(s.id, s.name);
    return new Map(rows.map((r) => [r.id, { source: this.sources.get(r.source_id) ?? '', key: r.key }]));
  }
}

/** Each page of a project's annotations (rejected ones too) with the source and key of their items. */
async function* annotationPagesWithItems(db: Knex, project: Project): AsyncGenerator<Array<[StoredAnnotation, ItemRef]>> {
  const refs = new ItemRefs(db);
  for await (const page of streamAnnotationPages(db, project.id, { includeRejected: true })) {
    const items = await refs.load([...new Set(page.map((a) => a.itemId))]);
    const paired: Array<[StoredAnnotation, ItemRef]> = [];
    for (const a of page) {
      const item = items.get(a.itemId);
      if (item) paired.push([a, item]);
    }
    yield paired;
  }
}

function annotationRecord(project: Project, a: StoredAnnotation, item: ItemRef) {
  return {
    project: project.name,
    annotationId: a.id,
    clientId: a.clientId,
    taskId: a.taskId,
    itemId: a.itemId,
    source: item.source,
    key: item.key,
    annotator: a.user,
    annotatorKind: a.userKind,
    externalId: a.externalId,
    result: a.result,
    isGold: a.isGold,
    goldCorrect: a.goldCorrect,
    reviewStatus: a.reviewStatus,
    reviewResult: a.reviewResult,
    workSeconds: a.workSeconds,
    createdAt: a.createdAt,
  };
}

// A page is serialised into one string and written at once: one write per 5,000 rows, not per row.
async function writeAnnotationsJsonl(db: Knex, project: Project, out: Writable): Promise<number> {
  let n = 0;
  for await (const page of annotationPagesWithItems(db, project)) {
    let chunk = '';
    for (const [a, item] of page) chunk += JSON.stringify(annotationRecord(project, a, item)) + '\n';
    await write(out, chunk);
    n += page.length;
  }
  return n;
}

async function* aggregated(db: Knex, project: Project, policy: AggregationPolicy): AsyncGenerator<AggregatedItem> {
  const decide = await projectDecider(db, project, policy);
  for await (const group of streamByItem(db, project.id)) yield decide(group);
}

function aggregatedRecord(r: AggregatedItem, item: ItemInfo) {
  return { itemId: r.itemId, source: item.source, key: item.key, url: item.url, text: item.text, label: r.label, labels: r.labels, spans: r.spans, confidence: r.confidence, annotations: r.annotations, method: r.source };
}

async function writeAggregatedJsonl(db: Knex, project: Project, policy: AggregationPolicy, out: Writable): Promise<number> {
  let n = 0;
  for await (const [r, item] of withItems(db, aggregated(db, project, policy), (r) => r.itemId)) {
    await write(out, JSON.stringify(aggregatedRecord(r, item)) + '\n');
    n++;
  }
  return n;
}

async function writeCsvRows(out: Writable, columns: string[], rows: AsyncIterable<Record<string, unknown>>, opts: CsvCellOptions): Promise<number> {
  const csv = stringify({ header: true, columns, cast: stringCast(opts) });
  csv.pipe(out, { end: false });
  let n = 0;
  for await (const row of rows) {
    if (!csv.write(row)) await once(csv, 'drain');
    n++;
  }
  csv.end();
  await once(csv, 'end');
  return n;
}

function flatLabel(result: LabelResult | null | undefined): string {
  if (!result) return '';
  if ('label' in result) return result.label;
  if ('labels' in result) return result.labels.join('|');
  return '';
}

async function writeAnnotationsCsv(db: Knex, project: Project, out: Writable, opts: CsvCellOptions): Promise<number> {
  const cell = opts.rawCells ? (v: string) => v : neutralizeCell;
  const columns = ['annotationId', 'taskId', 'itemId', 'source', 'key', 'annotator', 'annotatorKind', 'label', 'result', 'isGold', 'reviewStatus', 'createdAt'];
  await write(out, csvLine(columns));
  let n = 0;
  for await (const page of annotationPagesWithItems(db, project)) {
    let chunk = '';
    for (const [a, item] of page) {
      chunk += csvLine([a.id, a.taskId, a.itemId, cell(item.source), cell(item.key), cell(a.user), a.userKind, cell(flatLabel(a.result)), JSON.stringify(a.result), a.isGold ? 'true' : 'false', a.reviewStatus, a.createdAt]);
    }
    await write(out, chunk);
    n += page.length;
  }
  return n;
}

const CSV_NEEDS_QUOTES = /[",\r\n]/;
/** One RFC 4180 record: a field is quoted (quotes doubled) only when it holds a comma, quote or line break. */
function csvLine(fields: Array<string | number | null>): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) {
    const text = fields[i] === null ? '' : String(fields[i]);
    line += (i ? ',' : '') + (CSV_NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  }
  return line + '\n';
}

async function writeAggregatedCsv(db: Knex, project: Project, policy: AggregationPolicy, out: Writable, opts: CsvCellOptions): Promise<number> {
  const columns = ['itemId', 'source', 'key', 'label', 'spans', 'confidence', 'annotations', 'method'];
  async function* rows() {
    for await (const [r, item] of withItems(db, aggregated(db, project, policy), (r) => r.itemId)) {
      const rec = aggregatedRecord(r, item);
      yield { ...rec, label: r.label ?? (r.labels ?? []).join('|'), spans: r.spans ? JSON.stringify(r.spans) : '' };
    }
  }
  return writeCsvRows(out, columns, rows(), opts);
}

/**
 * Label Studio result regions for one answer, under the control names of labelStudioConfig().
 * Span offsets become code points, as Label Studio counts them. Region ids name the annotation
 * (`trove-<id>-<n>`): Label Studio keeps them, so the import knows Trove's own answers coming back.
 */
export function labelStudioResult(result: LabelResult, text: string | null, annotationId?: number): Array<Record<string, unknown>> {
  const id = (i: number) => (annotationId === undefined ? {} : { id: `trove-${annotationId}-${i}` });
  if ('label' in result) return [{ ...id(0), from_name: LS_CONTROL, to_name: LS_OBJECT, type: 'choices', value: { choices: [result.label] } }];
  if ('labels' in result) return [{ ...id(0), from_name: LS_CONTROL, to_name: LS_OBJECT, type: 'choices', value: { choices: result.labels } }];
  const body = text ?? '';
  return result.spans.map((s, i) => ({
    ...id(i),
    from_name: LS_CONTROL,
    to_name: LS_OBJECT,
    type: 'labels',
    value: { start: utf16ToCodePoint(body, s.start), end: utf16ToCodePoint(body, s.end), text: body.slice(s.start, s.end), labels: [s.label] },
  }));
}

const LS_CONTROL = 'label';
const LS_OBJECT = 'text';

function xmlAttr(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The Label Studio labeling config (`<View>` XML) the Label Studio export fits: its control and object names, the project's labels. */
export function labelStudioConfig(project: Project): string {
  const object = `  <Text name="${LS_OBJECT}" value="$text"/>`;
  if (project.schema.kind === 'spans') {
    const labels = project.schema.labels.map((l) => `    <Label value="${xmlAttr(l.value)}"${l.color ? ` background="${l.color}"` : ''}/>`).join('\n');
    return `<View>\n  <Labels name="${LS_CONTROL}" toName="${LS_OBJECT}">\n${labels}\n  </Labels>\n${object}\n</View>\n`;
  }
  const choice = project.schema.kind === 'multi' ? 'multiple' : 'single';
  const choices = project.schema.labels.map((l) => `    <Choice value="${xmlAttr(l.value)}"/>`).join('\n');
  return `<View>\n${object}\n  <Choices name="${LS_CONTROL}" toName="${LS_OBJECT}" choice="${choice}">\n${choices}\n  </Choices>\n</View>\n`;
}

const EMAIL = /^[^\s@:]+@[^\s@]+\.[^\s@]+$/;
const LABEL_STUDIO_WORKER = 'labelstudio:';

/**
 * How Label Studio names an annotator: by email when there is one (a Trove name that is an email,
 * or the email a Label Studio annotator was imported with), else by name only — never an external
 * id as an email, nor a Trove user id Label Studio would take for one of its own.
 */
function completedBy(a: StoredAnnotation): Record<string, unknown> {
  const fromLabelStudio = a.externalId?.startsWith(LABEL_STUDIO_WORKER) ? a.externalId.slice(LABEL_STUDIO_WORKER.length) : undefined;
  const email = [fromLabelStudio, a.user].find((v) => v !== undefined && EMAIL.test(v));
  return email ? { email } : { first_name: a.externalId ?? a.user, last_name: '' };
}

/**
 * A JSON array of Label Studio tasks, one per task of the project (unlabeled ones too, to label in
 * Label Studio): data, annotations (completed_by is the annotator), predictions (aggregates).
 */
async function writeLabelStudio(db: Knex, project: Project, policy: AggregationPolicy | undefined, out: Writable): Promise<number> {
  const decide = policy ? await projectDecider(db, project, policy) : undefined;
  let n = 0;
  await write(out, '[');
  for await (const [task, item] of withItems(db, streamTasksWithAnnotations(db, project.id), (t) => t.itemId)) {
    const group = task.annotations;
    const prediction = group.length ? decide?.(group) : undefined;
    const record = {
      id: task.taskId,
      data: { text: item.text, url: item.url, ...annotatorFields(project, item.fields), trove_item_id: item.id, trove_task_id: task.taskId, trove_key: item.key, trove_source: item.source },
      annotations: group.map((a) => ({
        id: a.id,
        completed_by: completedBy(a),
        result: labelStudioResult(a.result, item.text, a.id),
        was_cancelled: false,
        ground_truth: a.isGold,
        created_at: a.createdAt,
        lead_time: a.workSeconds,
      })),
      predictions: prediction ? [{ model_version: `trove-${policy}`, score: prediction.confidence, result: labelStudioResult(predictionResult(prediction), item.text) }] : [],
    };
    await write(out, (n ? ',\n' : '\n') + JSON.stringify(record));
    n++;
  }
  await write(out, '\n]\n');
  return n;
}

function predictionResult(r: AggregatedItem): LabelResult {
  if (r.spans) return { spans: r.spans };
  if (r.labels) return { labels: r.labels };
  return { label: r.label ?? '' };
}

/**
 * A SageMaker Ground Truth output manifest: one JSON line per item with the consolidated label
 * under an attribute named after the project and its `-metadata` (class names, confidence).
 */
async function writeGroundTruth(db: Knex, project: Project, policy: AggregationPolicy, out: Writable): Promise<number> {
  const attr = project.name;
  const classes = project.schema.labels.map((l) => l.value);
  const classMap = Object.fromEntries(classes.map((c, i) => [String(i), c]));
  const jobName = `labeling-job/${project.name}`;
  let n = 0;
  for await (const [r, item] of withItems(db, aggregated(db, project, policy), (r) => r.itemId)) {
    const base = { source: item.text ?? undefined, 'source-ref': item.text === null ? (item.url ?? undefined) : undefined, 'trove-item-id': item.id, 'trove-key': item.key };
    const meta = { confidence: r.confidence, 'job-name': jobName, 'human-annotated': 'yes', 'creation-date': new Date().toISOString().slice(0, 19) };
    let line: Record<string, unknown>;
    if (project.schema.kind === 'single') {
      line = { ...base, [attr]: classes.indexOf(r.label ?? ''), [`${attr}-metadata`]: { ...meta, 'class-name': r.label, type: 'groundtruth/text-classification' } };
    } else if (project.schema.kind === 'multi') {
      const picked = r.labels ?? [];
      line = {
        ...base,
        [attr]: picked.map((l) => classes.indexOf(l)),
        [`${attr}-metadata`]: { ...meta, 'class-map': Object.fromEntries(picked.map((l) => [String(classes.indexOf(l)), l])), 'confidence-map': Object.fromEntries(picked.map((l) => [String(classes.indexOf(l)), r.confidence])), type: 'groundtruth/text-classification-multilabel' },
      };
    } else {
      line = {
        ...base,
        [attr]: { annotations: { entities: (r.spans ?? []).map((s) => ({ label: s.label, startOffset: s.start, endOffset: s.end })), labels: classes.map((label) => ({ label })) } },
        [`${attr}-metadata`]: { ...meta, 'class-map': classMap, type: 'groundtruth/named-entity-recognition' },
      };
    }
    await write(out, JSON.stringify(line) + '\n');
    n++;
  }
  return n;
}

/** Items still short of their overlap, walking task ids in windows over the primary key (no sort, no rescans). */
async function* openTasks(db: Knex, project: Project): AsyncGenerator<{ taskId: number; itemId: number }> {
  const bounds = (await db('tasks').where('project_id', project.id).min({ lo: 'id' }).max({ hi: 'id' }).first()) as { lo: number | null; hi: number | null } | undefined;
  if (!bounds?.lo || !bounds.hi) return;
  for (let from = bounds.lo; from <= bounds.hi; from += TASK_WINDOW) {
    // Filtered here rather than in SQL: with the project in the WHERE clause the planner walks the
    // project's whole index for every window instead of the primary-key range.
    const rows: Array<{ id: number; item_id: number; project_id: number; is_gold: boolean | number; done: number }> = await db('tasks')
      .whereBetween('id', [from, from + TASK_WINDOW - 1])
      .orderBy('id')
      .select('id', 'item_id', 'project_id', 'is_gold', 'done');
    for (const r of rows) if (r.project_id === project.id && !r.is_gold && r.done < project.overlap) yield { taskId: r.id, itemId: r.item_id };
  }
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Scraped text goes into the worker's page: escaped, so markup in it shows as text and never runs. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** A crowd batch: items still short of their overlap, one row each, columns the HTML template refers to. */
async function writeCrowdCsv(db: Knex, project: Project, out: Writable, opts: CsvCellOptions): Promise<number> {
  async function* rows() {
    for await (const [t, item] of withItems(db, openTasks(db, project), (t) => t.itemId)) {
      yield { task_id: t.taskId, item_id: item.id, text: escapeHtml(item.text ?? ''), url: item.url ?? '' };
    }
  }
  return writeCsvRows(out, ['task_id', 'item_id', 'text', 'url'], rows(), opts);
}

async function writeCrowdJsonl(db: Knex, project: Project, out: Writable): Promise<number> {
  let n = 0;
  for await (const [t, item] of withItems(db, openTasks(db, project), (t) => t.itemId)) {
    await write(out, JSON.stringify({ task_id: t.taskId, item_id: item.id, text: item.text, url: item.url, fields: annotatorFields(project, item.fields) }) + '\n');
    n++;
  }
  return n;
}
