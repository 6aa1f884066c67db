import path from 'node:path';
import { InputError } from '../../core/errors.js';
import type { SqlDialect } from './read-only-query.js';

export interface DatabaseTarget {
  dialect: SqlDialect;
  /** The URL as given (never holding a stored password). */
  url: string;
  /** For SQLite: the database file. */
  file?: string;
  /** What messages call the database: scheme, host and name, never credentials. */
  label: string;
}

const SCHEMES: Record<string, SqlDialect> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'mysql:': 'mysql',
  'mariadb:': 'mysql',
  'sqlite:': 'sqlite',
};

export function dialectOfUrl(raw: string): SqlDialect | undefined {
  const scheme = /^[a-z]+:/i.exec(raw)?.[0].toLowerCase();
  return scheme ? SCHEMES[scheme] : undefined;
}

/** Parses `postgres://…`, `mysql://…` (or `mariadb://…`) and `sqlite:///abs/path.db`. */
export function parseDatabaseUrl(raw: string, where = 'url'): DatabaseTarget {
  const dialect = dialectOfUrl(raw);
  if (!dialect) throw new InputError(`${where}: expected postgres://…, mysql://… or sqlite:///absolute/path.db`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError(`${where}: not a valid URL`);
  }
  if (dialect === 'sqlite') {
    const file = decodeURIComponent(url.pathname);
    if (url.host || !path.isAbsolute(file) || file === '/') throw new InputError(`${where}: a SQLite URL names an absolute path, e.g. sqlite:///data/app.db`);
    return { dialect, url: raw, file, label: `sqlite://${file}` };
  }
  if (!url.hostname) throw new InputError(`${where}: the URL names no host`);
  const user = url.username ? `${decodeURIComponent(url.username)}@` : '';
  return { dialect, url: raw, label: `${url.protocol}//${user}${url.host}${url.pathname}` };
}

export function urlHasPassword(raw: string): boolean {
  try {
    return new URL(raw).password !== '';
  } catch {
    return false;
  }
}
