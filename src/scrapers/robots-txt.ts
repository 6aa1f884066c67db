/**
 * robots.txt as RFC 9309 and Google's parser (google/robotstxt) read it: groups of user-agent
 * lines with their allow/disallow rules, the longest matching rule winning (allow on a tie), `*`
 * and a trailing `$` in patterns. Parsed once per host; a check is a few prefix or pattern tests.
 */
export interface RobotsTxt {
  /** Whether `url` (as fetched: its path and query, percent-encoded) may be crawled by `productToken`. */
  allows(url: string, productToken: string): boolean;
  crawlDelaySeconds(productToken: string): number | undefined;
  sitemaps: string[];
}

interface Rule {
  allow: boolean;
  /** The pattern's length: the longer match wins. */
  priority: number;
  matches: (path: string) => boolean;
}

interface Group {
  /** Lower-cased product tokens; `*` is the group for every other crawler. */
  agents: string[];
  rules: Rule[];
  crawlDelay?: number;
}

/** Google reads at most this many bytes of a line and drops the rest. */
const MAX_LINE_LENGTH = 2083 * 8 - 1;

type Directive = 'user-agent' | 'allow' | 'disallow' | 'sitemap' | 'crawl-delay';

/** Keys as Google reads them: by prefix, with the typos it accepts. */
function directive(key: string): Directive | undefined {
  const k = key.toLowerCase();
  if (k.startsWith('user-agent') || k.startsWith('useragent') || k.startsWith('user agent')) return 'user-agent';
  if (k.startsWith('allow')) return 'allow';
  if (['disallow', 'dissallow', 'dissalow', 'disalow', 'diasllow', 'disallaw'].some((d) => k.startsWith(d))) return 'disallow';
  if (k.startsWith('sitemap') || k.startsWith('site-map')) return 'sitemap';
  if (k.startsWith('crawl-delay') || k.startsWith('crawldelay')) return 'crawl-delay';
  return undefined;
}

/** `key: value`, or `key value` when the line is exactly two words (a forgotten colon). */
function keyAndValue(line: string): [string, string] | undefined {
  const colon = line.indexOf(':');
  if (colon >= 0) return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
  const words = line.split(/[ \t]+/);
  return words.length === 2 ? [words[0], words[1]] : undefined;
}

/** A user-agent line names the product token it starts with: `FOO BAR` and `Foo/1.0` name `foo`. */
function productOf(value: string): string {
  if (value.startsWith('*') && (value.length === 1 || /^\*\s/.test(value))) return '*';
  return /^[A-Za-z_-]*/.exec(value)![0].toLowerCase();
}

/**
 * Escapes compare case-insensitively, and `%7E` as `~` (RFC 9309's example), as `~` is the one
 * unreserved character encoders still escape. Other escapes compare as written, as Google's parser
 * does.
 */
function normalisedEscapes(text: string): string {
  return text.replace(/%[0-9a-f]{2}/gi, (e) => e.toUpperCase()).replace(/%7E/g, '~');
}

/** A pattern's non-ASCII characters are encoded as UTF-8, as they are in the URLs it is matched with. */
function encodedPattern(text: string): string {
  let out = '';
  for (const ch of text) {
    out += ch.charCodeAt(0) < 0x80 ? ch : [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return normalisedEscapes(out);
}

function matcher(pattern: string): (path: string) => boolean {
  if (!pattern.includes('*') && !pattern.endsWith('$')) return (path) => path.startsWith(pattern);
  const anchored = pattern.endsWith('$');
  const body = anchored ? pattern.slice(0, -1) : pattern;
  const source = body.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  const re = new RegExp(`^${source}${anchored ? '$' : ''}`, 's');
  return (path) => re.test(path);
}

function rule(allow: boolean, value: string): Rule {
  const pattern = encodedPattern(value);
  return { allow, priority: pattern.length, matches: matcher(pattern) };
}

/** Google reads `allow: /dir/index.html` as also allowing `/dir/`. */
function allowRules(value: string): Rule[] {
  const index = /^(.*\/)index\.html?$/.exec(value);
  return index ? [rule(true, value), rule(true, `${index[1]}$`)] : [rule(true, value)];
}

export function parseRobotsTxt(text: string): RobotsTxt {
  const groups: Group[] = [];
  const sitemaps: string[] = [];
  let current: Group | undefined;
  let rulesSeen = false;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (const rawLine of body.split(/\r\n|\r|\n/)) {
    const line = rawLine.slice(0, MAX_LINE_LENGTH).replace(/#.*$/, '').trim();
    const pair = line ? keyAndValue(line) : undefined;
    const kind = pair ? directive(pair[0]) : undefined;
    if (!pair || !kind) continue;
    const value = pair[1];
    if (kind === 'sitemap') {
      if (value) sitemaps.push(value);
    } else if (kind === 'user-agent') {
      // User-agent lines in a row share one group; one after a rule starts the next.
      if (!current || rulesSeen) {
        current = { agents: [], rules: [] };
        groups.push(current);
        rulesSeen = false;
      }
      current.agents.push(productOf(value));
    } else if (current) {
      if (kind === 'crawl-delay') {
        const seconds = Number(value);
        if (Number.isFinite(seconds) && seconds >= 0) current.crawlDelay = seconds;
      } else {
        rulesSeen = true;
        if (value) current.rules.push(...(kind === 'allow' ? allowRules(value) : [rule(false, value)]));
      }
    }
  }
  return robotsTxt(groups, sitemaps);
}

/** The groups that speak to a crawler: those naming it, else the `*` groups. */
function groupsFor(groups: Group[], productToken: string): Group[] {
  const token = productToken.toLowerCase();
  const own = token && /^[a-z_-]+$/.test(token) ? groups.filter((g) => g.agents.includes(token)) : [];
  return own.length > 0 ? own : groups.filter((g) => g.agents.includes('*'));
}

/** The path, parameters and query of a URL as written (no fragment), `/` when empty; Google's reading. */
function pathOf(url: string): string {
  const searchStart = url.startsWith('//') ? 2 : 0;
  const earlyPath = firstOf(url, '/?;', searchStart);
  let protocolEnd = url.indexOf('://', searchStart);
  protocolEnd = protocolEnd < 0 || earlyPath < protocolEnd ? searchStart : protocolEnd + 3;
  const pathStart = firstOf(url, '/?;', protocolEnd);
  if (pathStart === Infinity) return '/';
  const hash = url.indexOf('#', searchStart);
  if (hash >= 0 && hash < pathStart) return '/';
  const path = url.slice(pathStart, hash < 0 ? url.length : hash);
  return path.startsWith('/') ? path : `/${path}`;
}

function firstOf(text: string, chars: string, from: number): number {
  for (let i = from; i < text.length; i++) if (chars.includes(text[i])) return i;
  return Infinity;
}

function robotsTxt(groups: Group[], sitemaps: string[]): RobotsTxt {
  const byToken = new Map<string, Group[]>();
  const groupsOf = (productToken: string): Group[] => {
    let found = byToken.get(productToken);
    if (!found) {
      found = groupsFor(groups, productToken);
      byToken.set(productToken, found);
    }
    return found;
  };
  return {
    sitemaps,
    allows(url, productToken) {
      const path = normalisedEscapes(pathOf(url));
      let best: Rule | undefined;
      for (const group of groupsOf(productToken)) {
        for (const r of group.rules) {
          if (best && (r.priority < best.priority || (r.priority === best.priority && !r.allow))) continue;
          if (r.matches(path)) best = r;
        }
      }
      return best === undefined || best.allow;
    },
    crawlDelaySeconds(productToken) {
      return groupsOf(productToken).find((g) => g.crawlDelay !== undefined)?.crawlDelay;
    },
  };
}
