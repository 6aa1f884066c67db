import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { stringify } from 'csv-stringify/sync';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { stringCast, type CsvCellOptions } from '../../core/csv-cells.js';
import type { SnapshotRow } from './snapshot-store.js';

export const SNAPSHOT_FORMATS = ['jsonl', 'csv', 'parquet'] as const;
export type SnapshotFormat = (typeof SNAPSHOT_FORMATS)[number];

async function write(out: Writable, chunk: string | Uint8Array): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

/**
 * Writes a snapshot's rows. JSONL keeps each row as is; CSV and Parquet flatten the features into
 * one column each beside item_id, key, url, label and confidence (nested values as JSON text).
 */
export async function writeSnapshot(rows: AsyncIterable<SnapshotRow>, format: SnapshotFormat, out: Writable, opts: CsvCellOptions = {}): Promise<number> {
  if (format === 'jsonl') {
    let n = 0;
    for await (const r of rows) {
      await write(out, JSON.stringify({ itemId: r.itemId, key: r.key, url: r.url, features: r.features, label: r.label, confidence: r.confidence }) + '\n');
      n++;
    }
    return n;
  }
  const all: SnapshotRow[] = [];
  for await (const r of rows) all.push(r);
  const fields = [...new Set(all.flatMap((r) => Object.keys(r.features)))].sort();
  const base = ['item_id', 'key', 'url', 'label', 'confidence'];
  const columns = [...base, ...fields.filter((f) => !base.includes(f))];
  const cell = (r: SnapshotRow, c: string): unknown => {
    if (c === 'item_id') return r.itemId;
    if (c === 'key') return r.key;
    if (c === 'url') return r.url;
    if (c === 'label') return r.label;
    if (c === 'confidence') return r.confidence;
    const v = r.features[c];
    return v !== null && typeof v === 'object' ? JSON.stringify(v) : (v ?? null);
  };
  if (format === 'csv') {
    await write(out, stringify([columns, ...all.map((r) => columns.map((c) => cell(r, c)))], { cast: { boolean: (b) => String(b), ...stringCast(opts) } }));
    return all.length;
  }
  const columnData = columns.map((name) => {
    const data = all.map((r) => cell(r, name));
    const numeric = data.every((v) => v === null || typeof v === 'number');
    return numeric
      ? { name, data: data as Array<number | null>, type: 'DOUBLE' as const }
      : { name, data: data.map((v) => (v === null ? null : String(v))), type: 'STRING' as const };
  });
  await write(out, new Uint8Array(parquetWriteBuffer({ columnData })));
  return all.length;
}
