import { InputError } from '../../core/errors.js';
import type { SchemaKind } from '../label-schema.js';
import { codePointToUtf16 } from '../text-offsets.js';
import { isRecord, LineError, matchByField, positiveId, type ItemMatch, type ParsedAnswer, type ParsedCrowdFile, type ParseOptions, type ParsedTask } from './common.js';

/** The control type a project kind reads: choices for classification, labels for text spans. */
const CONTROL_TYPE: Record<SchemaKind, string> = { single: 'choices', multi: 'choices', spans: 'labels' };
// Keys of a task next to its data; a task without "data" is its own data (Label Studio's short form).
const TASK_KEYS = new Set(['id', 'annotations', 'predictions', 'drafts', 'meta', 'created_at', 'updated_at', 'inner_id', 'total_annotations', 'cancelled_annotations', 'total_predictions', 'project', 'file_upload']);
/** Region ids Trove writes on its own answers: trove-<annotation id>-<n>. */
const TROVE_REGION = /^trove-(\d+)-\d+$/;

interface Region {
  id?: unknown;
  type?: unknown;
  from_name?: unknown;
  to_name?: unknown;
  value?: { choices?: unknown; labels?: unknown; start?: unknown; end?: unknown; text?: unknown };
}

interface LsAnnotation {
  id?: unknown;
  completed_by?: unknown;
  result?: unknown;
  was_cancelled?: unknown;
  lead_time?: unknown;
}

/**
 * A Label Studio JSON export (docs: task_format, export): tasks with `data` and `annotations`,
 * each a `result` list of regions named by their control (`from_name`) and object (`to_name`).
 * Span offsets are code points, converted here to UTF-16 and checked against `value.text`.
 */
export function parseLabelStudio(text: string, opts: ParseOptions): ParsedCrowdFile {
  const { file } = opts;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const list = Array.isArray(parsed) ? parsed : isRecord(parsed) ? [parsed] : undefined;
  if (!list) throw new InputError(`${file}: a Label Studio export is a JSON array of tasks`);
  const control = chooseControl(list, opts);
  const tasks = list.map((t: unknown, i): ParsedTask => {
    const where = `task #${i + 1}`;
    if (!isRecord(t)) throw new LineError(file, where, 'is not a JSON object');
    const data = isRecord(t.data) ? t.data : Object.fromEntries(Object.entries(t).filter(([k]) => !TASK_KEYS.has(k)));
    if (t.annotations !== undefined && !Array.isArray(t.annotations)) throw new LineError(file, where, '"annotations" must be a list');
    const answers: ParsedAnswer[] = [];
    for (const [j, a] of ((t.annotations ?? []) as LsAnnotation[]).entries()) {
      if (!isRecord(a)) throw new LineError(file, `${where} annotation #${j + 1}`, 'is not a JSON object');
      if (a.was_cancelled) continue;
      answers.push(annotationAnswer(a, j, data, control, opts, `${where} annotation #${j + 1}`));
    }
    return { where, match: taskMatch(data, opts, where), item: itemOf(data), answers };
  });
  return { tasks, skippedRejected: 0 };
}

function itemOf(data: Record<string, unknown>): ParsedTask['item'] {
  const text = typeof data.text === 'string' ? data.text : null;
  const url = ['url', 'image', 'audio', 'video'].map((k) => data[k]).find((v): v is string => typeof v === 'string' && v !== '') ?? null;
  const fields = Object.fromEntries(Object.entries(data).filter(([k]) => k !== 'text' && k !== 'url' && !k.startsWith('trove_')));
  return { text, url, fields };
}

function taskMatch(data: Record<string, unknown>, opts: ParseOptions, where: string): ItemMatch {
  if (opts.matchField) return matchByField(opts.matchField, data, opts.file, where);
  const expectText = typeof data.text === 'string' ? [data.text] : undefined;
  const taskId = positiveId(data.trove_task_id);
  if (taskId !== undefined) return { by: 'task', id: taskId, expectText };
  const itemId = positiveId(data.trove_item_id);
  if (itemId !== undefined) return { by: 'item', id: itemId, expectText };
  if (typeof data.text === 'string') return { by: 'text', values: [data.text] };
  if (typeof data.url === 'string' && data.url) return { by: 'url', values: [data.url] };
  throw new LineError(opts.file, where, `cannot tell which item it is: its data has no trove_task_id, trove_item_id, text or url (fields: ${Object.keys(data).join(', ') || 'none'}); name the field to match items by with --match-field`);
}

/**
 * The control (`from_name`) whose regions are the answers: the one named, else the only one of
 * the type the project reads. A file with only other region types is refused by its first region.
 */
function chooseControl(tasks: unknown[], opts: ParseOptions): string | undefined {
  const wanted = CONTROL_TYPE[opts.schema.kind];
  const controls = new Map<string, { type: string; to: string; where: string }>();
  tasks.forEach((t, i) => {
    const annotations = isRecord(t) && Array.isArray(t.annotations) ? (t.annotations as unknown[]) : [];
    annotations.forEach((a, j) => {
      const regions = isRecord(a) && Array.isArray(a.result) ? (a.result as Region[]) : [];
      for (const r of regions) {
        const name = typeof r?.from_name === 'string' ? r.from_name : '';
        if (name && !controls.has(name)) controls.set(name, { type: String(r.type), to: String(r.to_name), where: `task #${i + 1} annotation #${j + 1}` });
      }
    });
  });
  const describe = (name: string) => `"${name}" (${controls.get(name)?.type} on "${controls.get(name)?.to}")`;
  if (opts.answerField) {
    const named = controls.get(opts.answerField);
    if (!named) throw new InputError(`${opts.file}: no control named "${opts.answerField}" in its annotations (controls: ${[...controls.keys()].map(describe).join(', ') || 'none'})`);
    if (named.type !== wanted) throw new LineError(opts.file, named.where, `control ${describe(opts.answerField)} holds ${named.type} regions; a ${opts.schema.kind} project reads Label Studio ${wanted}`);
    return opts.answerField;
  }
  const fitting = [...controls.keys()].filter((n) => controls.get(n)?.type === wanted);
  if (fitting.length === 1) return fitting[0];
  if (fitting.length > 1) throw new InputError(`${opts.file}: several ${wanted} controls (${fitting.map(describe).join(', ')}): name the one to import with --answer-field`);
  const [first] = controls.keys();
  if (first !== undefined) {
    throw new LineError(opts.file, controls.get(first)?.where ?? 'task #1', `control ${describe(first)} holds ${controls.get(first)?.type} regions; a ${opts.schema.kind} project reads Label Studio ${wanted} (choices for classification, labels for text spans)`);
  }
  return undefined;
}

function annotationAnswer(a: LsAnnotation, index: number, data: Record<string, unknown>, control: string | undefined, opts: ParseOptions, where: string): ParsedAnswer {
  if (a.result !== undefined && !Array.isArray(a.result)) throw new LineError(opts.file, where, '"result" must be a list');
  const all = (a.result ?? []) as Region[];
  const regions = all.filter((r) => isRecord(r) && r.from_name === control);
  return {
    where,
    platform: 'labelstudio',
    workerId: annotator(a.completed_by, index),
    answerId: a.id === undefined || a.id === null ? where : String(a.id),
    result: regionsToResult(regions, data, opts, where),
    workSeconds: typeof a.lead_time === 'number' ? a.lead_time : null,
    troveAnnotationId: troveAnnotation(all),
  };
}

/**
 * Label Studio names the annotator by user (`completed_by`: an id, or {id, email}); an export
 * written for import may leave it out, and then the n-th annotation of every task is one worker.
 */
function annotator(by: unknown, index: number): string {
  if (isRecord(by)) {
    if (typeof by.email === 'string' && by.email) return by.email;
    if (by.id !== undefined && by.id !== null) return String(by.id);
    if (typeof by.first_name === 'string' && by.first_name) return by.first_name;
  } else if ((typeof by === 'number' || typeof by === 'string') && by !== '') {
    return String(by);
  }
  return `anonymous-${index + 1}`;
}

function troveAnnotation(regions: Region[]): number | undefined {
  const ids = new Set(regions.map((r) => (typeof r?.id === 'string' ? TROVE_REGION.exec(r.id)?.[1] : undefined)));
  if (ids.size !== 1) return undefined;
  const [id] = ids;
  return id === undefined ? undefined : Number(id);
}

function regionsToResult(regions: Region[], data: Record<string, unknown>, opts: ParseOptions, where: string): unknown {
  const { file, schema } = opts;
  if (schema.kind === 'spans') return { spans: regions.flatMap((r) => regionSpans(r, data, file, where)) };
  const choices = regions.flatMap((r) => (Array.isArray(r.value?.choices) ? (r.value.choices as unknown[]) : []));
  if (schema.kind === 'multi') return { labels: choices };
  if (choices.length !== 1) throw new LineError(file, where, `expected one choice, found ${choices.length}`);
  return { label: choices[0] };
}

/** One span per label of a region, its code-point offsets turned into UTF-16 and checked against `value.text`. */
function regionSpans(r: Region, data: Record<string, unknown>, file: string, where: string): unknown[] {
  const textField = typeof r.to_name === 'string' && typeof data[r.to_name] === 'string' ? r.to_name : 'text';
  const text = data[textField];
  const { start, end, labels } = r.value ?? {};
  if (typeof text !== 'string') throw new LineError(file, where, `a span needs the task's text (data.${textField}) to place its offsets`);
  if (typeof start !== 'number' || typeof end !== 'number') throw new LineError(file, where, 'a span region needs numeric value.start and value.end');
  const offsets = spanOffsets(text, start, end, r.value?.text);
  if (!offsets) {
    throw new LineError(file, where, `span ${start}-${end} ${JSON.stringify(r.value?.text)} is not at those offsets of data.${textField}, counted in code points (Label Studio) or UTF-16 units`);
  }
  return (Array.isArray(labels) ? labels : []).map((label: unknown) => ({ ...offsets, label }));
}

/**
 * Label Studio counts code points; files written by earlier Trove versions counted UTF-16 units.
 * Where the file quotes the span's text, the reading that finds it there wins; without a quote,
 * code points (what Label Studio writes).
 */
function spanOffsets(text: string, start: number, end: number, quoted: unknown): { start: number; end: number } | undefined {
  const s = codePointToUtf16(text, start);
  const e = codePointToUtf16(text, end);
  const fromPoints = s !== undefined && e !== undefined ? { start: s, end: e } : undefined;
  if (typeof quoted !== 'string') return fromPoints;
  if (fromPoints && text.slice(fromPoints.start, fromPoints.end) === quoted) return fromPoints;
  if (text.slice(start, end) === quoted) return { start, end };
  return undefined;
}
