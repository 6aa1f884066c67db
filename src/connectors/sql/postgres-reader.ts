import type pg from 'pg';
import { loadPg } from '../../core/store.js';
import { cursorQuery, quoteDoubled, type CursorFilter, type ReaderOptions, type RowBatch, type SqlReader } from './sql-reader.js';

// Dates and timestamps stay the text PostgreSQL prints, so a cursor value round-trips exactly.
const TEXT_TYPES = new Set([1082, 1114, 1184, 1083, 1266]);

function typesOf(driver: typeof pg) {
  return {
    getTypeParser(oid: number, format?: string) {
      if (TEXT_TYPES.has(oid)) return (value: string) => value;
      return driver.types.getTypeParser(oid, format as 'text');
    },
  };
}

/** PostgreSQL: a server-side cursor inside a READ ONLY transaction, fetched a batch at a time. */
export async function openPostgresReader(url: string, opts: ReaderOptions): Promise<SqlReader> {
  const driver = await loadPg();
  const client = new driver.Client({
    connectionString: url,
    password: opts.password,
    types: typesOf(driver),
    application_name: 'trove',
    connectionTimeoutMillis: 15_000,
    statement_timeout: opts.timeoutMs,
  });
  client.on('error', () => undefined);
  await client.connect();
  return {
    dialect: 'postgres',
    async *stream(query: string, cursor: CursorFilter | undefined, batchSize: number): AsyncGenerator<RowBatch> {
      const sql = cursor
        ? cursorQuery(query, cursor, (n) => quoteDoubled(n, '"'), cursor.after === null ? undefined : client.escapeLiteral(String(cursor.after)))
        : query;
      await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        await client.query(`DECLARE trove_rows NO SCROLL CURSOR FOR ${sql}`);
        for (;;) {
          const result = await client.query(`FETCH FORWARD ${batchSize} FROM trove_rows`);
          if (result.rows.length === 0) break;
          yield { columns: result.fields.map((f) => f.name), rows: result.rows as Array<Record<string, unknown>> };
          if (result.rows.length < batchSize) break;
        }
      } finally {
        await client.query('ROLLBACK').catch(() => undefined);
      }
    },
    close: () => client.end(),
  };
}
