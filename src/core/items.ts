import type { Knex } from 'knex';
import { InputError } from './errors.js';
import { fromJsonColumn } from './json-column.js';
import type { Timestamp } from './time.js';

/** An item as users see it (CLI, API, exports). */
export interface Item {
  id: number;
  source: string;
  key: string;
  url: string | null;
  text: string | null;
  fields: Record<string, unknown>;
  contentHash: string;
  fetchedAt: Timestamp;
}

export interface ItemPage {
  items: Item[];
  /** Pass back to get the next page; null on the last page. */
  nextCursor: string | null;
}

interface ItemRow {
  id: number;
  source_name: string;
  key: string;
  url: string | null;
  text: string | null;
  fields: string;
  content_hash: string;
  fetched_at: string;
}

function fromRow(row: ItemRow): Item {
  return {
    id: row.id,
    source: row.source_name,
    key: row.key,
    url: row.url,
    text: row.text,
    fields: fromJsonColumn(row.fields, {}),
    contentHash: row.content_hash,
    fetchedAt: row.fetched_at,
  };
}

export function encodeCursor(afterId: number): string {
  return Buffer.from(`i:${afterId}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const m = /^i:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw new InputError(`invalid cursor "${cursor}"`);
  return Number(m[1]);
}

function itemsQuery(db: Knex, sourceId?: number) {
  const q = db('items').join('sources', 'sources.id', 'items.source_id').select(
    'items.id',
    'sources.name as source_name',
    'items.key',
    'items.url',
    'items.text',
    'items.fields',
    'items.content_hash',
    'items.fetched_at',
  );
  if (sourceId !== undefined) q.where('items.source_id', sourceId);
  return q;
}

/** Keyset pagination by id: stable while items arrive, and as fast on the last page as on the first. */
export async function listItems(db: Knex, opts: { sourceId?: number; cursor?: string; limit?: number } = {}): Promise<ItemPage> {
  const limit = opts.limit ?? 50;
  const q = itemsQuery(db, opts.sourceId).orderBy('items.id').limit(limit + 1);
  if (opts.cursor) q.where('items.id', '>', decodeCursor(opts.cursor));
  const rows = (await q) as ItemRow[];
  const page = rows.slice(0, limit).map(fromRow);
  return { items: page, nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null };
}

export async function getItem(db: Knex, id: number): Promise<Item | undefined> {
  const row = (await itemsQuery(db).where('items.id', id).first()) as ItemRow | undefined;
  return row ? fromRow(row) : undefined;
}

/** Every item (of one source, or all), read in pages so memory stays flat however many there are. */
export async function* streamItems(db: Knex, opts: { sourceId?: number; pageSize?: number } = {}): AsyncGenerator<Item> {
  let afterId = 0;
  const pageSize = opts.pageSize ?? 1000;
  for (;;) {
    const rows = (await itemsQuery(db, opts.sourceId).where('items.id', '>', afterId).orderBy('items.id').limit(pageSize)) as ItemRow[];
    for (const row of rows) yield fromRow(row);
    if (rows.length < pageSize) return;
    afterId = rows[rows.length - 1].id;
  }
}

export async function countItems(db: Knex, sourceId?: number): Promise<number> {
  const q = db('items').count({ count: '*' });
  if (sourceId !== undefined) q.where({ source_id: sourceId });
  const [row] = await q;
  return Number(row?.count ?? 0);
}
