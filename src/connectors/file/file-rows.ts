import { InputError } from '../../core/errors.js';
import type { RecordInput } from '../../core/source.js';
import { readArff } from './arff-reader.js';
import { readDelimited, readDelimitedCells, type CellChunk, type TabularRow } from './delimited-reader.js';
import { readJsonl } from './jsonl-reader.js';
import { openLocalInput } from './open-input.js';
import { recordFromExport } from './trove-export.js';

export const FILE_FORMATS = ['csv', 'tsv', 'jsonl', 'parquet', 'arff'] as const;

/** The longest record (a CSV record, a JSON line, an ARFF line) an import reads, unless its config says otherwise. */
export const DEFAULT_MAX_RECORD_BYTES = 64 << 20;
export type FileFormat = (typeof FILE_FORMATS)[number];

/** How rows of a file become records: the named key and text columns, or a Trove export restored. */
export interface RowMapping {
  key?: string;
  text?: string;
  /** The file is a Trove export and nothing was named: its rows come back as the items they hold. */
  restore: boolean;
}

/** The Parquet reader loads only when a Parquet file is read, keeping CLI start-up short. */
async function* readParquetLazily(file: string): AsyncGenerator<TabularRow> {
  yield* (await import('./parquet-reader.js')).readParquet(file);
}

/** Readers that produce one row at a time, in the chunked shape the CSV reader yields. */
export async function* oneRowChunks(rows: AsyncIterable<TabularRow>): AsyncGenerator<TabularRow[]> {
  for await (const row of rows) yield [row];
}

export interface ReadOptions {
  trackLines: boolean;
  onBytes?: (n: number) => void;
  maxRecordBytes?: number;
}

export function readRows(file: string, format: FileFormat, label: string, opts: ReadOptions): AsyncGenerator<TabularRow[]> {
  if (format === 'parquet') return oneRowChunks(readParquetLazily(file));
  const maxRecordBytes = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  if (format === 'jsonl') return oneRowChunks(readJsonl(openLocalInput(file, opts.onBytes, maxRecordBytes).stream, { file: label }));
  if (format === 'arff') return oneRowChunks(readArff(openLocalInput(file, opts.onBytes, maxRecordBytes).stream, { file: label }));
  // The CSV parser bounds its own record buffer and knows the record's line.
  const input = openLocalInput(file, opts.onBytes);
  return readDelimited(input.stream, { file: label, delimiter: format === 'tsv' ? '\t' : ',', trackLines: opts.trackLines, maxRecordBytes });
}

/** A CSV or TSV file's records as cells, for readers that serialise them themselves. */
export function readCells(file: string, format: 'csv' | 'tsv', label: string, opts: ReadOptions): AsyncGenerator<CellChunk> {
  const input = openLocalInput(file, opts.onBytes);
  return readDelimitedCells(input.stream, { file: label, delimiter: format === 'tsv' ? '\t' : ',', trackLines: opts.trackLines, maxRecordBytes: opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES });
}

/**
 * A chunk of rows as records. A bad row throws a RowsError holding the records before it, so they
 * are stored as if the rows had been read one by one.
 */
export function recordsOf(rows: readonly TabularRow[], mapping: RowMapping, label: string): RecordInput[] {
  const records: RecordInput[] = [];
  for (const row of rows) {
    try {
      records.push(mapping.restore ? recordFromExport(row.values) : toRecord(row, mapping, label));
    } catch (err) {
      throw new RowsError(records, err);
    }
  }
  return records;
}

/** A row that cannot become a record; `before` are the records of its chunk that precede it. */
export class RowsError extends Error {
  constructor(
    readonly before: RecordInput[],
    readonly error: unknown,
  ) {
    super('a row cannot become a record', { cause: error });
  }
}

function toRecord(row: TabularRow, mapping: RowMapping, label: string): RecordInput {
  const { values } = row;
  let key: string;
  if (mapping.key) {
    const k = values[mapping.key];
    if (k === null || k === undefined || k === '') throw new InputError(`${label}:${row.line}: key column "${mapping.key}" is empty`);
    key = String(k);
  } else {
    key = String(row.line);
  }
  let text: string | null = null;
  let fields = values;
  if (mapping.text) {
    const t = values[mapping.text];
    text = t === null || t === undefined ? null : String(t);
    fields = without(values, mapping.text);
  }
  return { key, text, fields };
}

/** A copy without one key (delete would turn the object into a slow dictionary). */
function without(values: Record<string, unknown>, omit: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in values) if (k !== omit) out[k] = values[k];
  return out;
}
