import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { workerName } from '../core/run-executor.js';
import type { RecordInput, SourceContext } from '../core/source.js';
import { fromJsonColumn, toJsonColumn } from '../core/json-column.js';
import { nowIso } from '../core/time.js';
import type { CrawlConfig } from './crawl-config.js';
import { Crawler } from './crawler.js';
import { createPageAnalyzer, defaultAnalyzerThreads } from './extract/page-analyzer.js';
import { compileRecipe } from './extract/recipe.js';
import { Frontier, LOCK_SPACE } from './frontier.js';
import { HostGate } from './host-gate.js';
import { HttpFetcher } from './http-fetcher.js';
import type { PageLoader } from './page-task.js';
import { RobotsCache } from './robots-rules.js';
import { readSitemaps } from './sitemap.js';
import { normalizeUrl } from './url-normalize.js';
import { UrlScope } from './url-scope.js';
import { allowPrivateNetworks, hostsOf } from '../connectors/http/address-guard.js';

/** The crawl's saved state: which run started it, whether it finished, and what it was crawling. */
interface CrawlCheckpoint {
  runId: number;
  complete: boolean;
  fingerprint: string;
}

/**
 * One crawl run (src/scrapers/crawl-kind.ts loads this module only when a crawl runs). A crawl
 * lives in the frontier until it completes: a run that was cancelled or killed is resumed by the
 * next run; a completed crawl is started afresh (a re-crawl that updates changed pages). Workers
 * joining the same run share its frontier.
 */
export async function* runCrawl(config: CrawlConfig, ctx: SourceContext): AsyncGenerator<RecordInput> {
  const recipe = config.recipe ? compileRecipe(config.recipe, 'recipe') : undefined;
  const seeds = config.startUrls.map((u) => normalizeUrl(u) as string);
  const scope = new UrlScope({ startUrls: seeds, allHosts: config.allHosts, include: config.include, exclude: config.exclude });
  const frontier = new Frontier(ctx.store.db, ctx.store.dialect, ctx.source.id, { runId: ctx.runId, name: `${workerName}:${randomBytes(4).toString('hex')}` });
  const fetcher = new HttpFetcher(
    {
      userAgent: config.userAgent,
      timeoutMs: config.timeoutMs,
      maxBytes: config.maxBytes,
      maxRedirects: config.maxRedirects,
      // The start URLs are the config's own choice; hosts reached through links and redirects must not be internal.
      guardExcept: allowPrivateNetworks() ? undefined : hostsOf(seeds),
    },
    config.hostConcurrency ?? config.concurrency,
  );
  const loader: PageLoader = config.render
    ? // Loaded only when asked for: Playwright alone weighs some 80 MB of memory.
      new (await import('./render/browser-renderer.js')).BrowserRenderer({
        userAgent: config.userAgent,
        timeoutMs: config.timeoutMs,
        maxBytes: config.maxBytes,
        pages: Math.min(config.renderPages, config.concurrency),
        pagesPerContext: 50,
        waitFor: config.waitFor,
      })
    : fetcher;
  const robots = new RobotsCache(fetcher, productToken(config.userAgent), config.respectRobots);
  const analyzer = createPageAnalyzer(config.recipe, recipe, config.analyzerThreads ?? defaultAnalyzerThreads());
  try {
    // Start URLs are fetched whatever include/exclude say: those filter the links found.
    const fresh = await beginCrawl(ctx, frontier, config, seeds);
    if (fresh && config.sitemaps) await seedFromSitemaps(ctx, frontier, config, seeds, scope, robots, fetcher);
    const crawler = new Crawler(config, ctx, frontier, {
      config,
      loader,
      robots,
      gate: new HostGate(config.hostConcurrency ?? config.concurrency, config.delayMs),
      scope,
      analyzer,
      retry: { maxRetries: config.maxRetries, baseDelayMs: config.retryBaseMs, maxDelayMs: config.retryMaxMs },
    });
    yield* crawler.run();
    if (!ctx.signal.aborted) await ctx.flush((trx) => writeCheckpoint(trx, ctx.source.id, { runId: ctx.runId, complete: true, fingerprint: fingerprintOf(config) }));
  } finally {
    await analyzer.close();
    if (loader !== fetcher) await loader.close();
    await fetcher.close();
  }
}

/**
 * Starts a fresh crawl (reset frontier, queue the start URLs) or resumes an unfinished one, in one
 * transaction (under an advisory lock on PostgreSQL so two workers starting together agree).
 * Returns true when this call started a fresh crawl.
 */
async function beginCrawl(ctx: SourceContext, frontier: Frontier, config: CrawlConfig, seeds: string[]): Promise<boolean> {
  let fresh = false;
  const fingerprint = fingerprintOf(config);
  await ctx.flush(async (trx) => {
    if (ctx.store.dialect === 'pg') await trx.raw('SELECT pg_advisory_xact_lock(?, ?)', [LOCK_SPACE, -ctx.source.id]);
    const row = await trx('checkpoints').where({ source_id: ctx.source.id }).first('state');
    const saved = row ? fromJsonColumn<Partial<CrawlCheckpoint> | null>(row.state, null) : null;
    if (saved?.runId === ctx.runId && saved.fingerprint === fingerprint) return;
    const resumable = saved && saved.complete === false && saved.fingerprint === fingerprint;
    if (resumable) {
      const released = await frontier.releaseOtherRuns(trx);
      ctx.log.info('resuming an unfinished crawl', { released });
      ctx.addStats({ resumed: 1 });
    } else {
      await frontier.reset(trx);
      fresh = true;
    }
    await frontier.add(trx, seeds.map((url) => ({ url, depth: 0 })));
    await writeCheckpoint(trx, ctx.source.id, { runId: ctx.runId, complete: false, fingerprint });
  });
  return fresh;
}

async function seedFromSitemaps(ctx: SourceContext, frontier: Frontier, config: CrawlConfig, seeds: string[], scope: UrlScope, robots: RobotsCache, fetcher: HttpFetcher): Promise<void> {
  const roots: string[] = [];
  for (const origin of new Set(seeds.map((s) => new URL(s).origin))) {
    roots.push(...(await robots.forUrl(`${origin}/`, ctx.signal)).sitemaps, `${origin}/sitemap.xml`);
  }
  const limit = config.maxPages ? config.maxPages * 4 : 1_000_000;
  const urls = (await readSitemaps(fetcher, roots, limit, ctx.log, ctx.signal)).filter((u) => scope.allows(u));
  await ctx.flush((trx) => frontier.add(trx, urls.map((url) => ({ url, depth: 0 }))));
  ctx.addStats({ sitemapUrls: urls.length });
}

async function writeCheckpoint(trx: Knex.Transaction, sourceId: number, state: CrawlCheckpoint): Promise<void> {
  await trx('checkpoints').insert({ source_id: sourceId, state: toJsonColumn(state), updated_at: nowIso() }).onConflict('source_id').merge();
}

/** What makes two configs the same crawl: a changed start or scope starts afresh. */
function fingerprintOf(config: CrawlConfig): string {
  const { startUrls, include, exclude, allHosts, maxDepth } = config;
  return createHash('sha256').update(JSON.stringify({ startUrls, include, exclude, allHosts, maxDepth })).digest('hex').slice(0, 16);
}

/** The robots.txt product token of a User-Agent ("TroveBot/0.1 (…)" → "TroveBot"). */
function productToken(userAgent: string): string {
  return userAgent.split(/[/\s]/)[0] || userAgent;
}
