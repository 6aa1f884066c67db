import { z } from 'zod';
import { sourceOptionsShape } from '../source-options.js';

export const rssConfigSchema = z
  .object({
    kind: z.literal('rss').optional(),
    url: z.url({ protocol: /^https?$/ }),
    fetchArticles: z.boolean().default(false),
    /** Article fetches per second, per feed (robots.txt Crawl-delay slows it further). */
    articlesPerSecond: z.number().positive().max(10).default(1),
    ...sourceOptionsShape,
  })
  .strict();
export type RssConfig = z.infer<typeof rssConfigSchema>;
