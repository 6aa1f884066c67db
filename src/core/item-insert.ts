import type { Knex } from 'knex';
import type { Dialect } from './store.js';

/** The per-record part of an items row, as the ingest path prepares it. */
export interface ItemRowInput {
  key: string;
  url: string | null;
  text: string | null;
  fields: string;
  content_hash: string;
  blob_hash: string | null;
  fetched_at: string;
}

/** The part shared by every row of one batch. */
export interface BatchContext {
  sourceId: number;
  runId: number | null;
  now: string;
}

const COLUMNS = ['source_id', 'run_id', 'key', 'url', 'text', 'fields', 'content_hash', 'blob_hash', 'fetched_at', 'created_at', 'updated_at'] as const;
const PG_TYPES = ['int', 'int', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text'];

/**
 * Inserts rows that are new for their (source, key) and returns the ids of those inserted; rows
 * whose key exists are left out of the result for the caller to compare. This is ingest's hot path,
 * so each dialect gets its fastest form: one cached prepared statement on SQLite, one array-bound
 * statement per chunk on PostgreSQL (a multi-row knex insert spends most of its time building SQL).
 */
export async function insertNewItems(
  trx: Knex.Transaction,
  dialect: Dialect,
  rows: ItemRowInput[],
  batch: BatchContext,
): Promise<Array<{ id: number; key: string }>> {
  if (rows.length === 0) return [];
  return dialect === 'sqlite' ? insertSqlite(trx, rows, batch) : insertPg(trx, rows, batch);
}

interface SqliteStatement {
  get(...params: unknown[]): { id: number } | undefined;
}
interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
}

const sqliteStatements = new WeakMap<object, SqliteStatement>();

async function insertSqlite(trx: Knex.Transaction, rows: ItemRowInput[], b: BatchContext): Promise<Array<{ id: number; key: string }>> {
  const conn = (await trx.client.acquireConnection()) as SqliteConnection;
  let stmt = sqliteStatements.get(conn);
  if (!stmt) {
    stmt = conn.prepare(
      `INSERT INTO items (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (source_id, key) DO NOTHING RETURNING id`,
    );
    sqliteStatements.set(conn, stmt);
  }
  const inserted: Array<{ id: number; key: string }> = [];
  for (const r of rows) {
    const row = stmt.get(b.sourceId, b.runId, r.key, r.url, r.text, r.fields, r.content_hash, r.blob_hash, r.fetched_at, b.now, b.now);
    if (row) inserted.push({ id: row.id, key: r.key });
  }
  return inserted;
}

async function insertPg(trx: Knex.Transaction, rows: ItemRowInput[], b: BatchContext): Promise<Array<{ id: number; key: string }>> {
  const shared: Record<string, unknown> = { source_id: b.sourceId, run_id: b.runId, created_at: b.now, updated_at: b.now };
  // node-postgres sends each JS array as one PostgreSQL array parameter.
  const arrays = COLUMNS.map((c) =>
    c in shared ? rows.map(() => shared[c]) : rows.map((r) => r[c as keyof ItemRowInput]),
  ) as unknown as Knex.RawBinding[];
  const unnest = PG_TYPES.map((t) => `?::${t}[]`).join(', ');
  const result = await trx.raw(
    `INSERT INTO items (${COLUMNS.join(', ')}) SELECT * FROM unnest(${unnest}) ON CONFLICT (source_id, key) DO NOTHING RETURNING id, key`,
    arrays,
  );
  return (result as { rows: Array<{ id: number; key: string }> }).rows;
}
