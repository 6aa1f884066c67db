import type { Knex } from 'knex';
import { ConflictError, InputError, NotFoundError } from '../../core/errors.js';
import { fromJsonColumn, toJsonColumn } from '../../core/json-column.js';
import type { Timestamp } from '../../core/time.js';
import { labelsOfKey, type LabeledRow } from '../dataset.js';
import type { Datasheet } from './datasheet.js';
import type { SnapshotRow } from './snapshot-row.js';

export type { SnapshotRow } from './snapshot-row.js';

/** Every statement on the snapshot tables. Rows are written once, at creation, and never updated. */
export type SnapshotOrigin =
  | { kind: 'project'; project: string; policy: string; minConfidence: number | null }
  | { kind: 'source'; source: string; labelField: string };

export interface Snapshot {
  id: number;
  name: string;
  contentHash: string;
  origin: SnapshotOrigin;
  datasheet: Datasheet;
  rowCount: number;
  createdAt: Timestamp;
}

interface SnapshotRecord {
  id: number;
  name: string;
  content_hash: string;
  origin: string;
  datasheet: string;
  row_count: number;
  created_at: string;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export function checkSnapshotName(name: string): string {
  if (!NAME_RE.test(name)) throw new InputError(`snapshot name "${name}" is invalid: use letters, digits, ".", "_" or "-" (at most 200)`);
  return name;
}

function fromRecord(r: SnapshotRecord): Snapshot {
  return {
    id: r.id,
    name: r.name,
    contentHash: r.content_hash,
    origin: fromJsonColumn(r.origin, { kind: 'source', source: '', labelField: '' }),
    datasheet: fromJsonColumn(r.datasheet, {} as Datasheet),
    rowCount: Number(r.row_count),
    createdAt: r.created_at,
  };
}

export async function insertSnapshot(
  db: Knex, snapshot: Omit<Snapshot, 'id'>, rows: SnapshotRow[],
): Promise<Snapshot> {
  return db.transaction(async (trx) => {
    if (await trx('snapshots').where({ name: snapshot.name }).first()) throw new ConflictError(`snapshot "${snapshot.name}" already exists (snapshots are immutable: pick a new name)`);
    const [inserted] = await trx('snapshots')
      .insert({
        name: snapshot.name,
        content_hash: snapshot.contentHash,
        origin: toJsonColumn(snapshot.origin),
        datasheet: toJsonColumn(snapshot.datasheet),
        row_count: snapshot.rowCount,
        created_at: snapshot.createdAt,
      })
      .returning('id');
    const id = typeof inserted === 'object' ? (inserted as { id: number }).id : (inserted as number);
    const records = rows.map((r, position) => ({
      snapshot_id: id,
      position,
      item_id: r.itemId,
      item_key: r.key,
      url: r.url,
      features: toJsonColumn(r.features),
      label: r.label,
      confidence: r.confidence,
    }));
    for (let i = 0; i < records.length; i += 500) await trx('snapshot_rows').insert(records.slice(i, i + 500));
    return { ...snapshot, id };
  });
}

export async function listSnapshots(db: Knex): Promise<Snapshot[]> {
  return ((await db('snapshots').orderBy('id')) as SnapshotRecord[]).map(fromRecord);
}

export async function getSnapshot(db: Knex, name: string): Promise<Snapshot> {
  const record = (await db('snapshots').where({ name }).first()) as SnapshotRecord | undefined;
  if (!record) throw new NotFoundError('snapshot', name);
  return fromRecord(record);
}

/** A snapshot's rows in their frozen order, read in pages. */
export async function* streamSnapshotRows(db: Knex, snapshotId: number, pageSize = 2000): AsyncGenerator<SnapshotRow> {
  let after = -1;
  for (;;) {
    const page = (await db('snapshot_rows').where({ snapshot_id: snapshotId }).andWhere('position', '>', after).orderBy('position').limit(pageSize)) as Array<{
      position: number; item_id: number; item_key: string; url: string | null; features: string; label: string; confidence: number | null;
    }>;
    for (const r of page) {
      yield { itemId: r.item_id, key: r.item_key, url: r.url, features: fromJsonColumn(r.features, {}), label: r.label, confidence: r.confidence === null ? null : Number(r.confidence) };
    }
    if (page.length < pageSize) return;
    after = page[page.length - 1].position;
  }
}

/** The snapshot as training rows; items of one page (same URL without fragment) share a group. */
export async function loadSnapshotRows(db: Knex, name: string): Promise<{ snapshot: Snapshot; rows: LabeledRow[] }> {
  const snapshot = await getSnapshot(db, name);
  const rows: LabeledRow[] = [];
  const multiLabel = snapshot.datasheet.task === 'multi-label';
  for await (const r of streamSnapshotRows(db, snapshot.id)) {
    const group = r.url ? r.url.replace(/#.*$/, '') : undefined;
    rows.push({ id: r.itemId, features: r.features, label: r.label, ...(multiLabel ? { labels: labelsOfKey(r.label) } : {}), group });
  }
  return { snapshot, rows };
}
