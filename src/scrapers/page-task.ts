import { errorMessage, RemoteError } from '../core/errors.js';
import type { RecordInput } from '../core/source.js';
import type { CrawlConfig } from './crawl-config.js';
import type { PageAnalyzer } from './extract/page-analyzer.js';
import type { DiscoveredUrl, FrontierEntry, FrontierOutcome } from './frontier.js';
import type { HostGate } from './host-gate.js';
import type { FetchOutcome } from './http-fetcher.js';
import { backoffDelay, isRetryableStatus, type RetryPolicy } from './retry-policy.js';
import type { RobotsCache } from './robots-rules.js';
import { hostOf } from './url-normalize.js';
import type { UrlScope } from './url-scope.js';
import { toIso } from '../core/time.js';

/** Fetches a page over HTTP or renders it in a browser; both answer the same way. */
export interface PageLoader {
  load(url: string, signal: AbortSignal, mayFollow: (url: string) => Promise<boolean>): Promise<FetchOutcome>;
  close(): Promise<void>;
}

/** What became of one frontier entry. */
export interface PageResult {
  entry: FrontierEntry;
  outcome: FrontierOutcome;
  record?: RecordInput;
  links: DiscoveredUrl[];
  /** The URL a redirect ended on, marked done with the entry. */
  reached?: string;
  failure?: { location: string; reason: string };
  stat?: string;
}

export interface PageTaskDeps {
  config: CrawlConfig;
  loader: PageLoader;
  robots: RobotsCache;
  gate: HostGate;
  scope: UrlScope;
  analyzer: PageAnalyzer;
  retry: RetryPolicy;
}

/** Crawls one frontier entry: robots, politeness, fetch, retries, extraction, links. */
export async function crawlEntry(entry: FrontierEntry, deps: PageTaskDeps, signal: AbortSignal): Promise<PageResult> {
  const { url } = entry;
  const rules = await deps.robots.forUrl(url, signal);
  if (rules.unavailable) return finalFailure(entry, rules.unavailable);
  if (!rules.allows(url)) return skipped(entry, 'disallowed by robots.txt', 'robotsDisallowed');
  const host = hostOf(url);
  if (rules.crawlDelayMs) deps.gate.setCrawlDelay(host, rules.crawlDelayMs);
  // A start URL (depth 0) may redirect anywhere on the crawl's hosts, e.g. / to /products/.
  const inScope = (target: string) => (entry.depth === 0 ? deps.scope.allowsHost(target) : deps.scope.allows(target));
  const mayFollow = async (target: string) => inScope(target) && (await deps.robots.forUrl(target, signal)).allows(target);
  let fetched: FetchOutcome;
  const release = await deps.gate.acquire(host, signal);
  try {
    fetched = await deps.loader.load(url, signal, mayFollow);
  } catch (err) {
    if (signal.aborted) throw err;
    const transient = err instanceof RemoteError && err.transient;
    return transient ? retryOrFail(entry, deps, errorMessage(err), null) : finalFailure(entry, errorMessage(err));
  } finally {
    release();
  }
  switch (fetched.kind) {
    case 'http-error': {
      if (fetched.retryAfterMs !== null && (fetched.status === 429 || fetched.status === 503)) {
        deps.gate.pause(host, Date.now() + Math.min(fetched.retryAfterMs, deps.retry.maxDelayMs));
      }
      const reason = `HTTP ${fetched.status}`;
      return isRetryableStatus(fetched.status) ? retryOrFail(entry, deps, reason, fetched.retryAfterMs) : finalFailure(entry, reason);
    }
    case 'not-html':
      return skipped(entry, `not HTML (${fetched.contentType})`, 'skippedNotHtml');
    case 'redirect-refused':
      return skipped(entry, `redirects out of scope to ${fetched.url}`, 'skippedRedirectOutOfScope');
    case 'html':
      return pageResult(entry, fetched, deps);
  }
}

async function pageResult(entry: FrontierEntry, page: Extract<FetchOutcome, { kind: 'html' }>, deps: PageTaskDeps): Promise<PageResult> {
  const { config } = deps;
  const { extract, links: found } = await deps.analyzer.analyze(page.html, page.url);
  const followDepth = entry.depth + 1;
  const links: DiscoveredUrl[] = [];
  if (config.maxDepth === undefined || followDepth <= config.maxDepth) {
    for (const link of found) {
      if (link.length > config.maxUrlLength) continue;
      const parsed = new URL(link);
      if (!looksLikeTrap(parsed) && deps.scope.allowsUrl(parsed)) links.push({ url: link, depth: followDepth });
    }
  }
  const record: RecordInput = {
    key: page.url,
    url: page.url,
    text: extract.text,
    fields: {
      ...extract.fields,
      httpStatus: page.status,
      contentType: page.contentType,
      depth: entry.depth,
      ...(page.redirects.length ? { requestedUrl: entry.url } : {}),
    },
    raw: config.storeRaw ? page.body : undefined,
    fetchedAt: toIso(Date.now()),
  };
  return { entry, outcome: { id: entry.id, status: 'done' }, record, links, reached: page.redirects.length ? page.url : undefined };
}

/**
 * Crawler traps generate endless URLs; two tell-tale shapes are refused: a path segment repeated
 * three times or more (/a/b/a/b/a/b), and paths over 30 segments deep.
 */
export function looksLikeTrap(url: string | URL): boolean {
  const segments = (typeof url === 'string' ? new URL(url) : url).pathname.split('/').filter(Boolean);
  if (segments.length < 3) return false;
  if (segments.length > 30) return true;
  const counts = new Map<string, number>();
  for (const s of segments) {
    const n = (counts.get(s) ?? 0) + 1;
    if (n >= 3) return true;
    counts.set(s, n);
  }
  return false;
}

function retryOrFail(entry: FrontierEntry, deps: PageTaskDeps, reason: string, retryAfterMs: number | null): PageResult {
  if (entry.attempts >= deps.retry.maxRetries) return finalFailure(entry, `${reason} (after ${entry.attempts + 1} attempts)`);
  const retryAt = toIso(Date.now() + backoffDelay(deps.retry, entry.attempts, retryAfterMs));
  return { entry, outcome: { id: entry.id, status: 'queued', retryAt, reason }, links: [], stat: 'retries' };
}

function finalFailure(entry: FrontierEntry, reason: string): PageResult {
  return { entry, outcome: { id: entry.id, status: 'failed', reason }, links: [], failure: { location: entry.url, reason } };
}

function skipped(entry: FrontierEntry, reason: string, stat: string): PageResult {
  return { entry, outcome: { id: entry.id, status: 'skipped', reason }, links: [], stat };
}
