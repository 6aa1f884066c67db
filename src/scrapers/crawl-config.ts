import { z } from 'zod';
import { recipeSchema } from './extract/recipe-schema.js';
import { normalizeUrl } from './url-normalize.js';

export const DEFAULT_USER_AGENT = 'TroveBot/0.1 (+data acquisition crawler)';

const httpUrl = z.string().refine((u) => normalizeUrl(u) !== null && /^https?:\/\//i.test(u), { message: 'must be an absolute http(s) URL' });

/** A crawl source's config; every default is written here once. */
export const crawlConfigSchema = z
  .object({
    kind: z.literal('crawl').optional(),
    startUrls: z.array(httpUrl).min(1),
    /** Pages stored in one crawl, across resumes and workers. */
    maxPages: z.number().int().positive().optional(),
    /** Links followed from a start URL (depth 0); unlimited when absent. */
    maxDepth: z.number().int().min(0).optional(),
    concurrency: z.number().int().min(1).max(1000).default(10),
    /** Requests in flight to one host; the crawl's concurrency when absent. */
    hostConcurrency: z.number().int().min(1).max(1000).optional(),
    /** Gap between two requests to one host (robots.txt's Crawl-delay raises it). */
    delayMs: z.number().int().min(0).max(600_000).default(0),
    include: z.array(z.string().min(1)).default([]),
    exclude: z.array(z.string().min(1)).default([]),
    /** Follow links to other hosts too (same-host scope by default). */
    allHosts: z.boolean().default(false),
    respectRobots: z.boolean().default(true),
    /** Seed the frontier from the start hosts' sitemaps (robots.txt Sitemap lines and /sitemap.xml). */
    sitemaps: z.boolean().default(false),
    userAgent: z.string().min(1).max(500).default(DEFAULT_USER_AGENT),
    timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    maxRetries: z.number().int().min(0).max(20).default(3),
    retryBaseMs: z.number().int().min(0).max(600_000).default(1000),
    retryMaxMs: z.number().int().min(0).max(3_600_000).default(120_000),
    maxRedirects: z.number().int().min(0).max(50).default(5),
    maxBytes: z.number().int().min(1024).max(1024 ** 3).default(10 * 1024 * 1024),
    maxUrlLength: z.number().int().min(64).max(65_536).default(2048),
    /** Keep each page's HTML in the blob store. */
    storeRaw: z.boolean().default(true),
    recipe: recipeSchema.optional(),
    /** Render pages in Chromium (pages built by JavaScript). */
    render: z.boolean().default(false),
    /** With render: wait for this selector before reading the page. */
    waitFor: z.string().min(1).optional(),
    /** With render: pages open at once in the browser; the crawl's concurrency when lower. */
    renderPages: z.number().int().min(1).max(64).default(4),
    leaseMs: z.number().int().min(1000).max(3_600_000).default(120_000),
    /** Threads that parse pages and run the extraction; 0 parses on the crawl's own thread. Default: cores − 1 (1 to 4). */
    analyzerThreads: z.number().int().min(0).max(16).optional(),
  })
  .strict();

export type CrawlConfig = z.infer<typeof crawlConfigSchema>;
