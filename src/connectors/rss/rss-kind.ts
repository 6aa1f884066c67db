import type { SourceKind } from '../../core/source.js';
import { rssConfigSchema, type RssConfig } from './rss-config.js';

/** News feeds as a source kind; the reader (HTTP client, HTML extraction) loads when a feed is read. */
export const rssSource: SourceKind<RssConfig> = {
  kind: 'rss',
  description: 'entries of an RSS 2.0 or Atom feed, optionally with their linked articles’ main text',
  configSchema: rssConfigSchema,
  async *run(config, ctx) {
    yield* (await import('./rss-source.js')).readFeed(config, ctx);
  },
};
