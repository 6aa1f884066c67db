import { InputError } from '../../core/errors.js';
import type { LabelSchema } from '../label-schema.js';

/**
 * What every crowd-file reader produces, before anything is looked up in the store: the tasks the
 * file names (how to find each one's item, and its data in case the item is to be created) and
 * the answers given on them, already in Trove's result shape (validated against the project later).
 */
export interface ParsedCrowdFile {
  tasks: ParsedTask[];
  /** Rows left out on purpose (rejected MTurk assignments). */
  skippedRejected: number;
}

export interface ParsedTask {
  /** Where it came from, for error messages: "line 7", "task #3". */
  where: string;
  match: ItemMatch;
  /** The task's data as an item, for `--create-in`. */
  item: { text: string | null; url: string | null; fields: Record<string, unknown> };
  answers: ParsedAnswer[];
}

/**
 * How a task finds its item: by Trove id (optionally checked against the text the file carries),
 * or by a value of the item (any of `values` matches; MTurk text comes HTML-escaped or not).
 */
export type ItemMatch = IdMatch | ValueMatch;
export interface IdMatch {
  by: 'task' | 'item';
  id: number;
  expectText?: string[];
}
export interface ValueMatch {
  by: 'text' | 'url' | 'key' | 'field';
  /** The item field compared, for `by: 'field'`. */
  field?: string;
  values: Array<string | number | boolean>;
}

export function isIdMatch(m: ItemMatch): m is IdMatch {
  return m.by === 'task' || m.by === 'item';
}

export interface ParsedAnswer {
  where: string;
  platform: string;
  workerId: string;
  /** Stable id of the answer in its file, so importing the same file twice adds nothing. */
  answerId: string;
  result: unknown;
  workSeconds: number | null;
  /** Set when the answer is one Trove exported itself (Label Studio regions it named). */
  troveAnnotationId?: number;
}

export interface ParseOptions {
  file: string;
  schema: LabelSchema;
  /** The task data field that identifies items: `text`, `url`, `key`, a field name; `data:item` names both sides. */
  matchField?: string;
  /** The widget (MTurk), control `from_name` (Label Studio) or label attribute (Ground Truth) holding the answer. */
  answerField?: string;
}

export class LineError extends InputError {
  constructor(file: string, where: string, reason: string) {
    super(`${file} ${where}: ${reason}`, { file, where });
  }
}

const ITEM_SIDES = new Set(['text', 'url', 'key']);
// Data fields that name the item's text or its URL in the formats read here.
const TEXT_FIELDS = new Set(['text', 'source']);
const URL_FIELDS = new Set(['url', 'source-ref', 'image', 'audio', 'video', 'html']);

/** Which data field of a task to read and which side of an item it is compared with. */
export function matchRule(matchField: string): { dataField: string; itemSide: 'text' | 'url' | 'key' | { field: string } } {
  const [dataField, side] = matchField.split(':', 2);
  if (side !== undefined) {
    if (ITEM_SIDES.has(side)) return { dataField, itemSide: side as 'text' | 'url' | 'key' };
    if (side.startsWith('fields.')) return { dataField, itemSide: { field: side.slice('fields.'.length) } };
    throw new InputError(`--match-field ${matchField}: the item side after ":" is text, url, key or fields.<name>`);
  }
  if (TEXT_FIELDS.has(dataField)) return { dataField, itemSide: 'text' };
  if (URL_FIELDS.has(dataField)) return { dataField, itemSide: 'url' };
  if (dataField === 'key') return { dataField, itemSide: 'key' };
  return { dataField, itemSide: { field: dataField } };
}

/** A match on the value a task's data holds in the field `--match-field` names. */
export function matchByField(matchField: string, data: Record<string, unknown>, file: string, where: string, alternatives: (v: string) => string[] = (v) => [v]): ItemMatch {
  const { dataField, itemSide } = matchRule(matchField);
  const value = data[dataField];
  if (value === undefined || value === null || value === '') throw new LineError(file, where, `has no "${dataField}" in its data to match items by (--match-field ${matchField})`);
  if (typeof itemSide === 'object') {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') throw new LineError(file, where, `"${dataField}" is not a plain value to match items by`);
    return { by: 'field', field: itemSide.field, values: [value] };
  }
  return { by: itemSide, values: alternatives(String(value)) };
}

export function positiveId(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() ? Number(value) : NaN;
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Entities as crowd-entity-annotation and Ground Truth write them. */
export function entitiesToSpans(entities: unknown, file: string, where: string): unknown[] {
  if (!Array.isArray(entities)) throw new LineError(file, where, 'entities must be a list');
  return entities.map((e: { startOffset?: unknown; endOffset?: unknown; label?: unknown }) => ({ start: e.startOffset, end: e.endOffset, label: e.label }));
}

export function parseJson(text: string, file: string, where: string, what?: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new LineError(file, where, `${what ? `${what} is ` : ''}not valid JSON (${(err as Error).message})`);
  }
}

export function jsonLines(text: string, file: string): Array<{ value: Record<string, unknown>; where: string }> {
  const out: Array<{ value: Record<string, unknown>; where: string }> = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const where = `line ${i + 1}`;
    const value = parseJson(line, file, where);
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new LineError(file, where, 'expected a JSON object');
    out.push({ value: value as Record<string, unknown>, where });
  });
  return out;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
