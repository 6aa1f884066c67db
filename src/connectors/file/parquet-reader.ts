import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { InputError } from '../../core/errors.js';
import type { TabularRow } from './delimited-reader.js';

/** A Parquet value as JSON: 64-bit integers as numbers when exact (else text), dates as ISO text, bytes as base64. */
export function parquetValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(parquetValue);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = parquetValue(v);
    return out;
  }
  return value;
}

async function openParquet(file: string) {
  try {
    const buffer = await asyncBufferFromFile(file);
    const metadata = await parquetMetadataAsync(buffer);
    return { buffer, metadata };
  } catch (err) {
    throw new InputError(`${file}: not a readable Parquet file (${(err as Error).message})`);
  }
}

export async function parquetColumns(file: string): Promise<string[]> {
  const { metadata } = await openParquet(file);
  return parquetSchema(metadata).children.map((c) => c.element.name);
}

/** Streams a Parquet file a row group at a time; `line` is the 1-based row number. */
export async function* readParquet(file: string): AsyncGenerator<TabularRow> {
  const { buffer, metadata } = await openParquet(file);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Array<Record<string, unknown>>;
    try {
      rows = await parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd });
    } catch (err) {
      throw new InputError(`${file}: rows ${rowStart + 1}–${rowEnd}: cannot decode (${(err as Error).message})`);
    }
    for (let i = 0; i < rows.length; i++) {
      const values: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(rows[i])) values[k] = parquetValue(v);
      yield { line: rowStart + i + 1, values };
    }
    rowStart = rowEnd;
  }
}
