import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { InputError, RemoteError, TroveError } from '../../core/errors.js';
import type { RecordInput, SourceContext, SourceKind } from '../../core/source.js';
import { optionalSecretEnv, readSecretEnv } from '../env-secret.js';
import { checkLocalPath } from '../local-paths.js';
import { envName, sourceOptionsShape } from '../source-options.js';
import { dialectOfUrl, parseDatabaseUrl, urlHasPassword, type DatabaseTarget } from './database-url.js';
import { checkReadOnlyQuery, type SqlDialect } from './read-only-query.js';
import type { CursorFilter, SqlReader } from './sql-reader.js';
import { toFieldValue } from './sql-value.js';

const ALL_DIALECTS: SqlDialect[] = ['postgres', 'mysql', 'sqlite'];

export const sqlConfigSchema = z
  .object({
    kind: z.literal('sql').optional(),
    url: z.string().min(1).optional(),
    urlEnv: envName.optional(),
    passwordEnv: envName.optional(),
    query: z.string().min(1).max(100_000),
    key: z.string().min(1),
    text: z.string().min(1).optional(),
    cursor: z.string().min(1).optional(),
    timeoutSeconds: z.number().int().positive().max(86_400).optional(),
    batchSize: z.number().int().min(1).max(100_000).optional(),
    ...sourceOptionsShape,
  })
  .strict()
  .superRefine((config, ctx) => {
    if ((config.url === undefined) === (config.urlEnv === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'give either url or urlEnv (an environment variable holding the URL)' });
      return;
    }
    if (config.url !== undefined) {
      if (!dialectOfUrl(config.url)) ctx.addIssue({ code: 'custom', path: ['url'], message: 'expected postgres://…, mysql://… or sqlite:///absolute/path.db' });
      if (urlHasPassword(config.url)) {
        ctx.addIssue({
          code: 'custom',
          path: ['url'],
          message: 'a password in the URL would be stored with the source: name an environment variable with passwordEnv (or urlEnv)',
        });
      }
    }
    const dialect = config.url === undefined ? undefined : dialectOfUrl(config.url);
    try {
      for (const d of dialect ? [dialect] : ALL_DIALECTS) checkReadOnlyQuery(config.query, d);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['query'], message: (err as Error).message.replace(/^query: /, '') });
    }
  });
export type SqlConfig = z.infer<typeof sqlConfigSchema>;

interface SqlCheckpoint {
  cursor: string | number;
}

const DEFAULT_TIMEOUT_S = 300;
const DEFAULT_BATCH = 5000;

function targetOf(config: SqlConfig): DatabaseTarget {
  if (config.urlEnv) {
    const url = readSecretEnv(config.urlEnv, 'urlEnv');
    return parseDatabaseUrl(url, `urlEnv ${config.urlEnv}`);
  }
  return parseDatabaseUrl(config.url as string);
}

const CONNECT_ATTEMPTS = 3;

/** Connects, retrying transient failures (a server restarting, a full connection slot) with backoff. */
async function openReader(target: DatabaseTarget, config: SqlConfig, ctx: SourceContext): Promise<SqlReader> {
  const password = optionalSecretEnv(config.passwordEnv, 'passwordEnv');
  const opts = { password, timeoutMs: (config.timeoutSeconds ?? DEFAULT_TIMEOUT_S) * 1000 };
  for (let attempt = 1; ; attempt++) {
    try {
      // Drivers load on first use, so the CLI does not pay for all three at every start.
      if (target.dialect === 'postgres') return await (await import('./postgres-reader.js')).openPostgresReader(target.url, opts);
      if (target.dialect === 'mysql') return await (await import('./mysql-reader.js')).openMysqlReader(target.url, opts);
      return (await import('./sqlite-reader.js')).openSqliteReader(checkLocalPath(target.file as string, 'url'), opts);
    } catch (err) {
      const error = databaseError(target, 'cannot connect', err);
      if (!(error instanceof RemoteError && error.transient) || attempt >= CONNECT_ATTEMPTS) throw error;
      ctx.log.warn('retrying the database connection', { database: target.label, reason: error.message });
      await sleep(500 * 2 ** attempt, undefined, { signal: ctx.signal });
    }
  }
}

/** A driver's error as one line naming the database (never its credentials). */
function databaseError(target: DatabaseTarget, doing: string, err: unknown): TroveError {
  if (err instanceof TroveError) return err;
  const e = err as { code?: string; message?: string };
  const message = (e.message ?? String(err)).split('\n')[0];
  const transient = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03', '53300', 'PROTOCOL_CONNECTION_LOST'].includes(e.code ?? '');
  return new RemoteError(`${target.label}: ${doing}: ${message || e.code || 'unknown error'}`, { transient, cause: err });
}

function checkColumns(columns: string[], config: SqlConfig, target: DatabaseTarget): void {
  for (const name of ['key', 'text', 'cursor'] as const) {
    const column = config[name];
    if (column !== undefined && !columns.includes(column)) {
      throw new InputError(`${target.label}: ${name} column "${column}" is not in the query's result (columns: ${columns.join(', ')})`);
    }
  }
}

function toRecord(row: Record<string, unknown>, config: SqlConfig, target: DatabaseTarget): RecordInput {
  const key = row[config.key];
  if (key === null || key === undefined || key === '') throw new InputError(`${target.label}: a row has an empty key column "${config.key}"`);
  const fields: Record<string, unknown> = {};
  for (const name in row) {
    if (name === config.text) continue;
    const value = row[name];
    // Most values are already JSON (strings, numbers, null); only the rest need converting.
    fields[name] = value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : toFieldValue(value);
  }
  const text = config.text === undefined ? null : row[config.text];
  return { key: String(toFieldValue(key)), text: text === null || text === undefined ? null : String(toFieldValue(text)), fields };
}

/**
 * Rows of one read-only query as items. With `cursor`, rows come in cursor order past the last
 * checkpoint, which is saved with every batch at the last value whose rows are all stored.
 */
async function* readRows(config: SqlConfig, ctx: SourceContext): AsyncGenerator<RecordInput[]> {
  const target = targetOf(config);
  const query = checkReadOnlyQuery(config.query, target.dialect);
  const saved = config.cursor ? await ctx.checkpoint.load<SqlCheckpoint>() : undefined;
  const cursor: CursorFilter | undefined = config.cursor ? { column: config.cursor, after: saved?.cursor ?? null } : undefined;
  const reader = await openReader(target, config, ctx);
  let done = 0;
  let checked = false;
  let lastValue: string | number | undefined;
  try {
    const batches = reader.stream(query, cursor, config.batchSize ?? DEFAULT_BATCH);
    for (;;) {
      let next: IteratorResult<{ columns: string[]; rows: Array<Record<string, unknown>> }>;
      try {
        next = await batches.next();
      } catch (err) {
        throw databaseError(target, 'query failed', err);
      }
      if (next.done) break;
      const { columns, rows } = next.value;
      if (!checked) {
        checkColumns(columns, config, target);
        checked = true;
      }
      if (ctx.signal.aborted) return;
      let complete: string | number | undefined;
      const records: RecordInput[] = [];
      for (const row of rows) {
        if (config.cursor) {
          const value = toFieldValue(row[config.cursor]) as string | number;
          if (lastValue !== undefined && value !== lastValue) complete = lastValue;
          lastValue = value;
        }
        try {
          records.push(toRecord(row, config, target));
        } catch (err) {
          // The rows before a bad one are stored, as if they had been yielded one by one.
          if (records.length > 0) yield records;
          throw err;
        }
      }
      // A whole fetched batch at once: the ingest path takes no await per row.
      yield records;
      done += rows.length;
      ctx.progress({ done });
      if (complete !== undefined) await ctx.checkpoint.save({ cursor: complete } satisfies SqlCheckpoint);
    }
    if (lastValue !== undefined) await ctx.checkpoint.save({ cursor: lastValue } satisfies SqlCheckpoint);
  } finally {
    await reader.close().catch((err: unknown) => ctx.log.warn('closing the database connection failed', { error: (err as Error).message }));
  }
}

export const sqlSource: SourceKind<SqlConfig> = {
  kind: 'sql',
  description: 'rows of a read-only query on PostgreSQL, MySQL/MariaDB or a SQLite file',
  configSchema: sqlConfigSchema,
  localPaths: (config) => {
    const file = config.url === undefined ? undefined : parseDatabaseUrl(config.url).file;
    return file === undefined ? [] : [{ field: 'url', path: file }];
  },
  run: readRows,
};
