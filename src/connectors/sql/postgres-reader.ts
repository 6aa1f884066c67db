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
    writePowers: () => postgresWritePowers(client),
    // A second connection asks the server to cancel this one's statement (the same role may).
    cancel: async () => {
      const canceller = new driver.Client({ connectionString: url, password: opts.password, application_name: 'trove-cancel', connectionTimeoutMillis: 15_000 });
      canceller.on('error', () => undefined);
      await canceller.connect();
      try {
        await canceller.query('SELECT pg_cancel_backend($1)', [(client as unknown as { processID: number }).processID]);
      } finally {
        await canceller.end();
      }
    },
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

const FILE_AND_PROGRAM_ROLES = ['pg_execute_server_program', 'pg_write_server_files', 'pg_read_server_files', 'pg_write_all_data'];

async function postgresWritePowers(client: pg.Client): Promise<string | undefined> {
  const role = await client.query<{ name: string; super: boolean; roles: string[] }>(
    `SELECT current_user AS name, r.rolsuper AS super,
            ARRAY(SELECT g.rolname::text FROM pg_roles g WHERE g.rolname = ANY($1) AND pg_has_role(current_user, g.oid, 'USAGE')) AS roles
       FROM pg_roles r WHERE r.rolname = current_user`,
    [FILE_AND_PROGRAM_ROLES],
  );
  const me = role.rows[0];
  if (me?.super) return `${me.name} is a superuser`;
  if (me && me.roles.length > 0) return `${me.name} is a member of ${me.roles.join(', ')}`;
  const writable = await client.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
        AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE') LIMIT 1`,
  );
  return writable.rows[0] ? `${me?.name ?? 'the role'} may write to ${writable.rows[0].name}` : undefined;
}
