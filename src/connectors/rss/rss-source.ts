import { errorMessage, RemoteError } from '../../core/errors.js';
import type { RecordInput, SourceContext } from '../../core/source.js';
import { detectCharset, decodeBody } from '../../scrapers/charset.js';
import { parseRobotsTxt } from '../../scrapers/robots-txt.js';
import { extractPage, parseHtml } from '../../scrapers/extract/page-extractor.js';
import { allowPrivateNetworks, hostsOf } from '../http/address-guard.js';
import { HttpClient, describeUrl } from '../http/http-client.js';
import { DEFAULT_USER_AGENT } from '../source-options.js';
import type { RssConfig } from './rss-config.js';
import type { FeedEntry } from './feed-parser.js';


function plainText(html: string | undefined): string {
  if (!html) return '';
  const $ = parseHtml(`<body>${html}</body>`);
  $('script, style, noscript, template, iframe').remove();
  return $('body').text().replace(/\s+/g, ' ').trim();
}

function entryRecord(entry: FeedEntry, feedTitle: string | undefined, where: string): RecordInput | undefined {
  const key = entry.id ?? entry.link;
  if (!key) return undefined;
  const summary = plainText(entry.summary);
  return {
    key,
    url: entry.link ?? null,
    text: [entry.title, summary].filter(Boolean).join('\n\n') || null,
    fields: {
      title: entry.title ?? null,
      summary: summary || null,
      published: entry.published ?? null,
      author: entry.author ?? null,
      categories: entry.categories,
      feed: feedTitle ?? where,
    },
  };
}

/**
 * Fetches linked articles politely: robots.txt honoured (with its Crawl-delay), a rate cap per
 * feed, the User-Agent named; the main text comes from the crawler's extractor.
 */
class ArticleFetcher {
  private readonly robots = new Map<string, Promise<{ allowed: (u: string) => boolean; delayMs: number }>>();
  private readonly client: HttpClient;

  constructor(
    private readonly userAgent: string,
    perSecond: number,
    private readonly ctx: SourceContext,
    guardExcept: readonly string[] | undefined,
  ) {
    this.client = new HttpClient({ userAgent, requestsPerSecond: perSecond, retries: 2, signal: ctx.signal, log: ctx.log, guardExcept });
  }

  async fetch(link: string): Promise<{ text: string; title: string | null; html: string } | { refused: string }> {
    const rules = await this.rulesFor(link);
    if (!rules.allowed(link)) return { refused: 'disallowed by robots.txt' };
    if (rules.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, rules.delayMs));
    const response = await this.client.request(link, { headers: { accept: 'text/html,application/xhtml+xml' } });
    const body = Buffer.from(await response.arrayBuffer());
    const html = decodeBody(body, detectCharset(response.headers.get('content-type') ?? undefined, body));
    const page = extractPage(html, response.url || link);
    return { text: page.text, title: page.title, html };
  }

  private rulesFor(link: string) {
    const origin = new URL(link).origin;
    let rules = this.robots.get(origin);
    if (!rules) {
      rules = this.loadRobots(origin);
      this.robots.set(origin, rules);
    }
    return rules;
  }

  private async loadRobots(origin: string) {
    const url = `${origin}/robots.txt`;
    try {
      const response = await this.client.request(url);
      const robots = parseRobotsTxt(await response.text());
      const token = this.userAgent.split(/[/\s]/)[0] || this.userAgent;
      const delay = robots.crawlDelaySeconds(token);
      return { allowed: (u: string) => robots.allows(u, token), delayMs: delay ? Math.min(delay, 60) * 1000 : 0 };
    } catch (err) {
      // A missing robots.txt (4xx) allows everything; an unreachable one is treated as the same
      // outage the article fetch would then hit.
      if (err instanceof RemoteError && /HTTP 4\d\d/.test(err.message)) return { allowed: () => true, delayMs: 0 };
      throw err;
    }
  }
}

/** One read of the feed (src/connectors/rss/rss-kind.ts loads this module only when a feed is read). */
export async function* readFeed(config: RssConfig, ctx: SourceContext): AsyncGenerator<RecordInput> {
  const userAgent = config.userAgent ?? DEFAULT_USER_AGENT;
  // The feed's own host is the config's choice; hosts its entries or redirects lead to must not be internal.
  const guardExcept = allowPrivateNetworks() ? undefined : hostsOf([config.url]);
  const client = new HttpClient({ userAgent, signal: ctx.signal, log: ctx.log, guardExcept });
  const where = describeUrl(config.url);
  const response = await client.request(config.url, { headers: { accept: 'application/rss+xml, application/atom+xml, application/xml, text/xml' } });
  const body = Buffer.from(await response.arrayBuffer());
  const { parseFeedResponse } = await import('./feed-parser.js');
  const feed = parseFeedResponse(body, { url: response.url || config.url, contentType: response.headers.get('content-type') ?? undefined, contentLocation: response.headers.get('content-location') ?? undefined }, where);
  const articles = config.fetchArticles ? new ArticleFetcher(userAgent, config.articlesPerSecond, ctx, guardExcept) : undefined;
  let done = 0;
  for (const entry of feed.entries) {
    if (ctx.signal.aborted) return;
    const record = entryRecord(entry, feed.title, where);
    if (!record) {
      await ctx.recordFailure(`${where} entry ${done + 1}`, 'the entry has no guid, id or link');
      continue;
    }
    if (articles && entry.link) {
      try {
        const article = await articles.fetch(entry.link);
        if ('refused' in article) ctx.addStats({ 'articles.refused': 1 });
        else {
          record.text = article.text || record.text;
          record.raw = article.html;
          record.fields = { ...record.fields, articleTitle: article.title };
          ctx.addStats({ 'articles.fetched': 1 });
        }
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        await ctx.recordFailure(describeUrl(entry.link), errorMessage(err));
      }
    }
    yield record;
    ctx.progress({ done: ++done, total: feed.entries.length });
  }
}
