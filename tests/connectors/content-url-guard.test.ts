import { isInternalAddress } from '../../src/connectors/http/address-guard.js';
import { listRunErrors } from '../../src/core/runs.js';
import { streamItems } from '../../src/core/items.js';
import { createSource } from '../../src/core/sources.js';
import { runSource } from '../../src/hub.js';
import { describeEachStore } from '../helpers/stores.js';
import { startFake, type FakeServer } from './helpers/http-fake.js';

describe('the address guard', () => {
  test.each(['127.0.0.1', '10.1.2.3', '169.254.169.254', '::1', '::ffff:127.0.0.1', '::7f00:1', '64:ff9b::7f00:1', '2002:7f00:1::1', 'fd00::1', 'fe80::1'])(
    '%s is internal',
    (address) => expect(isInternalAddress(address)).toBe(true),
  );

  test.each(['93.184.215.14', '2606:4700::1111'])('%s is public', (address) => expect(isInternalAddress(address)).toBe(false));
});

// The "internal service": on loopback, reached by the name localhost, a host no config names.
let internal: FakeServer;
let site: FakeServer;
beforeAll(async () => {
  internal = await startFake((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html><head><title>internal</title></head><body><main><p>INTERNAL SECRET PAGE with enough words to be the main text of the page.</p></main></body></html>');
  });
  const internalByName = internal.base.replace('127.0.0.1', 'localhost');
  site = await startFake((_req, res, url) => {
    if (url.pathname === '/feed.xml') {
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      return res.end(`<?xml version="1.0"?><rss version="2.0"><channel><title>f</title>
        <item><guid>a</guid><title>to localhost</title><description>summary a</description><link>${internalByName}/secret</link></item>
        <item><guid>b</guid><title>to a mapped address</title><description>summary b</description><link>http://[::ffff:127.0.0.1]:${new URL(internal.base).port}/secret</link></item>
      </channel></rss>`);
    }
    if (url.pathname === '/robots.txt') {
      res.writeHead(404);
      return res.end();
    }
    if (url.pathname === '/moved') {
      res.writeHead(302, { location: `${internalByName}/secret` });
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<html><body><main><p>The start page, chosen by the user.</p><a href="${internalByName}/secret">inside</a><a href="/moved">moved</a></main></body></html>`);
  });
});
afterAll(async () => {
  await internal.close();
  await site.close();
});

describeEachStore('content-supplied URLs', (get) => {
  let seq = 0;
  async function run(kind: string, config: Record<string, unknown>) {
    const { hub } = get();
    const name = `guard-${kind}-${++seq}`;
    await createSource(hub.store.db, { name, kind, config: hub.kinds.parseConfig(kind, { kind, ...config }) as Record<string, unknown> });
    const result = await runSource(hub, name);
    const items = [];
    for await (const item of streamItems(hub.store.db, { sourceId: result.sourceId })) items.push(item);
    return { run: result, items, errors: await listRunErrors(hub.store.db, result.id) };
  }

  test("a feed's links to internal hosts are not fetched: the entries keep their summaries", async () => {
    const { run: result, items, errors } = await run('rss', { url: `${site.base}/feed.xml`, fetchArticles: true, articlesPerSecond: 10 });

    expect(result.status).toBe('succeeded');
    expect(items.map((i) => i.text)).toEqual([expect.stringContaining('summary a'), expect.stringContaining('summary b')]);
    expect(JSON.stringify(items)).not.toContain('INTERNAL SECRET');
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/localhost is an internal address/), expect.stringMatching(/is an internal address/)]);
  });

  test('a crawl with allHosts does not follow links or redirects into internal hosts; the start page is crawled', async () => {
    const { items, errors } = await run('crawl', { startUrls: [`${site.base}/`], allHosts: true, maxPages: 10, respectRobots: false, analyzerThreads: 0 });

    expect(items.map((i) => i.key)).toEqual([`${site.base}/`]);
    expect(JSON.stringify(items)).not.toContain('INTERNAL SECRET');
    expect(errors.map((e) => e.message).join('\n')).toMatch(/localhost is an internal address/);
  });

  test('TROVE_ALLOW_PRIVATE_NETWORKS=1 lets the operator reach them', async () => {
    process.env.TROVE_ALLOW_PRIVATE_NETWORKS = '1';
    try {
      const { items } = await run('rss', { url: `${site.base}/feed.xml`, fetchArticles: true, articlesPerSecond: 10 });

      expect(items.map((i) => i.text)).toEqual([expect.stringContaining('INTERNAL SECRET'), expect.stringContaining('INTERNAL SECRET')]);
    } finally {
      delete process.env.TROVE_ALLOW_PRIVATE_NETWORKS;
    }
  });
});
