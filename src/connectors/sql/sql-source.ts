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
    /** The most rows one run reads; past it the run fails, keeping what it stored (and its cursor). */
    maxRows: z.number().int().positive().optional(),
    /** The longest one run may take, all statements together. */
    maxRunSeconds: z.number().int().positive().max(7 * 86_400).optional(),
    batchSize: z.number().int().min(1).max(100_000).optional(),
    /** Connect even as a role that may write or reach files (a warning is logged); the query guard alone then stands. */
    allowWriteRole: z.boolean().optional(),
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
const DEFAULT_MAX_ROWS = 10_000_000;
const DEFAULT_MAX_RUN_S = 6 * 3600;
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

/**
 * A run's whole-run limits: at most maxRows rows, and at most maxRunSeconds for all its statements
 * (timeoutSeconds bounds one statement, and a cursor or stream can keep one going for ever).
 */
function runLimits(config: SqlConfig, target: DatabaseTarget, cancel: () => Promise<void>) {
  const maxRows = config.maxRows ?? DEFAULT_MAX_ROWS;
  const maxSeconds = config.maxRunSeconds ?? DEFAULT_MAX_RUN_S;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    cancel().catch(() => undefined);
  }, maxSeconds * 1000);
  timer.unref();
  const overTime = () => new InputError(`${target.label}: the run took longer than maxRunSeconds (${maxSeconds} s) and was stopped; what it read is stored`);
  return {
    maxRows,
    checkTime() {
      if (timedOut) throw overTime();
    },
    tooManyRows: () => new InputError(`${target.label}: the query returned more than maxRows (${maxRows}) rows and was stopped after storing ${maxRows}`),
    exceeded: () => (timedOut ? overTime() : undefined),
    stop: () => clearTimeout(timer),
  };
}

/** Refuses a role that may do more than read, unless the source allows it (then says so in the log). */
async function checkRole(reader: SqlReader, config: SqlConfig, target: DatabaseTarget, ctx: SourceContext): Promise<void> {
  let powers: string | undefined;
  try {
    powers = await reader.writePowers();
  } catch (err) {
    throw databaseError(target, 'cannot check the role', err);
  }
  if (powers === undefined) return;
  if (config.allowWriteRole) {
    ctx.log.warn(`${target.label}: ${powers}; reading anyway because the source sets allowWriteRole`);
    return;
  }
  throw new InputError(`${target.label}: ${powers}: connect as a role that may only read (or set allowWriteRole: true in the source)`);
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
  try {
    await checkRole(reader, config, target, ctx);
  } catch (err) {
    await reader.close().catch((closeErr: unknown) => ctx.log.warn('closing the database connection failed', { error: (closeErr as Error).message }));
    throw err;
  }
  let done = 0;
  let checked = false;
  let lastValue: string | number | undefined;
  const limits = runLimits(config, target, () => reader.cancel());
  // A cancel request or shutdown stops the statement on the server, not only the loop.
  const onAbort = () => void reader.cancel().catch((err: unknown) => ctx.log.warn('could not stop the running statement', { error: (err as Error).message }));
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const batches = reader.stream(query, cursor, config.batchSize ?? DEFAULT_BATCH);
    for (;;) {
      let next: IteratorResult<{ columns: string[]; rows: Array<Record<string, unknown>> }>;
      try {
        next = await batches.next();
      } catch (err) {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        throw limits.exceeded() ?? databaseError(target, 'query failed', err);
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
      limits.checkTime();
      const room = limits.maxRows - done;
      // A whole fetched batch at once: the ingest path takes no await per row.
      yield records.length > room ? records.slice(0, room) : records;
      if (records.length > room) throw limits.tooManyRows();
      done += rows.length;
      ctx.progress({ done });
      if (complete !== undefined) await ctx.checkpoint.save({ cursor: complete } satisfies SqlCheckpoint);
    }
    if (lastValue !== undefined) await ctx.checkpoint.save({ cursor: lastValue } satisfies SqlCheckpoint);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    limits.stop();
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
