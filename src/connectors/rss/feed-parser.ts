import { decodeHTMLStrict } from 'entities';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { RemoteError } from '../../core/errors.js';
import { parseFeedDate } from './feed-date.js';
import { decodeFeed } from './feed-decode.js';
import { withCanonicalNames } from './feed-namespaces.js';

export interface FeedEntry {
  /** guid (RSS) or id (Atom), else the link, else RSS 1.0's `rdf:about`. */
  id: string | undefined;
  /** Resolved against `xml:base` and the feed's URL. */
  link: string | undefined;
  title: string | undefined;
  /** The entry's summary or content as given (often HTML). */
  summary: string | undefined;
  /** ISO-8601 UTC when the date reads, else the date's own text. */
  published: string | undefined;
  author: string | undefined;
  categories: string[];
}

export interface Feed {
  format: 'rss' | 'atom' | 'rdf' | 'cdf';
  title: string | undefined;
  entries: FeedEntry[];
}

type XmlNode = Record<string, unknown>;

const ARRAYS = new Set(['item', 'entry', 'link', 'category', 'ITEM']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  processEntities: true,
  htmlEntities: true,
  isArray: (name) => ARRAYS.has(name.slice(name.indexOf(':') + 1)),
});

/** Text of a node that may be a string, a number or `{ "#text": … }` with attributes. */
function text(node: unknown): string | undefined {
  if (node === undefined || node === null) return undefined;
  if (typeof node === 'string') return node.trim() || undefined;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  if (Array.isArray(node)) return text(node[0]);
  if (typeof node === 'object') return text((node as XmlNode)['#text']);
  return undefined;
}

function attribute(node: unknown, name: string): string | undefined {
  const first = Array.isArray(node) ? (node as unknown[])[0] : node;
  return first !== null && typeof first === 'object' ? text((first as XmlNode)[`@_${name}`]) : undefined;
}

function nodes(value: unknown): XmlNode[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is XmlNode => v !== null && typeof v === 'object');
}

/** `xml:base` of a node, resolved against the base around it. */
function baseOf(node: unknown, outer: string | undefined): string | undefined {
  const own = attribute(node, 'xml:base');
  return own === undefined ? outer : resolve(own, outer);
}

/** A reference resolved against the base; absolute ones are kept exactly as written. */
function resolve(ref: string | undefined, base: string | undefined): string | undefined {
  if (ref === undefined || base === undefined || /^[a-z][a-z0-9+.-]*:/i.test(ref)) return ref;
  try {
    return new URL(ref, base).href;
  } catch (err) {
    if (err instanceof TypeError) return ref;
    throw err;
  }
}

function date(value: string | undefined): string | undefined {
  return value === undefined ? undefined : (parseFeedDate(value) ?? value);
}

function rssEntry(item: XmlNode, outer: string | undefined): FeedEntry {
  const base = baseOf(item, outer);
  const guid = text(item.guid);
  const guidIsLink = guid !== undefined && attribute(item.guid, 'isPermaLink') !== 'false';
  // Some RSS feeds borrow Atom's `<link href>` and `<id>`; feedparser reads them, so do we.
  const link = resolve(text(item.link) ?? attribute(item.link, 'href'), baseOf(item.link, base)) ?? (guidIsLink ? guid : undefined);
  return {
    id: guid ?? text(item.id) ?? link ?? attribute(item, 'rdf:about'),
    link,
    title: text(item.title) ?? text(item['dc:title']),
    summary: text(item['content:encoded']) ?? text(item.description),
    published: date(['pubDate', 'dc:date', 'dcterms:issued', 'dcterms:modified', 'updated'].map((n) => text(item[n])).find((d) => d !== undefined)),
    author: text(item.author) ?? text(item['dc:creator']),
    categories: ((item.category as unknown[]) ?? []).map(text).filter((c): c is string => c !== undefined),
  };
}

/** An Atom element, written `atom:name` under an Atom namespace or plainly in a feed without one. */
function atom(node: XmlNode, name: string): unknown {
  return node[`atom:${name}`] ?? node[name];
}

/** Every element of that name, namespaced or not (a feed may mix `<link>` and `<atom:link>`). */
function atomAll(node: XmlNode, name: string): XmlNode[] {
  return [...nodes(node[name]), ...nodes(node[`atom:${name}`])];
}

/** The entry's alternate link (rel defaults to alternate); its href, or its content in old feeds. */
function atomLink(links: unknown, base: string | undefined): string | undefined {
  const list = nodes(links);
  const alternate = list.find((l) => (text(l['@_rel']) ?? 'alternate') === 'alternate') ?? list[0];
  if (!alternate) return undefined;
  return resolve(text(alternate['@_href']) ?? text(alternate), baseOf(alternate, base));
}

function atomEntry(entry: XmlNode, outer: string | undefined): FeedEntry {
  const base = baseOf(entry, outer);
  const id = resolve(text(atom(entry, 'id')), base);
  // As feedparser does, an entry without a link is linked by its id when that is a web address.
  const link = atomLink(atomAll(entry, 'link'), base) ?? (id !== undefined && /^https?:/i.test(id) ? id : undefined);
  const author = nodes(atom(entry, 'author'))[0];
  const categories = nodes(atom(entry, 'category')).map((c) => text(c['@_term']) ?? text(c));
  return {
    id: id ?? link,
    link,
    title: text(atom(entry, 'title')),
    summary: text(atom(entry, 'content')) ?? text(atom(entry, 'summary')),
    published: date(['published', 'updated', 'issued', 'modified', 'created'].map((n) => text(atom(entry, n))).find((d) => d !== undefined)),
    author: author ? text(atom(author, 'name')) : undefined,
    categories: categories.filter((c): c is string => c !== undefined),
  };
}

/** Microsoft's Channel Definition Format: `<CHANNEL BASE HREF>` holding `<ITEM HREF>`s. */
function cdfFeed(channel: XmlNode, outer: string | undefined): Feed {
  const base = resolve(text(channel['@_BASE']), outer) ?? outer;
  const entries = nodes(channel.ITEM).map((item): FeedEntry => {
    const link = resolve(text(item['@_HREF']), base);
    return { id: link, link, title: text(item.TITLE), summary: text(item.ABSTRACT), published: date(text(item['@_LASTMOD'])), author: undefined, categories: [] };
  });
  return { format: 'cdf', title: text(channel.TITLE), entries };
}

const XML_ENTITIES = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

/**
 * HTML's named entities (`&dagger;`), which feeds use without declaring them, as numeric references
 * the XML parser reads; CDATA sections are left as written.
 */
function withHtmlEntitiesAsNumbers(xml: string): string {
  return xml
    .split(/(<!\[CDATA\[[\s\S]*?\]\]>)/)
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part.replace(/&([A-Za-z][A-Za-z0-9]*);/g, (ref: string, name: string) => {
            if (XML_ENTITIES.has(name)) return ref;
            const decoded = decodeHTMLStrict(ref);
            return decoded === ref ? ref : [...decoded].map((c) => `&#${c.codePointAt(0)};`).join('');
          }),
    )
    .join('');
}

/**
 * Parses RSS 0.9x, 1.0 and 2.0, Atom 0.3 and 1.0 (under any namespace prefix) and CDF; links are
 * resolved against `xml:base` and `url` (the feed's address, or its Content-Location). An `<rss>`
 * without a `<channel>` and RSS 1.0 items outside theirs are read as feed readers read them.
 * Anything else fails with where the XML broke.
 */
export function parseFeed(xml: string, where: string, url?: string): Feed {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new RemoteError(`${where}: not an XML feed (line ${valid.err.line}: ${valid.err.msg})`);
  const doc = withCanonicalNames(parser.parse(withHtmlEntitiesAsNumbers(xml)) as XmlNode);
  if (doc.rss !== undefined) {
    const rss = nodes(doc.rss)[0] ?? {};
    const base = baseOf(rss, url);
    const channel = nodes(rss.channel)[0];
    const channelBase = baseOf(channel, base);
    const items = [...nodes(channel?.item), ...nodes(rss.item)];
    return { format: 'rss', title: text(channel?.title), entries: items.map((i) => rssEntry(i, channelBase)) };
  }
  const feed = nodes(atom(doc, 'feed'))[0];
  if (feed) {
    const base = baseOf(feed, url);
    return { format: 'atom', title: text(atom(feed, 'title')), entries: nodes(atom(feed, 'entry')).map((e) => atomEntry(e, base)) };
  }
  const rdf = nodes(doc['rdf:RDF'])[0];
  if (rdf) {
    const base = baseOf(rdf, url);
    const channel = nodes(rdf.channel)[0];
    const items = [...nodes(rdf.item), ...nodes(channel?.item)];
    return { format: 'rdf', title: text(channel?.title), entries: items.map((i) => rssEntry(i, baseOf(channel, base))) };
  }
  const cdf = nodes(doc.CHANNEL)[0];
  if (cdf) return cdfFeed(cdf, url);
  throw new RemoteError(`${where}: XML, but neither an RSS nor an Atom feed (root element ${Object.keys(doc).filter((k) => !k.startsWith('?'))[0] ?? 'none'})`);
}

/** What an HTTP answer says about the feed it carries. */
export interface FeedResponse {
  /** The address the feed was fetched from. */
  url: string;
  contentType?: string;
  contentLocation?: string;
}

/** A fetched feed: decoded in its declared encoding, its links resolved against where it lives. */
export function parseFeedResponse(body: Buffer, response: FeedResponse, where: string): Feed {
  const base = resolve(response.contentLocation, response.url) ?? response.url;
  return parseFeed(decodeFeed(body, response.contentType, where), where, base);
}
