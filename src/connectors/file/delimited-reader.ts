import { parse, CsvError } from 'csv-parse';
import type { Readable } from 'node:stream';
import { InputError } from '../../core/errors.js';
import { quotePrefix } from './content-quote.js';
import { formatBytes } from './open-input.js';
import { readableChunks } from './readable-chunks.js';
import { cellValue } from './tabular-value.js';

export interface TabularRow {
  /** 1-based line where the record starts in the (decompressed) file, or the record number when lines are not tracked. */
  line: number;
  values: Record<string, unknown>;
}

/**
 * Records of a delimited file as parsed, before any cell becomes a value: a reader that
 * serialises the cells itself skips the row objects.
 */
export interface CellChunk {
  /** The header's column names. */
  columns: readonly string[];
  /** Per record, the 1-based line where it starts in the (decompressed) file, or its record number when lines are not tracked. */
  lines: number[];
  records: string[][];
}

/**
 * Streams CSV/TSV records with a header row, in chunks of the rows parsed so far; a malformed
 * record stops with file, line and reason once the rows before it have been yielded.
 */
export async function* readDelimited(stream: Readable, opts: DelimitedOptions): AsyncGenerator<TabularRow[]> {
  for await (const chunk of readDelimitedCells(stream, opts)) yield tabularRows(chunk);
}

/** Cells to rows, each cell its JSON value (see cellValue). */
export function tabularRows({ columns, lines, records }: CellChunk): TabularRow[] {
  const rows: TabularRow[] = new Array(records.length);
  for (let i = 0; i < records.length; i++) rows[i] = { line: lines[i], values: rowValues(columns, records[i]) };
  return rows;
}

export interface DelimitedOptions {
  file: string;
  delimiter: string;
  trackLines: boolean;
  /** The longest record, in characters (the parser's own buffers stop there). */
  maxRecordBytes?: number;
}

/**
 * readDelimited's records as cells. Tracking each record's line costs about 6% of an import, so
 * it is on only when asked (`trackLines`, for sources keyed by line number); parse errors carry
 * the line either way.
 */
export async function* readDelimitedCells(stream: Readable, opts: DelimitedOptions): AsyncGenerator<CellChunk> {
  let columns: string[] | undefined;
  const parser = stream.pipe(
    parse({
      delimiter: opts.delimiter,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: false,
      info: opts.trackLines,
      max_record_size: opts.maxRecordBytes,
    }),
  );
  let parsedRecords = 0;
  stream.on('error', (err) => parser.destroy(err));
  try {
    for await (const chunk of readableChunks<string[] | { record: string[]; info: { lines: number } }>(parser)) {
      const lines: number[] = [];
      const records: string[][] = [];
      for (const parsed of chunk) {
        const record = Array.isArray(parsed) ? parsed : parsed.record;
        const line = Array.isArray(parsed) ? ++parsedRecords : parsed.info.lines - newlinesIn(parsed.record);
        if (!columns) {
          columns = checkHeader(record, opts.file, opts.delimiter);
          continue;
        }
        if (record.length !== columns.length) {
          if (records.length > 0) yield { columns, lines, records };
          throw new InputError(`${opts.file}:${line}: expected ${columns.length} columns, found ${record.length}`);
        }
        lines.push(line);
        records.push(record);
      }
      if (columns && records.length > 0) yield { columns, lines, records };
    }
  } catch (err) {
    if (err instanceof CsvError) {
      const line = (err as CsvError & { lines?: number }).lines;
      const reason = err.code === 'CSV_MAX_RECORD_SIZE' ? `a record is longer than ${formatBytes(opts.maxRecordBytes ?? 0)} (maxRecordBytes)` : describeCsvError(err);
      throw new InputError(`${opts.file}:${line ?? '?'}: ${reason}`);
    }
    if (err instanceof Error && 'code' in err && err.code === 'Z_DATA_ERROR') {
      throw new InputError(`${opts.file}: corrupt gzip data (${err.message})`);
    }
    throw err;
  }
}

function rowValues(columns: readonly string[], record: string[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) values[columns[i]] = cellValue(record[i]);
  return values;
}

/** Reads only the header row. */
export async function readHeader(stream: Readable, opts: { file: string; delimiter: string; maxRecordBytes: number }): Promise<string[]> {
  const parser = stream.pipe(parse({ delimiter: opts.delimiter, bom: true, skip_empty_lines: true, to_line: 1, max_record_size: opts.maxRecordBytes }));
  stream.on('error', (err) => parser.destroy(err));
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      stream.destroy();
      return checkHeader(record, opts.file, opts.delimiter);
    }
  } catch (err) {
    if (err instanceof CsvError && err.code === 'CSV_MAX_RECORD_SIZE') throw new InputError(`${opts.file}:1: the header is longer than ${formatBytes(opts.maxRecordBytes)} (maxRecordBytes)`);
    if (err instanceof CsvError) throw new InputError(`${opts.file}:1: ${describeCsvError(err)}`);
    throw err;
  }
  throw new InputError(`${opts.file}: the file is empty (no header row)`);
}

/** csv-parse reports the line a record ends on; quoted newlines inside it tell where it started. */
function newlinesIn(record: string[]): number {
  let n = 0;
  for (const field of record) for (let i = field.indexOf('\n'); i !== -1; i = field.indexOf('\n', i + 1)) n++;
  return n;
}

const OTHER_FORMAT: Record<string, { delimiter: string; format: string; what: string }> = {
  '\t': { delimiter: ',', format: 'csv', what: 'commas' },
  ',': { delimiter: '\t', format: 'tsv', what: 'tabs' },
};

function checkHeader(record: string[], file: string, delimiter: string): string[] {
  // Read with the wrong delimiter, every row would import as one column: refused before anything is stored.
  const other = OTHER_FORMAT[delimiter];
  if (record.length === 1 && other && record[0].includes(other.delimiter)) {
    throw new InputError(`${file}:1: the header is one column holding ${other.what}: the file looks like ${other.format.toUpperCase()}, read it with --format ${other.format}`);
  }
  const seen = new Set<string>();
  for (const name of record) {
    if (name === '') throw new InputError(`${file}:1: the header has an empty column name`);
    if (seen.has(name)) throw new InputError(`${file}:1: the header names column ${quotePrefix(name)} twice`);
    seen.add(name);
  }
  return record;
}

function describeCsvError(err: CsvError): string {
  switch (err.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return 'wrong number of columns';
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'broken quoting (a character follows a closing quote)';
    default:
      return err.message.replace(/\s*at line \d+/i, '');
  }
}
