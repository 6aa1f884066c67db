import { parse as parseCsv } from 'csv-parse/sync';
import { InputError } from '../../core/errors.js';
import type { SchemaKind } from '../label-schema.js';
import { entitiesToSpans, isRecord, LineError, matchByField, parseJson, positiveId, type ItemMatch, type ParsedCrowdFile, type ParseOptions, type ParsedTask } from './common.js';

const REQUIRED = ['HITId', 'AssignmentId', 'WorkerId', 'AssignmentStatus'];
const TASK_ANSWERS = 'Answer.taskAnswers';
// Hidden inputs of a form echo the batch's columns back as answers; they are never the label.
const ECHOED = new Set(['task_id', 'item_id', 'text', 'url']);

/** A form widget's answer as crowd-html-elements writes it. */
interface WidgetAnswer {
  label?: unknown;
  labels?: unknown;
  entities?: unknown;
  /** Trove's earlier `Answer.spans` column: spans as Trove writes them. */
  spans?: unknown;
}

/**
 * Mechanical Turk batch results: HITId, AssignmentId, WorkerId, AssignmentStatus,
 * WorkTimeInSeconds, Input.* (the batch's columns) and Answer.* (the form's widgets, by name:
 * `Answer.taskAnswers` JSON from crowd-html-elements, or one column per widget such as
 * `Answer.sentiment.label`, `Answer.label`, `Answer.labels` "a|b", `Answer.spans` JSON).
 */
export function parseMturk(text: string, opts: ParseOptions): ParsedCrowdFile {
  const { file } = opts;
  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    records = parseCsv(text, { columns: true, bom: true, info: true, skip_empty_lines: true, relax_column_count: false });
  } catch (err) {
    throw new InputError(`${file}: not a valid CSV (${(err as Error).message})`);
  }
  const header = records[0] ? Object.keys(records[0].record) : [];
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (records.length && missing.length) throw new InputError(`${file} line 1: missing column(s) ${missing.join(', ')} of the Mechanical Turk batch-results layout`);
  const columns = header.includes(TASK_ANSWERS) ? undefined : widgetColumns(header, opts);
  const tasks: ParsedTask[] = [];
  let skippedRejected = 0;
  for (const { record: r, info } of records) {
    const where = `line ${info.lines}`;
    if (r.AssignmentStatus === 'Rejected') {
      skippedRejected++;
      continue;
    }
    if (!r.WorkerId) throw new LineError(file, where, 'WorkerId is empty');
    const answer = columns ? columnAnswer(r, columns, file, where) : taskAnswersWidget(r[TASK_ANSWERS], opts, where);
    const input = inputData(r);
    tasks.push({
      where,
      match: mturkMatch(input, opts, where),
      item: { text: typeof input.text === 'string' ? unescapeHtml(input.text) : null, url: typeof input.url === 'string' && input.url ? input.url : null, fields: fieldsOf(input) },
      answers: [{ where, platform: 'mturk', workerId: r.WorkerId, answerId: r.AssignmentId || `${r.HITId}:${r.WorkerId}`, result: widgetResult(answer, opts.schema.kind, file, where), workSeconds: numberOrNull(r.WorkTimeInSeconds) }],
    });
  }
  return { tasks, skippedRejected };
}

function inputData(r: Record<string, string>): Record<string, string> {
  const input: Record<string, string> = {};
  for (const [k, v] of Object.entries(r)) if (k.startsWith('Input.')) input[k.slice('Input.'.length)] = v;
  return input;
}

function fieldsOf(input: Record<string, string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([k]) => !ECHOED.has(k)));
}

/** Trove's crowd-csv export escapes the text for the form: either spelling is the item's text. */
function textSpellings(text: string): string[] {
  const plain = unescapeHtml(text);
  return plain === text ? [text] : [text, plain];
}

function mturkMatch(input: Record<string, string>, opts: ParseOptions, where: string): ItemMatch {
  if (opts.matchField) return matchByField(opts.matchField, input, opts.file, where, textSpellings);
  const expectText = input.text ? textSpellings(input.text) : undefined;
  const taskId = positiveId(input.task_id);
  if (taskId !== undefined) return { by: 'task', id: taskId, expectText };
  const itemId = positiveId(input.item_id);
  if (itemId !== undefined) return { by: 'item', id: itemId, expectText };
  if (input.text) return { by: 'text', values: textSpellings(input.text) };
  if (input.url) return { by: 'url', values: [input.url] };
  throw new LineError(opts.file, where, 'cannot tell which item it is: no Input.task_id, Input.item_id, Input.text or Input.url (name the input column with --match-field)');
}

/** The widget of Answer.taskAnswers holding the answer: the one named, else the only one shaped like an answer. */
function taskAnswersWidget(value: string | undefined, opts: ParseOptions, where: string): WidgetAnswer {
  const { file } = opts;
  if (!value) throw new LineError(file, where, `${TASK_ANSWERS} is empty`);
  const parsed = parseJson(value, file, where, TASK_ANSWERS);
  const answers = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!isRecord(answers)) throw new LineError(file, where, `${TASK_ANSWERS} is not an object of answers`);
  if (opts.answerField) {
    const named = answers[opts.answerField];
    if (!isRecord(named)) throw new LineError(file, where, `${TASK_ANSWERS} has no "${opts.answerField}" answer (it has ${Object.keys(answers).join(', ') || 'none'})`);
    return named;
  }
  const widgets = Object.entries(answers).filter(([name, v]) => !ECHOED.has(name) && isRecord(v) && ('label' in v || 'labels' in v || 'entities' in v));
  if (widgets.length === 1) return widgets[0][1] as WidgetAnswer;
  if (widgets.length === 0) throw new LineError(file, where, `${TASK_ANSWERS} holds no classifier or entity answer (it has ${Object.keys(answers).join(', ') || 'none'})`);
  throw new LineError(file, where, `${TASK_ANSWERS} holds several answers (${widgets.map(([n]) => n).join(', ')}): name the one to import with --answer-field`);
}

/** Answer.<widget>[.<part>] columns of the chosen widget, by part ("" for the widget's own value). */
function widgetColumns(header: string[], opts: ParseOptions): Map<string, string> {
  const widgets = new Map<string, Map<string, string>>();
  for (const column of header) {
    if (!column.startsWith('Answer.')) continue;
    const [name, ...part] = column.slice('Answer.'.length).split('.');
    if (!widgets.has(name)) widgets.set(name, new Map());
    widgets.get(name)?.set(part.join('.'), column);
  }
  const names = [...widgets.keys()];
  if (opts.answerField) {
    const chosen = widgets.get(opts.answerField);
    if (!chosen) throw new InputError(`${opts.file} line 1: no Answer.${opts.answerField} column (answer columns: ${names.join(', ') || 'none'})`);
    return chosen;
  }
  const candidates = names.filter((n) => !ECHOED.has(n));
  if (candidates.length === 1) return widgets.get(candidates[0]) as Map<string, string>;
  if (candidates.length === 0) throw new InputError(`${opts.file} line 1: no answer column (Answer.taskAnswers or Answer.<widget>)`);
  throw new InputError(`${opts.file} line 1: several answer widgets (${candidates.join(', ')}): name the one to import with --answer-field`);
}

function columnAnswer(r: Record<string, string>, parts: Map<string, string>, file: string, where: string): WidgetAnswer {
  const value = (part: string) => {
    const column = parts.get(part);
    return column === undefined ? undefined : r[column];
  };
  const entities = value('entities');
  if (entities !== undefined) return { entities: parseJson(entities, file, where, parts.get('entities')) };
  const labels = value('labels');
  if (labels !== undefined) return { labels: splitLabels(labels) };
  const label = value('label');
  if (label !== undefined) return { label };
  const own = value('');
  const column = parts.get('') ?? '';
  if (own === undefined) throw new LineError(file, where, `no value for the answer widget (${[...parts.values()].join(', ')})`);
  // Trove's earlier forms: Answer.spans (JSON spans) and Answer.labels ("a|b").
  if (column === 'Answer.spans') return { spans: parseJson(own, file, where, column) };
  if (column === 'Answer.labels') return { labels: splitLabels(own) };
  return { label: own };
}

function splitLabels(value: string): string[] {
  return value.split('|').filter(Boolean);
}

/** A widget's answer as a Trove result for the project's kind. */
function widgetResult(answer: WidgetAnswer, kind: SchemaKind, file: string, where: string): unknown {
  if (answer.spans !== undefined) return { spans: answer.spans };
  if (answer.entities !== undefined) return { spans: entitiesToSpans(answer.entities, file, where) };
  if (answer.labels !== undefined) return kind === 'single' && Array.isArray(answer.labels) && answer.labels.length === 1 ? { label: answer.labels[0] } : { labels: answer.labels };
  if (answer.label === undefined || answer.label === '') throw new LineError(file, where, 'the answer is empty');
  if (kind === 'multi') return { labels: typeof answer.label === 'string' ? splitLabels(answer.label) : [answer.label] };
  return { label: answer.label };
}

function numberOrNull(v: string | undefined): number | null {
  const n = Number(v);
  return v !== undefined && v !== '' && Number.isFinite(n) ? n : null;
}

const HTML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'" };
function unescapeHtml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|apos);/g, (_, name: string) => HTML_ENTITIES[name]);
}
