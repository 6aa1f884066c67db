import Database from 'better-sqlite3';
import { InputError } from '../../core/errors.js';
import { cursorQuery, quoteDoubled, type CursorFilter, type RowBatch, type SqlReader } from './sql-reader.js';

/**
 * SQLite files: opened read-only, and each statement must be one SQLite itself reports as
 * read-only. Rows are stepped one at a time.
 */
export function openSqliteReader(file: string): SqlReader {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new InputError(`sqlite://${file}: cannot open (${(err as Error).message})`);
  }
  return {
    dialect: 'sqlite',
    async *stream(query: string, cursor: CursorFilter | undefined, batchSize: number): AsyncGenerator<RowBatch> {
      const params = cursor && cursor.after !== null ? [cursor.after] : [];
      const sql = cursor ? cursorQuery(query, cursor, (n) => quoteDoubled(n, '"'), params.length ? '?' : undefined) : query;
      const stmt = db.prepare(sql);
      if (!stmt.reader || !stmt.readonly) throw new InputError('query: SQLite reports that this statement is not a read-only query');
      const columns = stmt.columns().map((c) => c.name);
      let batch: Array<Record<string, unknown>> = [];
      for (const row of stmt.iterate(...params)) {
        batch.push(row as Record<string, unknown>);
        if (batch.length >= batchSize) {
          yield { columns, rows: batch };
          batch = [];
        }
      }
      if (batch.length || columns.length) yield { columns, rows: batch };
    },
    close: async () => {
      db.close();
    },
  };
}
