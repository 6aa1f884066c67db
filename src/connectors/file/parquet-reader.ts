import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema, type AsyncBuffer, type FileMetaData, type SchemaElement, type SchemaTree } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { InputError } from '../../core/errors.js';
import type { TabularRow } from './delimited-reader.js';
import { decimalValue, isoFromDays, isoFromNanos, parquetValue, signedBigEndian, timeFromNanos } from './parquet-value.js';

/** Years 1 to 9999, as nanoseconds since the epoch. */
const NANOS_FROM = -62_135_596_800_000_000_000n;
const NANOS_UNTIL = 253_402_300_800_000_000_000n;

/**
 * Nanosecond timestamps come from INT96 (and TIMESTAMP(NANOS), always within range). An INT96
 * outside years 1–9999 is a writer's overflow (Spark writes far dates that way), not a date.
 */
function nanosTimestamp(nanos: bigint): string {
  const value = BigInt(nanos);
  if (value < NANOS_FROM || value >= NANOS_UNTIL) throw new InputError(`a timestamp outside years 1–9999 (${isoFromNanos(value)}), an INT96 value written out of range`);
  return isoFromNanos(value);
}

/** hyparquet reads every codec with its companion package; bytes stay bytes unless typed as text. */
const READ_OPTIONS = {
  compressors,
  utf8: false,
  parsers: {
    timestampFromMilliseconds: (millis: bigint) => isoFromNanos(BigInt(millis) * 1_000_000n),
    timestampFromMicroseconds: (micros: bigint) => isoFromNanos(BigInt(micros) * 1000n),
    timestampFromNanoseconds: nanosTimestamp,
    dateFromDays: (days: number) => isoFromDays(days),
  },
};

/** How a top-level column's raw values become JSON values, when hyparquet's own conversion is not exact. */
type RawConversion = (raw: unknown) => unknown;

interface OpenedParquet {
  buffer: AsyncBuffer;
  /** The file's metadata with the annotations Trove converts itself taken off their columns. */
  metadata: FileMetaData;
  conversions: Map<string, RawConversion>;
}

const TIME_UNITS: Record<string, bigint> = { MILLIS: 1_000_000n, MICROS: 1000n, NANOS: 1n };

function timeUnit(element: SchemaElement): bigint | undefined {
  if (element.logical_type?.type === 'TIME') return TIME_UNITS[element.logical_type.unit];
  if (element.converted_type === 'TIME_MILLIS') return TIME_UNITS.MILLIS;
  if (element.converted_type === 'TIME_MICROS') return TIME_UNITS.MICROS;
  return undefined;
}

function decimalScale(element: SchemaElement): { scale: number; precision: number } | undefined {
  if (element.logical_type?.type === 'DECIMAL') return { scale: element.logical_type.scale ?? 0, precision: element.logical_type.precision };
  if (element.converted_type === 'DECIMAL') return { scale: element.scale ?? 0, precision: element.precision ?? 0 };
  return undefined;
}

function unscaled(raw: unknown): bigint {
  if (raw instanceof Uint8Array) return signedBigEndian(raw);
  return BigInt(raw as number | bigint);
}

function unannotated(element: SchemaElement): SchemaElement {
  return { ...element, converted_type: undefined, logical_type: undefined };
}

/**
 * A copy of the schema in which top-level decimals and times come raw (Trove converts them
 * exactly), dates and enums annotated only with a logical type get the legacy annotation hyparquet
 * reads. Nested values that could not be read exactly are refused here, before any row is read.
 */
function prepareSchema(file: string, metadata: FileMetaData): { metadata: FileMetaData; conversions: Map<string, RawConversion> } {
  const replaced = new Map<SchemaElement, SchemaElement>();
  const conversions = new Map<string, RawConversion>();
  const visit = (node: SchemaTree, topLevel: boolean): void => {
    for (const child of node.children) visit(child, false);
    if (node.children.length > 0) return;
    const element = node.element;
    const decimal = decimalScale(element);
    const unit = timeUnit(element);
    const column = node.path.join('.');
    if (decimal && topLevel) {
      replaced.set(element, unannotated(element));
      conversions.set(element.name, (raw) => decimalValue(unscaled(raw), decimal.scale));
    } else if (decimal) {
      if (decimal.precision > 15) throw new InputError(`${file}: column "${column}": a DECIMAL(${decimal.precision},${decimal.scale}) inside a list, map or struct cannot be read exactly`);
      replaced.set(element, { ...element, converted_type: 'DECIMAL', scale: decimal.scale, precision: decimal.precision });
    } else if (unit !== undefined && topLevel) {
      replaced.set(element, unannotated(element));
      conversions.set(element.name, (raw) => timeFromNanos(BigInt(raw as number | bigint) * unit));
    } else if (unit !== undefined) {
      throw new InputError(`${file}: column "${column}": a TIME inside a list, map or struct is not supported`);
    } else if (element.logical_type?.type === 'DATE' && !element.converted_type) {
      replaced.set(element, { ...element, converted_type: 'DATE' });
    } else if (element.converted_type === 'ENUM' || element.logical_type?.type === 'ENUM') {
      replaced.set(element, { ...element, converted_type: 'UTF8' });
    }
  };
  for (const top of parquetSchema(metadata).children) visit(top, true);
  if (replaced.size === 0) return { metadata, conversions };
  return { metadata: { ...metadata, schema: metadata.schema.map((e) => replaced.get(e) ?? e) }, conversions };
}

const ENCRYPTED = 'encrypted (Parquet modular encryption); Trove reads only unencrypted Parquet files';

async function footerMagic(buffer: AsyncBuffer): Promise<string> {
  if (buffer.byteLength < 4) return '';
  return Buffer.from(await buffer.slice(buffer.byteLength - 4)).toString('latin1');
}

async function openParquet(file: string): Promise<OpenedParquet> {
  let buffer: AsyncBuffer;
  let metadata: FileMetaData;
  try {
    buffer = await asyncBufferFromFile(file);
  } catch (err) {
    throw new InputError(`${file}: cannot open (${(err as Error).message})`);
  }
  if ((await footerMagic(buffer)) === 'PARE') throw new InputError(`${file}: ${ENCRYPTED}`);
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    throw new InputError(`${file}: not a readable Parquet file: ${reason(err)}`);
  }
  if (metadata.row_groups.some((g) => g.columns.some((c) => c.crypto_metadata !== undefined))) throw new InputError(`${file}: ${ENCRYPTED}`);
  return { buffer, ...prepareSchema(file, metadata) };
}

/**
 * Why a file or column cannot be read, in words: hyparquet's own messages and Trove's say what is
 * wrong; a JavaScript error thrown inside the decoder means bytes it cannot make sense of.
 */
function reason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof InputError) return message;
  if (/string longer|string length/.test(message)) return 'a text value longer than a JavaScript string can hold';
  if (err instanceof TypeError || err instanceof RangeError) return 'malformed data that the decoder cannot make sense of';
  return message.replace(/^parquet /, '');
}

export async function parquetColumns(file: string): Promise<string[]> {
  const { metadata } = await openParquet(file);
  return parquetSchema(metadata).children.map((c) => c.element.name);
}

/** The first top-level column of a row range that cannot be decoded, to name it in the error. */
async function failingColumn(opened: OpenedParquet, rowStart: number, rowEnd: number): Promise<string | undefined> {
  for (const column of parquetSchema(opened.metadata).children.map((c) => c.element.name)) {
    try {
      await parquetReadObjects({ ...READ_OPTIONS, file: opened.buffer, metadata: opened.metadata, rowStart, rowEnd, columns: [column] });
    } catch (err) {
      if (err instanceof Error) return column;
    }
  }
  return undefined;
}

async function readRowGroup(file: string, opened: OpenedParquet, rowStart: number, rowEnd: number): Promise<Array<Record<string, unknown>>> {
  let rows: Array<Record<string, unknown>>;
  try {
    rows = await parquetReadObjects({ ...READ_OPTIONS, file: opened.buffer, metadata: opened.metadata, rowStart, rowEnd });
  } catch (err) {
    const column = await failingColumn(opened, rowStart, rowEnd);
    const where = column === undefined ? '' : `, column "${column}"`;
    throw new InputError(`${file}: rows ${rowStart + 1}–${rowEnd}${where}: cannot decode: ${reason(err)}`);
  }
  if (rows.length !== rowEnd - rowStart) throw new InputError(`${file}: rows ${rowStart + 1}–${rowEnd}: the row group holds ${rows.length} rows, its header says ${rowEnd - rowStart}`);
  return rows;
}

function rowValues(row: Record<string, unknown>, conversions: Map<string, RawConversion>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    const convert = conversions.get(k);
    values[k] = convert && v !== null && v !== undefined ? convert(v) : parquetValue(v);
  }
  return values;
}

/** Streams a Parquet file a row group at a time; `line` is the 1-based row number. */
export async function* readParquet(file: string): AsyncGenerator<TabularRow> {
  const opened = await openParquet(file);
  let rowStart = 0;
  for (const group of opened.metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await readRowGroup(file, opened, rowStart, rowEnd);
    for (let i = 0; i < rows.length; i++) yield { line: rowStart + i + 1, values: rowValues(rows[i], opened.conversions) };
    rowStart = rowEnd;
  }
}
