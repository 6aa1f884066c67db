import robotsParserModule from 'robots-parser';
import { errorMessage } from '../core/errors.js';
import type { HttpFetcher } from './http-fetcher.js';

export interface HostRobots {
  allows(url: string): boolean;
  crawlDelayMs: number | null;
  sitemaps: string[];
  /** Why robots.txt could not be read (everything on the host is then refused). */
  unavailable?: string;
}

// The package is CommonJS exporting a function; its typings declare an ES default export.
const robotsParser = robotsParserModule as unknown as typeof robotsParserModule.default;

const ALLOW_ALL: HostRobots = { allows: () => true, crawlDelayMs: null, sitemaps: [] };

/**
 * robots.txt per host, fetched once per run (RFC 9309): 4xx means no rules; a 5xx or an
 * unreachable host means everything is disallowed, with the reason, until the next run.
 */
export class RobotsCache {
  private readonly hosts = new Map<string, Promise<HostRobots>>();

  constructor(
    private readonly fetcher: HttpFetcher,
    private readonly productToken: string,
    private readonly enabled: boolean,
  ) {}

  forUrl(url: string, signal: AbortSignal): Promise<HostRobots> {
    if (!this.enabled) return Promise.resolve(ALLOW_ALL);
    const origin = new URL(url).origin;
    let rules = this.hosts.get(origin);
    if (!rules) {
      rules = this.load(origin, signal);
      this.hosts.set(origin, rules);
    }
    return rules;
  }

  private async load(origin: string, signal: AbortSignal): Promise<HostRobots> {
    const robotsUrl = `${origin}/robots.txt`;
    let text: string | null;
    try {
      text = (await this.fetcher.fetchText(robotsUrl, signal)).text;
    } catch (err) {
      if (signal.aborted) throw err;
      return { allows: () => false, crawlDelayMs: null, sitemaps: [], unavailable: `robots.txt unavailable: ${errorMessage(err)}` };
    }
    if (text === null) return ALLOW_ALL;
    const robots = robotsParser(robotsUrl, text);
    const delay = robots.getCrawlDelay(this.productToken);
    return {
      allows: (u) => robots.isAllowed(u, this.productToken) !== false,
      crawlDelayMs: typeof delay === 'number' && delay > 0 ? Math.min(delay, 60) * 1000 : null,
      sitemaps: robots.getSitemaps(),
    };
  }
}

