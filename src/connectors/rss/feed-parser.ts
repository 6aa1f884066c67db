import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { RemoteError } from '../../core/errors.js';

export interface FeedEntry {
  /** guid (RSS) or id (Atom), else the link. */
  id: string | undefined;
  link: string | undefined;
  title: string | undefined;
  /** The entry's summary or content as given (often HTML). */
  summary: string | undefined;
  published: string | undefined;
  author: string | undefined;
  categories: string[];
}

export interface Feed {
  format: 'rss' | 'atom' | 'rdf';
  title: string | undefined;
  entries: FeedEntry[];
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  processEntities: true,
  htmlEntities: true,
  isArray: (name) => ['item', 'entry', 'link', 'category'].includes(name),
});

/** Text of a node that may be a string, a number or `{ "#text": … }` with attributes. */
function text(node: unknown): string | undefined {
  if (node === undefined || node === null) return undefined;
  if (typeof node === 'string') return node.trim() || undefined;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  if (Array.isArray(node)) return text(node[0]);
  if (typeof node === 'object') return text((node as Record<string, unknown>)['#text']);
  return undefined;
}

function isoDate(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function rssEntry(item: Record<string, unknown>): FeedEntry {
  const link = text(item.link);
  return {
    id: text(item.guid) ?? link,
    link,
    title: text(item.title),
    summary: text(item['content:encoded']) ?? text(item.description),
    published: isoDate(text(item.pubDate) ?? text(item['dc:date'])),
    author: text(item.author) ?? text(item['dc:creator']),
    categories: ((item.category as unknown[]) ?? []).map(text).filter((c): c is string => c !== undefined),
  };
}

function atomLink(links: unknown): string | undefined {
  const list = (links as Array<Record<string, unknown>> | undefined) ?? [];
  const alternate = list.find((l) => (l['@_rel'] ?? 'alternate') === 'alternate') ?? list[0];
  return alternate ? text(alternate['@_href']) : undefined;
}

function atomEntry(entry: Record<string, unknown>): FeedEntry {
  const link = atomLink(entry.link);
  const author = entry.author as Record<string, unknown> | Array<Record<string, unknown>> | undefined;
  return {
    id: text(entry.id) ?? link,
    link,
    title: text(entry.title),
    summary: text(entry.content) ?? text(entry.summary),
    published: isoDate(text(entry.published) ?? text(entry.updated)),
    author: text(Array.isArray(author) ? author[0]?.name : author?.name),
    categories: ((entry.category as Array<Record<string, unknown>>) ?? []).map((c) => text(c['@_term']) ?? text(c)).filter((c): c is string => c !== undefined),
  };
}

/** Parses RSS 2.0, RSS 1.0 (RDF) and Atom; anything else fails with where the XML broke. */
export function parseFeed(xml: string, where: string): Feed {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new RemoteError(`${where}: not an XML feed (line ${valid.err.line}: ${valid.err.msg})`);
  const doc = parser.parse(xml) as Record<string, Record<string, unknown> | undefined>;
  const rss = doc.rss?.channel as Record<string, unknown> | undefined;
  if (rss) return { format: 'rss', title: text(rss.title), entries: ((rss.item as Array<Record<string, unknown>>) ?? []).map(rssEntry) };
  const atom = doc.feed;
  if (atom) return { format: 'atom', title: text(atom.title), entries: ((atom.entry as Array<Record<string, unknown>>) ?? []).map(atomEntry) };
  const rdf = doc['rdf:RDF'];
  if (rdf) {
    const channel = rdf.channel as Record<string, unknown> | undefined;
    return { format: 'rdf', title: text(channel?.title), entries: ((rdf.item as Array<Record<string, unknown>>) ?? []).map(rssEntry) };
  }
  throw new RemoteError(`${where}: XML, but neither an RSS nor an Atom feed (root element ${Object.keys(doc).filter((k) => !k.startsWith('?'))[0] ?? 'none'})`);
}
