import { errorMessage } from '../core/errors.js';
import type { HttpFetcher } from './http-fetcher.js';
import { parseRobotsTxt } from './robots-txt.js';

export interface HostRobots {
  allows(url: string): boolean;
  crawlDelayMs: number | null;
  sitemaps: string[];
  /** Why robots.txt could not be read (everything on the host is then refused). */
  unavailable?: string;
}

const ALLOW_ALL: HostRobots = { allows: () => true, crawlDelayMs: null, sitemaps: [] };

/** RFC 9309: crawlers follow at least five consecutive redirects of robots.txt. */
const MAX_REDIRECTS = 5;

/**
 * robots.txt per host, fetched and parsed once per run (RFC 9309): redirects are followed up to
 * five times; 4xx (or more redirects) means no rules; a 5xx or an unreachable host means
 * everything is disallowed, with the reason, until the next run.
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
    let text: string | null;
    try {
      text = await this.fetchRobots(`${origin}/robots.txt`, signal);
    } catch (err) {
      if (signal.aborted) throw err;
      return { allows: () => false, crawlDelayMs: null, sitemaps: [], unavailable: `robots.txt unavailable: ${errorMessage(err)}` };
    }
    if (text === null) return ALLOW_ALL;
    const robots = parseRobotsTxt(text);
    const delay = robots.crawlDelaySeconds(this.productToken);
    return {
      allows: (u) => robots.allows(u, this.productToken),
      crawlDelayMs: delay !== undefined && delay > 0 ? Math.min(delay, 60) * 1000 : null,
      sitemaps: robots.sitemaps,
    };
  }

  private async fetchRobots(url: string, signal: AbortSignal): Promise<string | null> {
    let target = url;
    for (let redirects = 0; ; redirects++) {
      const answer = await this.fetcher.fetchText(target, signal);
      if (answer.location === undefined || redirects === MAX_REDIRECTS) return answer.text;
      target = new URL(answer.location, target).href;
    }
  }
}
