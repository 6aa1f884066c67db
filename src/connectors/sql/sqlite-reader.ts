import { fork, type ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import { InputError, RemoteError } from '../../core/errors.js';
import { cursorQuery, quoteDoubled, type CursorFilter, type ReaderOptions, type RowBatch, type SqlReader } from './sql-reader.js';

/** What the child process answers to each request for rows. */
type ChildMessage = { rows: Array<Record<string, unknown>>; done: boolean } | { error: string };

/**
 * SQLite files: opened read-only, and each statement must be one SQLite itself reports as
 * read-only. The statement is checked here, then stepped in a child process (sqlite-read-child.mjs)
 * that hands over one batch per request; a batch that takes longer than the statement timeout
 * kills the child, the only way to stop a running SQLite statement from Node.
 */
export function openSqliteReader(file: string, opts: ReaderOptions): SqlReader {
  const children = new Set<ChildProcess>();
  return {
    dialect: 'sqlite',
    // The file is opened read-only and each statement must be one SQLite reports as read-only.
    writePowers: async () => undefined,
    cancel: async () => {
      for (const child of children) child.kill('SIGKILL');
    },
    async *stream(query: string, cursor: CursorFilter | undefined, batchSize: number): AsyncGenerator<RowBatch> {
      const params = cursor && cursor.after !== null ? [cursor.after] : [];
      const sql = cursor ? cursorQuery(query, cursor, (n) => quoteDoubled(n, '"'), params.length ? '?' : undefined) : query;
      const columns = checkStatement(file, sql);
      const child = fork(new URL('./sqlite-read-child.mjs', import.meta.url), [JSON.stringify({ file, sql, params, batchSize })], {
        serialization: 'advanced',
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        execArgv: [],
      });
      children.add(child);
      try {
        for (let first = true; ; first = false) {
          const answer = await nextBatch(child, opts.timeoutMs, !first);
          if ('error' in answer) throw new RemoteError(`sqlite://${file}: ${answer.error}`);
          yield { columns, rows: answer.rows.map(withBuffers) };
          if (answer.done) return;
        }
      } finally {
        child.kill('SIGKILL');
        children.delete(child);
      }
    },
    close: async () => {
      for (const child of children) child.kill('SIGKILL');
    },
  };
}

/** Prepares (never runs) the statement here, so a bad or writing query fails before any child starts. */
function checkStatement(file: string, sql: string): string[] {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new InputError(`sqlite://${file}: cannot open (${(err as Error).message})`);
  }
  try {
    const stmt = db.prepare(sql);
    if (!stmt.reader || !stmt.readonly) throw new InputError('query: SQLite reports that this statement is not a read-only query');
    return stmt.columns().map((c) => c.name);
  } finally {
    db.close();
  }
}

/** Waits for the child's next batch (asking for it after the first), for at most the statement timeout. */
function nextBatch(child: ChildProcess, timeoutMs: number, ask: boolean): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      child.kill('SIGKILL');
      reject(new RemoteError(`SQLite statement timeout: no rows within ${timeoutMs / 1000} s (timeoutSeconds); the query was stopped`));
    }, timeoutMs);
    const onMessage = (message: ChildMessage) => {
      cleanup();
      resolve(message);
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(new RemoteError(`the SQLite reader process ended early (${signal ?? `exit code ${code}`})`));
    };
    function cleanup() {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
    if (ask) child.send('more');
  });
}

/** Structured clone turns a Buffer into a plain Uint8Array; blob columns stay Buffers, as the driver gives them. */
function withBuffers(row: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(row)) if (v instanceof Uint8Array && !Buffer.isBuffer(v)) row[k] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return row;
}
