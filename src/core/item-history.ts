import type { Knex } from 'knex';
import { NotFoundError } from './errors.js';
import { getItem, type Item } from './items.js';
import type { Timestamp } from './time.js';

/** One content an item held before the run that replaced it. */
export interface ItemVersion {
  contentHash: string;
  blobHash: string | null;
  /** The run that brought the next content (null once that run is deleted). */
  replacedByRun: number | null;
  replacedAt: Timestamp;
}

export interface ItemHistory {
  item: Item;
  /** The content it holds now: its hash, the run that stored it and when. */
  current: { contentHash: string; blobHash: string | null; runId: number | null; since: Timestamp };
  /** Earlier contents, newest first. */
  versions: ItemVersion[];
}

interface VersionRow {
  content_hash: string;
  blob_hash: string | null;
  run_id: number | null;
  replaced_at: string;
}

/** What an item holds now and every content it held before, so labels made on older content stay traceable. */
export async function itemHistory(db: Knex, id: number): Promise<ItemHistory> {
  const item = await getItem(db, id);
  if (!item) throw new NotFoundError('item', id);
  const row: { blob_hash: string | null; run_id: number | null; updated_at: string } = await db('items').where({ id }).first('blob_hash', 'run_id', 'updated_at');
  const rows: VersionRow[] = await db('item_versions').where({ item_id: id }).orderBy('id', 'desc').select('content_hash', 'blob_hash', 'run_id', 'replaced_at');
  return {
    item,
    current: { contentHash: item.contentHash, blobHash: row.blob_hash, runId: row.run_id, since: row.updated_at },
    versions: rows.map((r) => ({ contentHash: r.content_hash, blobHash: r.blob_hash, replacedByRun: r.run_id, replacedAt: r.replaced_at })),
  };
}
