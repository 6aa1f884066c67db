import mysql from 'mysql2';
import { InputError } from '../../core/errors.js';
import type { FieldPacket } from 'mysql2';
import { cursorQuery, quoteDoubled, type CursorFilter, type ReaderOptions, type RowBatch, type SqlReader } from './sql-reader.js';

function run(conn: mysql.Connection, sql: string): Promise<unknown> {
  return new Promise((resolve, reject) => conn.query(sql, (err, rows) => (err ? reject(err) : resolve(rows))));
}

/** What the driver streams for a statement that has no result set: its OK packet. */
function isStatementResult(row: unknown): boolean {
  return row !== null && typeof row === 'object' && (row as { constructor?: { name?: string } }).constructor?.name === 'ResultSetHeader';
}

function connect(conn: mysql.Connection): Promise<void> {
  return new Promise((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
}

/** MySQL and MariaDB: a READ ONLY transaction with the engine's statement time limit, rows streamed. */
export async function openMysqlReader(url: string, opts: ReaderOptions): Promise<SqlReader> {
  const conn = mysql.createConnection({
    uri: url,
    password: opts.password,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    multipleStatements: false,
    connectTimeout: 15_000,
  });
  conn.on('error', () => undefined);
  await connect(conn);
  const [version] = (await run(conn, 'SELECT VERSION() AS v')) as Array<{ v: string }>;
  const seconds = Math.max(1, Math.ceil(opts.timeoutMs / 1000));
  let streaming = false;
  await run(conn, /mariadb/i.test(version.v) ? `SET SESSION max_statement_time = ${seconds}` : `SET SESSION max_execution_time = ${opts.timeoutMs}`);
  return {
    dialect: 'mysql',
    // KILL QUERY from a second connection: destroying this one would leave the statement running on the server.
    cancel: async () => {
      const killer = mysql.createConnection({ uri: url, password: opts.password, connectTimeout: 15_000 });
      killer.on('error', () => undefined);
      try {
        await connect(killer);
        await run(killer, `KILL QUERY ${Number(conn.threadId)}`);
      } finally {
        killer.destroy();
      }
    },
    writePowers: async () => mysqlWritePowers((await run(conn, 'SHOW GRANTS FOR CURRENT_USER()')) as Array<Record<string, string>>),
    async *stream(query: string, cursor: CursorFilter | undefined, batchSize: number): AsyncGenerator<RowBatch> {
      const sql = cursor
        ? cursorQuery(query, cursor, (n) => quoteDoubled(n, '`'), cursor.after === null ? undefined : conn.escape(cursor.after))
        : query;
      await run(conn, 'START TRANSACTION READ ONLY');
      let columns: string[] = [];
      const rows = conn.query(sql);
      // A statement without a result set announces no fields; throwing here would wedge the driver.
      rows.on('fields', (fields: FieldPacket[] | undefined) => {
        columns = (fields ?? []).map((f) => f.name);
      });
      let batch: Array<Record<string, unknown>> = [];
      streaming = true;
      for await (const row of rows.stream({ highWaterMark: batchSize })) {
        if (isStatementResult(row)) throw new InputError('query: the statement returned no result set (no rows and no columns)');
        batch.push(row as Record<string, unknown>);
        if (batch.length >= batchSize) {
          yield { columns, rows: batch };
          batch = [];
        }
      }
      if (batch.length) yield { columns, rows: batch };
      streaming = false;
      await run(conn, 'ROLLBACK');
    },
    // A stream given up half-way cannot be ended politely: the server is still sending its rows.
    close: async () => {
      if (streaming) conn.destroy();
      else await new Promise<void>((resolve) => conn.end(() => resolve()));
    },
  };
}

// Privileges that write data or schema, or reach the server's files and processes.
const WRITE_PRIVILEGES = ['ALL PRIVILEGES', 'SUPER', 'FILE', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'DROP', 'ALTER', 'INDEX', 'TRIGGER', 'EVENT', 'CREATE ROUTINE', 'ALTER ROUTINE', 'SHUTDOWN', 'RELOAD', 'PROCESS', 'CREATE USER', 'GRANT OPTION'];

/** The write powers in a user's grants (one row per GRANT statement). */
export function mysqlWritePowers(grants: Array<Record<string, string>>): string | undefined {
  for (const row of grants) {
    const statement = Object.values(row)[0] ?? '';
    const m = /^GRANT\s+(.+?)\s+ON\s+(\S+)\s+TO\s+(\S+)/i.exec(statement);
    if (!m) continue;
    const privileges = m[1].toUpperCase().split(',').map((p) => p.trim().replace(/\s*\(.*\)$/, ''));
    const found = privileges.filter((p) => WRITE_PRIVILEGES.includes(p));
    if (/WITH GRANT OPTION/i.test(statement)) found.push('GRANT OPTION');
    if (found.length > 0) return `${m[3]} holds ${found.join(', ')} on ${m[2]}`;
  }
  return undefined;
}
