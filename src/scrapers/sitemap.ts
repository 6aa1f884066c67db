import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { HttpFetcher } from './http-fetcher.js';
import { normalizeUrl } from './url-normalize.js';

const MAX_SITEMAP_FILES = 50;

/**
 * The page URLs listed by a host's sitemaps (sitemap index files followed, gzip unpacked), at most
 * `limit` of them. A sitemap that cannot be read is logged and passed over: seeding is a bonus.
 */
export async function readSitemaps(fetcher: HttpFetcher, roots: string[], limit: number, log: Logger, signal: AbortSignal): Promise<string[]> {
  const pending = [...new Set(roots)];
  const visited = new Set<string>();
  const pages: string[] = [];
  while (pending.length > 0 && visited.size < MAX_SITEMAP_FILES && pages.length < limit) {
    const url = pending.shift() as string;
    if (visited.has(url)) continue;
    visited.add(url);
    let text: string | null;
    try {
      text = (await fetcher.fetchText(url, signal)).text;
    } catch (err) {
      if (signal.aborted) throw err;
      log.warn('sitemap unreadable', { url, error: errorMessage(err) });
      continue;
    }
    if (!text) continue;
    const isIndex = /<sitemapindex[\s>]/i.test(text);
    for (const loc of locations(text)) {
      const normalized = normalizeUrl(loc, url);
      if (!normalized) continue;
      if (isIndex) pending.push(normalized);
      else if (pages.length < limit) pages.push(normalized);
    }
  }
  return pages;
}

function locations(xml: string): string[] {
  const out: string[] = [];
  for (const m of xml.matchAll(/<loc>\s*(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?\s*<\/loc>/gis)) out.push(decodeXmlEntities(m[1]));
  return out;
}

function decodeXmlEntities(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e] as string);
}
