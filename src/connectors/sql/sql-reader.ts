import type { SqlDialect } from './read-only-query.js';

export interface RowBatch {
  columns: string[];
  rows: Array<Record<string, unknown>>;
}

/** Only rows whose cursor column is past this value, in cursor order. */
export interface CursorFilter {
  column: string;
  after: string | number | null;
}

/** One read-only session on a database: a query's rows arrive in batches, never all at once. */
export interface SqlReader {
  readonly dialect: SqlDialect;
  stream(query: string, cursor: CursorFilter | undefined, batchSize: number): AsyncGenerator<RowBatch>;
  /**
   * What the connecting role may do beyond reading (a superuser, file or program access, write
   * grants), said as one phrase; undefined when it may only read. The query guard is lexical, so
   * the role's own privileges are the real boundary.
   */
  writePowers(): Promise<string | undefined>;
  /** Stops the statement running now on the server (a cancel request, shutdown); its stream then fails. */
  cancel(): Promise<void>;
  close(): Promise<void>;
}

export interface ReaderOptions {
  password?: string;
  timeoutMs: number;
}

/**
 * The user's query as a derived table, filtered past the checkpoint and ordered by the cursor
 * column. Works on all three engines, WITH queries included.
 */
export function cursorQuery(query: string, cursor: CursorFilter, quoteIdent: (name: string) => string, placeholder: string | undefined): string {
  const column = `trove_q.${quoteIdent(cursor.column)}`;
  const where = placeholder === undefined ? '' : ` WHERE ${column} > ${placeholder}`;
  return `SELECT * FROM (${query}) AS trove_q${where} ORDER BY ${column}`;
}

export function quoteDoubled(name: string, quote: string): string {
  return quote + name.split(quote).join(quote + quote) + quote;
}
