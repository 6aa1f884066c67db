import { InputError } from '../../core/errors.js';

export type SqlDialect = 'postgres' | 'mysql' | 'sqlite';

interface Word {
  upper: string;
  offset: number;
  /** The next significant character after the word, to tell `insert(` (a function) from INSERT. */
  next: string;
}

interface Scan {
  statements: Word[][];
  /** Offset just after the last significant character of the first statement. */
  firstEnd: number;
  /** Where a second statement starts, if there is one. */
  secondAt: number | undefined;
}

// What could make a SELECT or WITH write or lock: data-modifying CTEs, SELECT … INTO, row locks.
// Anything else the engine would do is stopped by the read-only transaction.
const WRITING_WORDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'INTO', 'LOCK', 'SHARE']);

/**
 * Checks that a query is one SELECT or WITH statement that cannot write, by scanning it the way
 * the engine's lexer does: string literals, quoted identifiers, dollar quotes and comments are
 * skipped, so a keyword or semicolon inside them neither hides nor fakes a statement. Returns the
 * statement without a trailing semicolon.
 */
export function checkReadOnlyQuery(sql: string, dialect: SqlDialect): string {
  const scan = scanStatements(sql, dialect);
  const nonEmpty = scan.statements.filter((s) => s.length > 0);
  if (nonEmpty.length === 0) throw new InputError('query: the query is empty');
  if (scan.secondAt !== undefined && nonEmpty.length > 1) {
    throw new InputError(`query: only one statement is allowed (a second one starts at character ${scan.secondAt + 1})`);
  }
  const words = nonEmpty[0];
  const first = words[0];
  if (first.upper !== 'SELECT' && first.upper !== 'WITH' && first.upper !== 'VALUES') {
    throw new InputError(`query: only SELECT or WITH statements are allowed, not ${first.upper}`);
  }
  for (const word of words) {
    if (WRITING_WORDS.has(word.upper) && word.next !== '(') {
      throw new InputError(`query: ${word.upper} at character ${word.offset + 1} is not allowed in a read-only query`);
    }
  }
  return sql.slice(0, scan.firstEnd);
}

function scanStatements(sql: string, dialect: SqlDialect): Scan {
  const statements: Word[][] = [[]];
  let firstEnd = 0;
  let secondAt: number | undefined;
  let i = 0;
  const n = sql.length;
  const significant = (end: number) => {
    if (statements.length === 1) firstEnd = end;
    else if (secondAt === undefined) secondAt = end - 1;
  };
  while (i < n) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '-' && next === '-' && (dialect !== 'mysql' || /[\s]/.test(sql[i + 2] ?? ' '))) {
      i = lineEnd(sql, i);
    } else if (c === '#' && dialect === 'mysql') {
      i = lineEnd(sql, i);
    } else if (c === '/' && next === '*') {
      if (dialect === 'mysql' && sql[i + 2] === '!') throw new InputError('query: MySQL executable comments (/*! … */) are not allowed');
      i = blockCommentEnd(sql, i, dialect === 'postgres');
    } else if (c === "'" || (c === '"' && dialect === 'mysql')) {
      const backslashes = dialect === 'mysql' || (dialect === 'postgres' && /[eE]/.test(sql[i - 1] ?? '') && !/\w/.test(sql[i - 2] ?? ''));
      i = quotedEnd(sql, i, c, backslashes);
      significant(i);
    } else if (c === '"' || c === '`' || (c === '[' && dialect === 'sqlite')) {
      i = quotedEnd(sql, i, c === '[' ? ']' : c, false);
      significant(i);
    } else if (c === '$' && dialect === 'postgres' && /[A-Za-z_$]/.test(next ?? '')) {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        if (close < 0) throw new InputError(`query: the dollar-quoted string at character ${i + 1} is never closed`);
        i = close + tag[0].length;
      } else i++;
      significant(i);
    } else if (c === ';') {
      statements.push([]);
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < n && /[A-Za-z0-9_$]/.test(sql[i])) i++;
      let j = i;
      while (j < n && /\s/.test(sql[j])) j++;
      statements[statements.length - 1].push({ upper: sql.slice(start, i).toUpperCase(), offset: start, next: sql[j] ?? '' });
      significant(i);
    } else {
      i++;
      if (!/\s/.test(c)) significant(i);
    }
  }
  return { statements, firstEnd, secondAt };
}

function lineEnd(sql: string, from: number): number {
  const nl = sql.indexOf('\n', from);
  return nl < 0 ? sql.length : nl + 1;
}

function blockCommentEnd(sql: string, from: number, nested: boolean): number {
  let depth = 0;
  let i = from;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth = nested ? depth + 1 : 1;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  throw new InputError(`query: the comment at character ${from + 1} is never closed`);
}

function quotedEnd(sql: string, from: number, quote: string, backslashes: boolean): number {
  let i = from + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashes && c === '\\') i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  throw new InputError(`query: the quoted text at character ${from + 1} is never closed`);
}
