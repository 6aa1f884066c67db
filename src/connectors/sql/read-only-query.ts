import { InputError } from '../../core/errors.js';

export type SqlDialect = 'postgres' | 'mysql' | 'sqlite';

interface Word {
  upper: string;
  offset: number;
  /** The next significant character after the word, to tell `insert(` (a function) from INSERT. */
  next: string;
  /** A quoted identifier ("name", `name`, [name]): never a keyword, but still a function's name. */
  quoted: boolean;
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

// Functions that leave the transaction (a second connection, another backend), run SQL or a
// program from a string, change the session's limits, or read and write the server's files.
// Refused wherever the name appears, quoted or not, whatever follows it (a comment may stand
// between a name and its parenthesis).
const FORBIDDEN_FUNCTIONS = new Set([
  'PG_READ_FILE', 'PG_READ_BINARY_FILE', 'PG_LS_DIR', 'PG_STAT_FILE', 'PG_FILE_WRITE', 'PG_FILE_RENAME', 'PG_FILE_UNLINK',
  'PG_LOGDIR_LS', 'PG_LS_LOGDIR', 'PG_LS_WALDIR', 'PG_LS_TMPDIR', 'PG_LS_ARCHIVE_STATUSDIR', 'PG_TERMINATE_BACKEND',
  'PG_CANCEL_BACKEND', 'PG_RELOAD_CONF', 'PG_ROTATE_LOGFILE', 'SET_CONFIG', 'QUERY_TO_XML', 'QUERY_TO_XMLSCHEMA',
  'QUERY_TO_XML_AND_XMLSCHEMA', 'CURSOR_TO_XML', 'CURSOR_TO_XMLSCHEMA', 'LOREAD', 'LOWRITE', 'PG_ADVISORY_LOCK', 'PG_ADVISORY_XACT_LOCK',
  'LOAD_FILE', 'SYS_EXEC', 'SYS_EVAL', 'SYS_GET', 'SYS_SET', 'GET_LOCK', 'RELEASE_LOCK', 'OUTFILE', 'DUMPFILE',
  'LOAD_EXTENSION',
]);
const FORBIDDEN_PREFIXES = ['DBLINK', 'LO_', 'PG_PROMOTE', 'PG_CREATE_', 'PG_DROP_REPLICATION'];

function isForbiddenFunction(upper: string): boolean {
  return FORBIDDEN_FUNCTIONS.has(upper) || FORBIDDEN_PREFIXES.some((p) => upper.startsWith(p));
}

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
    if (isForbiddenFunction(word.upper)) {
      throw new InputError(`query: ${word.upper.toLowerCase()} at character ${word.offset + 1} is not allowed: it can leave the read-only transaction or touch the server's files or processes`);
    }
    if (!word.quoted && WRITING_WORDS.has(word.upper) && word.next !== '(') {
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
      if (dialect === 'mysql' && (sql[i + 2] === '!' || (/[Mm]/.test(sql[i + 2] ?? '') && sql[i + 3] === '!'))) {
        throw new InputError('query: MySQL and MariaDB executable comments (/*! … */, /*M! … */) are not allowed');
      }
      i = blockCommentEnd(sql, i, dialect === 'postgres');
    } else if (c === "'" || (c === '"' && dialect === 'mysql')) {
      const backslashes = dialect === 'mysql' || (dialect === 'postgres' && /[eE]/.test(sql[i - 1] ?? '') && !/\w/.test(sql[i - 2] ?? ''));
      i = quotedEnd(sql, i, c, backslashes);
      significant(i);
    } else if (c === '"' || c === '`' || (c === '[' && dialect === 'sqlite')) {
      if (dialect === 'postgres' && c === '"' && /[uU]&$/.test(sql.slice(Math.max(0, i - 2), i))) {
        throw new InputError(`query: Unicode-escaped identifiers (U&"…") at character ${i - 1} are not allowed`);
      }
      const start = i;
      i = quotedEnd(sql, i, c === '[' ? ']' : c, false);
      const name = sql.slice(start + 1, i - 1).split(c === '[' ? ']]' : c + c).join(c === '[' ? ']' : c);
      statements[statements.length - 1].push({ upper: name.toUpperCase(), offset: start, next: nextSignificant(sql, i), quoted: true });
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
      statements[statements.length - 1].push({ upper: sql.slice(start, i).toUpperCase(), offset: start, next: nextSignificant(sql, i), quoted: false });
      significant(i);
    } else {
      i++;
      if (!/\s/.test(c)) significant(i);
    }
  }
  return { statements, firstEnd, secondAt };
}

function nextSignificant(sql: string, from: number): string {
  let j = from;
  while (j < sql.length && /\s/.test(sql[j])) j++;
  return sql[j] ?? '';
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
