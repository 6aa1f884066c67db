import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { InputError } from '../core/errors.js';

/**
 * Text that enters through a request is checked once, at the edge: no NUL (PostgreSQL's text
 * cannot hold it) and nothing that is not Unicode (a lone surrogate would be stored as U+FFFD,
 * silently changing what was sent). The 400 names where it was found.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function badCharacter(text: string): string | undefined {
  if (text.includes('\0')) return 'a NUL character';
  if (LONE_SURROGATE.test(text)) return 'a lone surrogate (not Unicode text)';
  return undefined;
}

/**
 * No request the hub understands nests deeper than this; a small body of brackets nested far
 * deeper would otherwise exhaust the stack of every walk over it.
 */
export const MAX_BODY_DEPTH = 64;

/**
 * Throws a 400 naming the first string (or key) of `value` holding a NUL or a lone surrogate, or
 * the place where it nests deeper than `MAX_BODY_DEPTH`.
 */
export function assertCleanText(value: unknown, where: string, depth = 0): void {
  if (typeof value === 'string') {
    const bad = badCharacter(value);
    if (bad) throw new InputError(`${where} holds ${bad}`, { field: where });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (depth >= MAX_BODY_DEPTH) throw new InputError(`${where} nests deeper than ${MAX_BODY_DEPTH} levels`, { field: where });
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertCleanText(v, `${where}[${i}]`, depth + 1));
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    assertCleanText(key, `${where} key`);
    assertCleanText(v, `${where}.${key}`, depth + 1);
  }
}

function decodedUrl(url: string): string {
  try {
    return decodeURIComponent(url);
  } catch {
    throw new InputError('the request URL is not valid UTF-8 percent-encoding', { field: 'url' });
  }
}

/** The URL's path and query and the parsed body are clean text (see `assertCleanText`). */
export const requestTextGuard: RequestHandler = (req, _res, next) => {
  assertCleanText(decodedUrl(req.originalUrl), 'request URL');
  assertCleanText(req.body, 'body');
  next();
};

/** For body parsers' `verify`: a body that is not UTF-8 is refused before it is decoded with replacement characters. */
export function verifyUtf8Body(_req: IncomingMessage, _res: unknown, body: Buffer, encoding: string): void {
  if (encoding.toLowerCase() === 'utf-8' && !isUtf8(body)) throw new InputError('request body is not valid UTF-8');
}
