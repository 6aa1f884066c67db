import { streamItems, type Item } from '../../src/core/items.js';
import { createSource } from '../../src/core/sources.js';
import { runSource } from '../../src/hub.js';
import { describeEachStore } from '../helpers/stores.js';
import { startFake, type FakeServer } from './helpers/http-fake.js';

let fake: FakeServer;
const rss = (base: string) => `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel>
    <title>Example News</title>
    <link>${base}/</link>
    <item>
      <title>First &amp; foremost</title>
      <link>${base}/article/1</link>
      <guid isPermaLink="false">urn:news:1</guid>
      <description><![CDATA[<p>Short <b>summary</b> one.</p><script>alert(1)</script>]]></description>
      <pubDate>Tue, 10 Jun 2025 04:00:00 GMT</pubDate>
      <category>science</category>
    </item>
    <item>
      <title>Second</title>
      <link>${base}/private/2</link>
      <description>Summary two.</description>
    </item>
  </channel>
</rss>`;
const atom = (base: string) => `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Example Atom</title>
  <entry>
    <title type="text">Atom entry</title>
    <link rel="alternate" href="${base}/article/1"/>
    <link rel="self" href="${base}/entries/1.atom"/>
    <id>tag:example.org,2025:1</id>
    <updated>2025-06-10T04:00:00Z</updated>
    <author><name>Ada</name></author>
    <category term="ml"/>
    <summary>An atom summary.</summary>
  </entry>
</feed>`;
const ARTICLE = `<html><head><title>Article one</title></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a></nav>
<article><h1>Article one</h1><p>The full text of the first article, long enough to be the main text of the page.</p>
<p>A second paragraph with more words in it, so the extractor keeps it.</p></article>
<footer>Copyright footer</footer></body></html>`;

beforeAll(async () => {
  fake = await startFake((req, res, url) => {
    const send = (type: string, body: string, status = 200) => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (url.pathname === '/feed.xml') return send('application/rss+xml', rss(fake.base));
    if (url.pathname === '/atom.xml') return send('application/atom+xml', atom(fake.base));
    if (url.pathname === '/robots.txt') return send('text/plain', 'User-agent: *\nDisallow: /private/\n');
    if (url.pathname === '/article/1') return send('text/html; charset=utf-8', ARTICLE);
    if (url.pathname === '/not-a-feed') return send('text/plain', 'this is not xml at all <<<');
    send('text/plain', 'not found', 404);
  });
});
afterAll(async () => {
  await fake.close();
});

describeEachStore('rss collector', (get) => {
  let seq = 0;
  async function collect(config: Record<string, unknown>) {
    const { hub } = get();
    const name = `rss-${++seq}`;
    const parsed = hub.kinds.parseConfig('rss', { kind: 'rss', ...config }) as Record<string, unknown>;
    const source = await createSource(hub.store.db, { name, kind: 'rss', config: parsed });
    const run = await runSource(hub, name);
    const items: Item[] = [];
    for await (const item of streamItems(hub.store.db, { sourceId: source.id })) items.push(item);
    return { run, items };
  }

  test('RSS 2.0 items are keyed by guid, else link, with the summary as plain text', async () => {
    const { run, items } = await collect({ url: `${fake.base}/feed.xml` });
    expect(run).toMatchObject({ status: 'succeeded', inserted: 2 });
    expect(items[0]).toMatchObject({
      key: 'urn:news:1',
      url: `${fake.base}/article/1`,
      text: 'First & foremost\n\nShort summary one.',
      fields: { title: 'First & foremost', published: '2025-06-10T04:00:00.000Z', categories: ['science'], feed: 'Example News' },
    });
    expect(items[0].text).not.toContain('alert');
    expect(items[1].key).toBe(`${fake.base}/private/2`);
  });

  test('Atom entries are keyed by id and link to their alternate page', async () => {
    const { items } = await collect({ url: `${fake.base}/atom.xml` });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      key: 'tag:example.org,2025:1',
      url: `${fake.base}/article/1`,
      fields: { author: 'Ada', categories: ['ml'], published: '2025-06-10T04:00:00.000Z' },
    });
  });

  test('with fetchArticles, the main text of each linked article replaces the summary, robots.txt obeyed', async () => {
    const { run, items } = await collect({ url: `${fake.base}/feed.xml`, fetchArticles: true, articlesPerSecond: 10 });
    expect(run.stats).toEqual({ 'articles.fetched': 1, 'articles.refused': 1 });
    expect(items[0].text).toContain('The full text of the first article');
    expect(items[0].text).not.toContain('Copyright footer');
    expect(items[1].text).toBe('Second\n\nSummary two.');
  });

  test('a feed that is not XML fails the run with one line', async () => {
    const { run } = await collect({ url: `${fake.base}/not-a-feed` });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(new RegExp(`^${fake.base}/not-a-feed: not an XML feed \\(line \\d+: .+\\)$`));
  });
});
