/**
 * Which URLs a crawl may follow: the start URLs' hosts (unless `allHosts`), then include globs
 * (any one must match when given) and exclude globs (none may match). The start URLs themselves
 * are always crawled: the globs filter the links found.
 *
 * A glob that contains "://" is matched against the whole URL, otherwise against the path and
 * query ("/blog/**"). `**` matches anything, `*` anything but "/", `?` one character.
 */
export class UrlScope {
  private readonly hosts: Set<string>;
  private readonly include: UrlGlob[];
  private readonly exclude: UrlGlob[];

  constructor(opts: { startUrls: string[]; allHosts?: boolean; include?: string[]; exclude?: string[] }) {
    this.hosts = new Set(opts.allHosts ? [] : opts.startUrls.map((u) => new URL(u).host));
    this.include = (opts.include ?? []).map(compileUrlGlob);
    this.exclude = (opts.exclude ?? []).map(compileUrlGlob);
  }

  allows(normalized: string): boolean {
    return this.allowsUrl(new URL(normalized));
  }

  /** The host test alone: where a start URL may redirect. */
  allowsHost(normalized: string): boolean {
    return this.hosts.size === 0 || this.hosts.has(new URL(normalized).host);
  }

  /** The same test on a URL already parsed. */
  allowsUrl(url: URL): boolean {
    if (this.hosts.size > 0 && !this.hosts.has(url.host)) return false;
    if (this.include.length > 0 && !this.include.some((g) => g.matches(url))) return false;
    return !this.exclude.some((g) => g.matches(url));
  }
}

export interface UrlGlob {
  matches(url: URL): boolean;
}

export function compileUrlGlob(glob: string): UrlGlob {
  const re = globToRegExp(glob);
  const whole = glob.includes('://');
  return { matches: (url) => re.test(whole ? url.href : url.pathname + url.search) };
}

export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      out += '.*';
      i++;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '.';
    else out += c.replace(/[.+^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}
