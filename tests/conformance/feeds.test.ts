import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RemoteError } from '../../src/core/errors.js';
import { parseFeedDate } from '../../src/connectors/rss/feed-date.js';
import { parseFeedResponse, type Feed } from '../../src/connectors/rss/feed-parser.js';
import { canonicalJson, newTally, reportTally } from './conformance-tally.js';

const corpus = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/conformance/feeds');

/** feedparser 6's reading of a test feed: its title and its entries that have an id or a link. */
interface FeedExpectation {
  headers: Record<string, string>;
  wellFormed: boolean;
  title: string | null;
  entries: Array<{ key: string; link: string | null; title: string | null; published: string | null }>;
}

const expectations = JSON.parse(fs.readFileSync(path.join(corpus, 'expected.json'), 'utf8')) as Record<string, FeedExpectation>;

/** As feedparser's test server serves each file: from its own address, with its comment's headers. */
function read(name: string, expected: FeedExpectation): Feed {
  const body = fs.readFileSync(path.join(corpus, 'files', name));
  const url = `http://127.0.0.1:8097/tests/${name}`;
  return parseFeedResponse(body, { url, contentType: expected.headers['content-type'] ?? 'application/xml', contentLocation: expected.headers['content-location'] }, name);
}

function plain(html: string | undefined): string | null {
  return html ? html.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim() || null : null;
}

function keyedEntries(feed: Feed) {
  return feed.entries
    .filter((e) => (e.id ?? e.link) !== undefined)
    .map((e) => ({ key: e.id ?? e.link, link: e.link ?? null, title: plain(e.title), published: e.published ?? null }));
}

test('feedparser\'s test feeds read as feedparser reads them (keyed entries, links resolved, dates), or are refused in one line', () => {
  const tally = newTally();
  let keyed = 0;
  let expectedKeyed = 0;
  let refusedKeyed = 0;
  for (const [name, expected] of Object.entries(expectations)) {
    expectedKeyed += expected.entries.length;
    try {
      const feed = read(name, expected);
      const entries = keyedEntries(feed);
      const same = canonicalJson(entries) === canonicalJson(expected.entries) && plain(feed.title) === expected.title;
      if (same) keyed += entries.length;
      (same ? tally.equal : tally.wrong).push(same ? name : `${name}: ${JSON.stringify({ title: feed.title, entries })} vs ${JSON.stringify(expected)}`);
    } catch (err) {
      const clear = err instanceof RemoteError && err.message.startsWith(`${name}: `) && !err.message.includes('\n');
      // A well-formed feed must be read; feedparser's guesses on broken ones may be refused.
      (clear && !expected.wellFormed ? tally.refused : tally.wrong).push(clear && !expected.wellFormed ? name : `${name}: ${String(err)}`);
      if (clear) refusedKeyed += expected.entries.length;
    }
  }
  reportTally('Feeds', tally);
  process.stdout.write(`Feeds: ${keyed} of feedparser's ${expectedKeyed} keyed entries read alike, ${refusedKeyed} in ill-formed feeds refused\n`);
  expect(tally.wrong).toEqual([]);
  expect(keyed).toBe(expectedKeyed - refusedKeyed);
});

test('odd dates read as feedparser reads them, and an unreadable one stays text, never a wrong year', () => {
  const dates = JSON.parse(fs.readFileSync(path.join(corpus, 'dates.json'), 'utf8')) as Array<{ text: string; expected: string | null }>;
  const tally = newTally();
  for (const { text, expected } of dates) {
    const read = parseFeedDate(text) ?? null;
    if (read === expected) tally.equal.push(text);
    else if (read === null) tally.refused.push(text);
    else tally.wrong.push(`${JSON.stringify(text)} → ${read}, expected ${expected}`);
  }
  reportTally('Feed dates', tally, 'kept as text');
  expect(tally.wrong).toEqual([]);
  expect(parseFeedDate('031231')).toBe('2003-12-31T00:00:00.000Z');
  expect(parseFeedDate('03-12-31')).toBe('2003-12-31T00:00:00.000Z');
});

test('a feed in euc-kr, declared only in its XML declaration, reads as Korean text', () => {
  const name = 'encoding/euc-kr.xml';
  expect(read(name, expectations[name]).title).toBe('\ub144');
});

test('an undeclared non-UTF-8 feed is refused with its line, not stored as U+FFFD', () => {
  const name = 'illformed/chardet/shiftjis.xml';
  expect(() => read(name, expectations[name])).toThrow(new RegExp(`^${name}: line \\d+: bytes that are not UTF-8, and the feed names no other encoding$`));
});

test('a relative item link resolves against the Content-Location header, else the feed URL', () => {
  expect(read('wellformed/base/http_item_link_base_content_location.xml', expectations['wellformed/base/http_item_link_base_content_location.xml']).entries[0].link).toBe('http://example.com/relative/uri');
  expect(read('wellformed/base/http_item_link_base_docuri.xml', expectations['wellformed/base/http_item_link_base_docuri.xml']).entries[0].link).toBe('http://127.0.0.1:8097/relative/uri');
});

test('a Shift_JIS feed named by the HTTP charset decodes through iconv-lite', () => {
  const body = Buffer.concat([Buffer.from('<rss version="2.0"><channel><title>'), Buffer.from([0x93, 0xfa, 0x96, 0x7b]), Buffer.from('</title></channel></rss>')]);
  expect(parseFeedResponse(body, { url: 'http://example.org/feed', contentType: 'application/rss+xml; charset=Shift_JIS' }, 'feed').title).toBe('日本');
});
