import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Knex } from 'knex';
import type { from as CopyFrom } from 'pg-copy-streams';
import { copyLines, PACKED_COLUMNS, PackedItem } from './packed-items.js';
import type { PreparedItem } from './prepare-item.js';
import type { Dialect } from './store.js';

/** The part shared by every row of one batch. */
export interface BatchContext {
  sourceId: number;
  runId: number | null;
  now: string;
}

/** What an insert did: the ids of the new items, and the rows whose (source, key) already existed. */
export interface InsertOutcome<T extends PreparedItem> {
  insertedIds: number[];
  conflicted: T[];
}

/** The packed columns from the third on, so a packed item's values bind in one run. */
const COLUMNS = ['source_id', 'run_id', ...PACKED_COLUMNS, 'created_at', 'updated_at'] as const;

/**
 * Inserts rows that are new for their (source, key); rows whose key exists come back as conflicted
 * for the caller to compare. This is ingest's hot path, so each dialect gets its fastest form:
 * cached multi-row prepared statements on SQLite, COPY through a staging table on PostgreSQL
 * (a multi-row knex insert spends most of its time building SQL).
 */
export async function insertNewItems<T extends PreparedItem>(trx: Knex.Transaction, dialect: Dialect, rows: T[], batch: BatchContext): Promise<InsertOutcome<T>> {
  if (rows.length === 0) return { insertedIds: [], conflicted: [] };
  if (dialect === 'pg') return insertPg(trx, rows, batch);
  return insertSqlite((await trx.client.acquireConnection()) as SqliteConnection, rows, batch);
}

interface SqliteStatement<Row> {
  all(params: unknown[]): Row[];
  run(params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
}
interface SqliteConnection {
  prepare<Row>(sql: string): SqliteStatement<Row>;
}

/**
 * Rows per SQLite statement. One statement per row pays better-sqlite3's call and binding
 * overhead per row; 100 rows (1,100 parameters) per call inserts about 1.8× faster.
 */
const SQLITE_ROWS_PER_STATEMENT = 100;

interface SqliteStatements {
  insertMany: SqliteStatement<unknown>;
  insertOne: SqliteStatement<unknown>;
  rowsInIdRange: SqliteStatement<{ n: number }>;
  idsOfKeys: SqliteStatement<{ id: number; key: string }>;
}
const sqliteStatements = new WeakMap<object, SqliteStatements>();

function statementsFor(conn: SqliteConnection): SqliteStatements {
  let cached = sqliteStatements.get(conn);
  if (!cached) {
    const values = (rows: number) => Array.from({ length: rows }, () => `(${COLUMNS.map(() => '?').join(', ')})`).join(', ');
    const sql = (rows: number) => `INSERT INTO items (${COLUMNS.join(', ')}) VALUES ${values(rows)} ON CONFLICT (source_id, key) DO NOTHING`;
    const keys = Array.from({ length: SQLITE_ROWS_PER_STATEMENT }, () => '?').join(', ');
    cached = {
      insertMany: conn.prepare(sql(SQLITE_ROWS_PER_STATEMENT)),
      insertOne: conn.prepare(sql(1)),
      rowsInIdRange: conn.prepare('SELECT count(*) AS n FROM items WHERE id > ? AND id <= ?'),
      idsOfKeys: conn.prepare(`SELECT id, key FROM items WHERE source_id = ? AND key IN (${keys})`),
    };
    sqliteStatements.set(conn, cached);
  }
  return cached;
}

/**
 * Without RETURNING, which costs about a third of the insert, the new ids are read back cheaply.
 * items.id is AUTOINCREMENT, so every new row's id is larger than any id the table had: the rows
 * one statement inserted hold the table's largest ids. When the id range ending at the last insert
 * rowid holds exactly that many rows (the usual case: ids come out consecutive) it is theirs;
 * otherwise the statement's keys are looked up and its new rows are the ones with the largest ids.
 */
function insertSqlite<T extends PreparedItem>(conn: SqliteConnection, rows: T[], b: BatchContext): InsertOutcome<T> {
  const statements = statementsFor(conn);
  const outcome: InsertOutcome<T> = { insertedIds: [], conflicted: [] };
  const params: unknown[] = new Array(SQLITE_ROWS_PER_STATEMENT * COLUMNS.length);
  let i = 0;
  for (; i + SQLITE_ROWS_PER_STATEMENT <= rows.length; i += SQLITE_ROWS_PER_STATEMENT) {
    for (let j = 0; j < SQLITE_ROWS_PER_STATEMENT; j++) bindRow(params, j * COLUMNS.length, rows[i + j], b);
    const { changes, lastInsertRowid } = statements.insertMany.run(params);
    const group = rows.slice(i, i + SQLITE_ROWS_PER_STATEMENT);
    if (changes === 0) {
      for (const row of group) outcome.conflicted.push(row);
      continue;
    }
    const last = Number(lastInsertRowid);
    if (changes === group.length && statements.rowsInIdRange.all([last - changes, last])[0].n === changes) {
      for (let id = last - changes + 1; id <= last; id++) outcome.insertedIds.push(id);
      continue;
    }
    splitByNewest(statements, outcome, group, changes, b);
  }
  for (; i < rows.length; i++) insertOne(statements, outcome, rows[i], b);
  return outcome;
}

/** The `changes` rows of the group with the largest ids are the ones its statement inserted. */
function splitByNewest<T extends PreparedItem>(statements: SqliteStatements, outcome: InsertOutcome<T>, group: T[], changes: number, b: BatchContext): void {
  const stored = statements.idsOfKeys.all([b.sourceId, ...group.map((r) => r.key)]).sort((x, y) => y.id - x.id);
  const inserted = new Set(stored.slice(0, changes).map((r) => r.key));
  for (const r of stored.slice(0, changes)) outcome.insertedIds.push(r.id);
  for (const row of group) if (!inserted.has(row.key)) outcome.conflicted.push(row);
}

function insertOne<T extends PreparedItem>(statements: SqliteStatements, outcome: InsertOutcome<T>, row: T, b: BatchContext): void {
  const params: unknown[] = new Array(COLUMNS.length);
  bindRow(params, 0, row, b);
  const result = statements.insertOne.run(params);
  if (result.changes === 1) outcome.insertedIds.push(Number(result.lastInsertRowid));
  else outcome.conflicted.push(row);
}

/** In COLUMNS order. */
function bindRow(params: unknown[], at: number, r: PreparedItem, b: BatchContext): void {
  params[at] = b.sourceId;
  params[at + 1] = b.runId;
  params[at + 9] = b.now;
  params[at + 10] = b.now;
  if (r instanceof PackedItem) {
    const values = r.values();
    for (let i = 0; i < values.length; i++) params[at + 2 + i] = values[i];
    return;
  }
  params[at + 2] = r.key;
  params[at + 3] = r.url;
  params[at + 4] = r.text;
  params[at + 5] = r.fields;
  params[at + 6] = r.content_hash;
  params[at + 7] = r.blob_hash;
  params[at + 8] = r.fetched_at;
}

interface PgConnection {
  query<Row = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: Row[] }>;
  query<S extends NodeJS.WritableStream>(stream: S): S;
}

/**
 * PostgreSQL: the rows are COPYed (text format) into a session-local staging table, then moved
 * with one INSERT … SELECT. COPY costs the server about a third less than binding arrays to
 * unnest() and the client less than half, as it only joins escaped text.
 */
async function insertPg<T extends PreparedItem>(trx: Knex.Transaction, rows: T[], b: BatchContext): Promise<InsertOutcome<T>> {
  const conn = (await trx.client.acquireConnection()) as PgConnection;
  // Created by the transaction that first needs it (a rollback undoes that, hence IF NOT EXISTS).
  await conn.query(`CREATE TEMP TABLE IF NOT EXISTS trove_items_staging (${PACKED_COLUMNS.map((c) => `${c} text`).join(', ')})`);
  await copyInto(conn, 'trove_items_staging', rows);
  // The new ids come back as one array rather than a row each: parsing thousands of result rows
  // was most of what an import allocated on this thread.
  const [{ ids: insertedIds }] = (
    await conn.query<{ ids: number[] }>(
      `WITH inserted AS (INSERT INTO items (${COLUMNS.join(', ')}) SELECT $1::int, $2::int, ${PACKED_COLUMNS.join(', ')}, $3, $3 FROM trove_items_staging ON CONFLICT (source_id, key) DO NOTHING RETURNING id)
       SELECT coalesce(array_agg(id), '{}') AS ids FROM inserted`,
      [b.sourceId, b.runId, b.now],
    )
  ).rows;
  await conn.query('TRUNCATE trove_items_staging');
  if (insertedIds.length === rows.length) return { insertedIds, conflicted: [] };
  const { rows: inserted } = await conn.query<{ key: string }>('SELECT key FROM items WHERE id = ANY($1)', [insertedIds]);
  const insertedKeys = new Set(inserted.map((r) => r.key));
  return { insertedIds, conflicted: rows.filter((r) => !insertedKeys.has(r.key)) };
}

/** Copies the rows' packed columns into `table`: packed items' lines go as they are. */
async function copyInto(conn: PgConnection, table: string, rows: readonly PreparedItem[]): Promise<void> {
  const copyFrom = await loadCopyFrom();
  const stream = conn.query(copyFrom(`COPY ${table} (${PACKED_COLUMNS.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from(copyLines(rows)), stream);
}

/** pg-copy-streams loads with the first COPY: a SQLite store does not pay for it. */
let copyFromLoaded: Promise<typeof CopyFrom> | undefined;

function loadCopyFrom(): Promise<typeof CopyFrom> {
  copyFromLoaded ??= import('pg-copy-streams').then((loaded) => loaded.from);
  return copyFromLoaded;
}
