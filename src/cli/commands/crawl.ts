import path from 'node:path';
import type { Command } from 'commander';
import { ConflictError } from '../../core/errors.js';
import { createSource, findSource, updateSource } from '../../core/sources.js';
import { runSource, type Hub } from '../../hub.js';
import { output, parseIntOption, withHub } from '../context.js';
import { runUntilInterrupted } from '../interrupt.js';
import { progressReporter } from '../progress-bar.js';
import { describeRun } from '../run-output.js';
import { readConfigFile } from './sources.js';

interface CrawlFlags {
  source: string;
  maxPages?: number;
  maxDepth?: number;
  concurrency?: number;
  hostConcurrency?: number;
  delay?: number;
  render?: boolean;
  waitFor?: string;
  recipe?: string;
  include: string[];
  exclude: string[];
  allHosts?: boolean;
  ignoreRobots?: boolean;
  sitemap?: boolean;
  userAgent?: string;
  timeout?: number;
  retries?: number;
  maxBytes?: number;
  raw: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** The crawl config the flags describe; zod fills in the defaults and rejects bad values. */
function configFromFlags(url: string, flags: CrawlFlags): Record<string, unknown> {
  return {
    kind: 'crawl',
    startUrls: [url],
    maxPages: flags.maxPages,
    maxDepth: flags.maxDepth,
    concurrency: flags.concurrency,
    hostConcurrency: flags.hostConcurrency,
    delayMs: flags.delay,
    include: flags.include,
    exclude: flags.exclude,
    allHosts: flags.allHosts,
    respectRobots: !flags.ignoreRobots,
    sitemaps: flags.sitemap,
    userAgent: flags.userAgent,
    timeoutMs: flags.timeout,
    maxRetries: flags.retries,
    maxBytes: flags.maxBytes,
    storeRaw: flags.raw,
    render: flags.render,
    waitFor: flags.waitFor,
    recipe: flags.recipe ? readConfigFile(path.resolve(flags.recipe)) : undefined,
  };
}

/** Creates the crawl source on first use, or updates its config; then crawls (resuming an unfinished crawl). */
async function crawl(hub: Hub, url: string, flags: CrawlFlags) {
  const where = flags.recipe ? `crawl (recipe ${flags.recipe})` : 'crawl';
  const config = hub.kinds.parseConfig('crawl', configFromFlags(url, flags), where) as Record<string, unknown>;
  try {
    await hub.kinds.get('crawl').preflight?.(config, { log: hub.log });
  } catch (err) {
    if (err instanceof Error && flags.recipe) err.message = `${flags.recipe}: ${err.message.replace(/^recipe: /, '')}`;
    throw err;
  }
  const existing = await findSource(hub.store.db, flags.source);
  if (existing && existing.kind !== 'crawl') throw new ConflictError(`source "${flags.source}" is a ${existing.kind} source, not a crawl source`);
  if (existing) await updateSource(hub.store.db, flags.source, { config });
  else await createSource(hub.store.db, { name: flags.source, kind: 'crawl', config });
  const progress = progressReporter();
  try {
    return await runUntilInterrupted((signal) => runSource(hub, flags.source, { signal, onProgress: progress.update }));
  } finally {
    progress.stop();
  }
}

export function registerCrawlCommand(program: Command): void {
  program
    .command('crawl')
    .description('crawl a web site into a source (resumes an unfinished crawl of the same source)')
    .argument('<url>', 'start URL')
    .requiredOption('--source <name>', 'source the pages belong to (created if missing)')
    .option('--max-pages <n>', 'stop after storing this many pages', parseIntOption('--max-pages'))
    .option('--max-depth <d>', 'follow links this deep (the start URL is depth 0)', parseIntOption('--max-depth'))
    .option('--concurrency <c>', 'requests in flight (default 10)', parseIntOption('--concurrency'))
    .option('--host-concurrency <c>', 'requests in flight to one host (default: --concurrency)', parseIntOption('--host-concurrency'))
    .option('--delay <ms>', "gap between requests to one host (robots.txt's Crawl-delay raises it)", parseIntOption('--delay'))
    .option('--render', 'render pages in headless Chromium (env TROVE_CHROMIUM_PATH, default /usr/bin/chromium)')
    .option('--wait-for <selector>', 'with --render: wait for this CSS selector before reading the page')
    .option('--recipe <file>', 'JSON extraction recipe (per-URL-pattern CSS selectors → fields)')
    .option('--include <glob>', 'only follow URLs matching this glob (repeatable; "/blog/**" or "https://host/**")', collect, [])
    .option('--exclude <glob>', 'never follow URLs matching this glob (repeatable)', collect, [])
    .option('--all-hosts', 'follow links to other hosts too (default: the start host only)')
    .option('--ignore-robots', 'do not honour robots.txt')
    .option('--sitemap', "seed the crawl from the site's sitemaps")
    .option('--user-agent <ua>', 'User-Agent header (default TroveBot/0.1)')
    .option('--timeout <ms>', 'per-request timeout (default 30000)', parseIntOption('--timeout'))
    .option('--retries <n>', 'retries on network errors, 5xx and 429 (default 3)', parseIntOption('--retries'))
    .option('--max-bytes <n>', 'largest page body (default 10 MB)', parseIntOption('--max-bytes'))
    .option('--no-raw', 'do not keep the raw HTML in the blob store')
    .action(async (url: string, flags: CrawlFlags, cmd: Command) => {
      const run = await withHub(cmd, (hub) => crawl(hub, url, flags));
      output(cmd, run, () => describeRun(run));
      if (run.status !== 'succeeded') process.exitCode = 1;
    });
}
