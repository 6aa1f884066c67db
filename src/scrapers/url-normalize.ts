import { createHash } from 'node:crypto';

/**
 * The one form a URL takes in the frontier and as an item key: fragment dropped, scheme and host
 * lower-cased (by the WHATWG parser), default port dropped, an empty path made "/". Query strings
 * are kept as they are: their order can matter to the site.
 */
export function normalizeUrl(input: string, base?: string): string | null {
  let url: URL;
  try {
    url = new URL(input, base);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  // Each setter re-serialises the URL: call them only when there is something to drop.
  if (url.href.includes('#')) url.hash = '';
  if (url.username !== '') url.username = '';
  if (url.password !== '') url.password = '';
  return url.href;
}

/** A fixed-length key for a normalised URL, so the unique index stays small whatever the URL length. */
export function urlHash(normalized: string): string {
  return createHash('sha256').update(normalized).digest('hex');
}

export function hostOf(url: string): string {
  return new URL(url).host;
}
