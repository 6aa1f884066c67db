import { stringify } from 'csv-stringify';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { stringCast, type CsvCellOptions } from './csv-cells.js';
import type { Item } from './items.js';

export const EXPORT_FORMATS = ['jsonl', 'csv', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Writes items to a stream as they are read, honouring backpressure. Returns how many were written. */
export async function writeItems(items: AsyncIterable<Item>, format: ExportFormat, out: Writable, opts: CsvCellOptions = {}): Promise<number> {
  // The Parquet writer loads only when asked for, keeping CLI start-up short.
  if (format === 'parquet') return (await import('./parquet-export.js')).writeParquet(items, out);
  return format === 'csv' ? writeCsv(items, out, opts) : writeJsonl(items, out);
}

async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

async function writeJsonl(items: AsyncIterable<Item>, out: Writable): Promise<number> {
  let n = 0;
  for await (const item of items) {
    await write(out, JSON.stringify(item) + '\n');
    n++;
  }
  return n;
}

/** CSV has no nesting: fields are one JSON column, so the file (with raw cells) imports back without loss. */
async function writeCsv(items: AsyncIterable<Item>, out: Writable, opts: CsvCellOptions): Promise<number> {
  const csv = stringify({ header: true, columns: ['id', 'source', 'key', 'url', 'text', 'fields', 'contentHash', 'fetchedAt'], cast: stringCast(opts) });
  csv.pipe(out, { end: false });
  let n = 0;
  for await (const item of items) {
    if (!csv.write({ ...item, fields: JSON.stringify(item.fields) })) await once(csv, 'drain');
    n++;
  }
  csv.end();
  await once(csv, 'end');
  return n;
}
