import type { AnySourceKind } from './core/source.js';
import { fileSource } from './connectors/file/file-source.js';
import { crawlSource } from './scrapers/crawl-kind.js';
import { sqlSource } from './connectors/sql/sql-source.js';
import { restSource } from './connectors/rest/rest-source.js';
import { redditSource } from './connectors/reddit/reddit-source.js';
import { rssSource } from './connectors/rss/rss-kind.js';

/** Every kind of source this build of Trove knows. */
export const allSourceKinds: AnySourceKind[] = [fileSource, crawlSource, sqlSource, restSource, redditSource, rssSource];
