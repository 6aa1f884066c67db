import type { SourceKind } from '../core/source.js';
import { crawlConfigSchema, type CrawlConfig } from './crawl-config.js';

/**
 * Web crawling as a source kind. Validating a config needs only its schema; the crawler (HTTP
 * client, HTML parser, frontier) loads when a crawl first runs, so other commands never pay for it.
 */
export const crawlSource: SourceKind<CrawlConfig> = {
  kind: 'crawl',
  description: 'crawl web pages (HTTP or headless Chromium) from start URLs',
  configSchema: crawlConfigSchema,
  sharedRuns: true,
  async preflight(config) {
    if (config.recipe) (await import('./extract/recipe.js')).compileRecipe(config.recipe, 'recipe');
  },
  async *run(config, ctx) {
    yield* (await import('./crawl-source.js')).runCrawl(config, ctx);
  },
};
