import mysql from 'mysql2';
import type { FieldPacket } from 'mysql2';
import { cursorQuery, quoteDoubled, type CursorFilter, type ReaderOptions, type RowBatch, type SqlReader } from './sql-reader.js';

function run(conn: mysql.Connection, sql: string): Promise<unknown> {
  return new Promise((resolve, reject) => conn.query(sql, (err, rows) => (err ? reject(err) : resolve(rows))));
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
    async *stream(query: string, cursor: CursorFilter | undefined, batchSize: number): AsyncGenerator<RowBatch> {
      const sql = cursor
        ? cursorQuery(query, cursor, (n) => quoteDoubled(n, '`'), cursor.after === null ? undefined : conn.escape(cursor.after))
        : query;
      await run(conn, 'START TRANSACTION READ ONLY');
      let columns: string[] = [];
      const rows = conn.query(sql);
      rows.on('fields', (fields: FieldPacket[]) => {
        columns = fields.map((f) => f.name);
      });
      let batch: Array<Record<string, unknown>> = [];
      streaming = true;
      for await (const row of rows.stream({ highWaterMark: batchSize })) {
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
