import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type pg from 'pg';
import { redactUrl, type TroveConfig } from './config.js';
import { StoreError, errorMessage } from './errors.js';
import { silentLogger, type Logger } from './log.js';
import { BlobStore } from './blobs.js';
import { cachePreparedStatements } from './statement-cache.js';
import { migrationSource } from '../../migrations/index.js';

export type Dialect = 'sqlite' | 'pg';

/** The database plus the blob directory: everything Trove keeps. */
export interface Store {
  readonly db: Knex;
  readonly dialect: Dialect;
  readonly dataDir: string;
  readonly blobs: BlobStore;
  /** Where the store lives, safe to print (no password). */
  readonly location: string;
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 8000;

let pgDriver: Promise<typeof pg> | undefined;

/**
 * The pg driver, loaded when a PostgreSQL store or source is first opened: a SQLite store does
 * not pay for it (about 7 MB of memory). Every user of the driver loads it here, so int8 parses
 * the same way for all of them.
 */
export function loadPg(): Promise<typeof pg> {
  pgDriver ??= import('pg').then(({ default: driver }) => {
    // PostgreSQL int8 (COUNT(*), SUM) comes back as a string by default; our counts fit in a double.
    driver.types.setTypeParser(20, (value: string) => Number(value));
    return driver;
  });
  return pgDriver;
}

export async function openStore(config: Pick<TroveConfig, 'dataDir' | 'databaseUrl'>, opts: { migrate?: boolean; log?: Logger } = {}): Promise<Store> {
  ensureWritableDir(config.dataDir);
  const blobs = new BlobStore(path.join(config.dataDir, 'blobs'));
  const log = driverLog(opts.log ?? silentLogger);
  const store = config.databaseUrl
    ? await openPostgres(config.databaseUrl, config.dataDir, blobs, log)
    : openSqlite(config.dataDir, blobs, log);
  try {
    await store.db.raw('select 1');
    if (opts.migrate !== false) await migrate(store);
  } catch (err) {
    await store.close();
    if (err instanceof StoreError) throw err;
    throw new StoreError(`cannot use the database at ${store.location}: ${errorMessage(err)}`, err);
  }
  return store;
}

export async function migrate(store: Store): Promise<string[]> {
  const [, applied] = (await store.db.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}

function ensureWritableDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (err) {
    throw new StoreError(`data directory ${dir} is not writable: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`, err);
  }
}

/**
 * knex prints its warnings (a failed connection attempt with its stack, among others) with
 * console.log, on stdout, where `--json` output goes. They go to the log at debug level instead:
 * what failed reaches the user once, as the error of the query that needed the connection.
 */
function driverLog(log: Logger): Knex.Config['log'] {
  const debug = (message: unknown) => log.debug('database driver', { message: errorMessage(message).split('\n')[0] });
  return { warn: debug, error: debug, deprecate: debug, debug };
}

function openSqlite(dataDir: string, blobs: BlobStore, log: Knex.Config['log']): Store {
  const file = path.join(dataDir, 'trove.db');
  const db = knexFactory({
    client: 'better-sqlite3',
    log,
    connection: { filename: file },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      afterCreate(conn: { pragma(sql: string): unknown; prepare(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
        conn.pragma('journal_mode = WAL');
        conn.pragma('foreign_keys = ON');
        conn.pragma('synchronous = NORMAL');
        conn.pragma('busy_timeout = 10000');
        cachePreparedStatements(conn);
        done(null, conn);
      },
    },
  });
  return { db, dialect: 'sqlite', dataDir, blobs, location: file, close: () => closeBoth(db, blobs) };
}

async function openPostgres(url: string, dataDir: string, blobs: BlobStore, log: Knex.Config['log']): Promise<Store> {
  const location = redactUrl(url);
  // knex requires the driver itself; it must come with the int8 parser set.
  await loadPg();
  const db = knexFactory({
    client: 'pg',
    log,
    connection: { connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS },
    pool: { min: 0, max: 10 },
    acquireConnectionTimeout: CONNECT_TIMEOUT_MS + 1000,
  });
  return { db, dialect: 'pg', dataDir, blobs, location, close: () => closeBoth(db, blobs) };
}

async function closeBoth(db: Knex, blobs: BlobStore): Promise<void> {
  blobs.close();
  await db.destroy();
}

/** Row count of a query result on either dialect. */
export function countOf(row: Record<string, unknown> | undefined, column = 'count'): number {
  return Number(row?.[column] ?? 0);
}
