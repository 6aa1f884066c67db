import { brotliCompressSync, gzipSync } from 'node:zlib';
import { describeEachStore } from '../helpers/stores.js';
import { crawlOnce, errorsOf, itemsOf, keysOf } from './helpers/crawl-run.js';
import { links, page, raw, startTestSite, type TestSite } from './helpers/test-site.js';

const latin1Page = Buffer.from('<html><head><title>Caf\xe9</title></head><body><p>Cr\xe8me br\xfbl\xe9e \x93quoted\x94</p></body></html>', 'latin1');

describeEachStore('crawl: faults', (get) => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startTestSite({
      '/': page(links('/moved', '/loop-a', '/chain/0', '/flaky', '/throttled', '/broken', '/missing', '/huge', '/small')),
      '/moved': raw(301, { location: '/target' }),
      '/target': page('<p>Arrived.</p>', { title: 'Target' }),
      '/loop-a': raw(302, { location: '/loop-b' }),
      '/loop-b': raw(302, { location: '/loop-a' }),
      '/chain/*': (req, res) => raw(302, { location: `/chain/${Number(req.url?.split('/')[2]) + 1}` })(req, res, 0),
      '/flaky': (req, res, hit) => (hit < 3 ? raw(503, { 'content-type': 'text/plain' }, 'busy') : page('<p>Finally.</p>'))(req, res, hit),
      '/flaky2': (req, res, hit) => (hit < 3 ? raw(503, { 'content-type': 'text/plain' }, 'busy') : page('<p>Finally.</p>'))(req, res, hit),
      '/throttled2': (req, res, hit) => (hit < 2 ? raw(429, { 'retry-after': '1' }) : page('<p>Thanks for waiting.</p>'))(req, res, hit),
      '/throttled': (req, res, hit) => (hit < 2 ? raw(429, { 'retry-after': '1' }) : page('<p>Thanks for waiting.</p>'))(req, res, hit),
      '/broken': raw(500, {}),
      '/missing': raw(404, {}),
      '/huge': raw(200, { 'content-type': 'text/html' }, `<p>${'x'.repeat(300_000)}</p>`),
      '/small': page('<p>Small is fine.</p>'),
      '/latin1': raw(200, { 'content-type': 'text/html; charset=windows-1252' }, latin1Page),
      '/meta-charset': raw(200, { 'content-type': 'text/html' }, Buffer.concat([Buffer.from('<meta charset="iso-8859-1">'), latin1Page])),
      '/gzip': raw(200, { 'content-type': 'text/html; charset=utf-8', 'content-encoding': 'gzip' }, gzipSync('<title>Zipped</title><p>Gzip body é</p>')),
      '/br': raw(200, { 'content-type': 'text/html; charset=utf-8', 'content-encoding': 'br' }, brotliCompressSync('<title>Brotli</title><p>Brotli body</p>')),
      '/bomb': raw(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' }, gzipSync(Buffer.alloc(5_000_000, 0x20))),
      // A byte every 50 ms: never idle long enough for a body timeout, yet slower in all than the deadline.
      '/drip': (req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        let sent = 0;
        const timer = setInterval(() => {
          if (++sent === 20 || res.destroyed) {
            clearInterval(timer);
            res.end('</p>');
          } else res.write('<p>.');
        }, 50);
      },
    });
  });
  afterAll(() => site.close());

  test('one bad page never stops a crawl: each failure is listed on the run', async () => {
    const { hub } = get();
    const { run, sourceId } = await crawlOnce(hub, { startUrls: [site.url('/')], maxDepth: 1, maxBytes: 100_000, maxRetries: 2, maxRedirects: 5 });
    expect(run.status).toBe('succeeded');
    const keys = await keysOf(hub, sourceId);
    expect(keys).toEqual(expect.arrayContaining([site.url('/'), site.url('/target'), site.url('/flaky'), site.url('/throttled'), site.url('/small')]));
    const errors = await errorsOf(hub, run.id);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/\/loop-a: redirect loop: .*loop-a → .*loop-b → .*loop-a/),
        expect.stringMatching(/\/chain\/0: more than 5 redirects/),
        expect.stringMatching(/\/broken: HTTP 500 \(after 3 attempts\)/),
        expect.stringMatching(/\/missing: HTTP 404$/),
        expect.stringMatching(/\/huge: body is over the 100000-byte cap/),
      ]),
    );
    expect(run.failed).toBe(errors.length);
  });

  test('stores a redirected page under the URL it ended on', async () => {
    const { hub } = get();
    const { sourceId } = await crawlOnce(hub, { startUrls: [site.url('/moved')] });
    const [item] = await itemsOf(hub, sourceId);
    expect(item.key).toBe(site.url('/target'));
    expect(item.fields).toMatchObject({ title: 'Target', requestedUrl: site.url('/moved') });
  });

  test('retries 5xx answers with backoff, then stores the page once', async () => {
    const { hub } = get();
    const { run, sourceId } = await crawlOnce(hub, { startUrls: [site.url('/flaky2')] });
    expect(await keysOf(hub, sourceId)).toEqual([site.url('/flaky2')]);
    expect(site.hits('/flaky2')).toBe(3);
    expect(run.stats.retries).toBe(2);
    expect(run.failed).toBe(0);
  });

  test('waits as long as Retry-After asks after a 429', async () => {
    const { hub } = get();
    const { run, sourceId } = await crawlOnce(hub, { startUrls: [site.url('/throttled2')], retryMaxMs: 5000 });
    expect(await keysOf(hub, sourceId)).toEqual([site.url('/throttled2')]);
    const frontier = await hub.store.db('crawl_frontier').where({ source_id: sourceId, url: site.url('/throttled2') }).first();
    expect(Date.parse(frontier.finished_at) - Date.parse(frontier.discovered_at)).toBeGreaterThanOrEqual(1000);
    expect(frontier).toMatchObject({ status: 'done', attempts: 2 });
    expect(run.stats.retries).toBe(1);
  });

  test('decodes windows-1252 from the header and iso-8859-1 from <meta>', async () => {
    const { hub } = get();
    const header = await crawlOnce(hub, { startUrls: [site.url('/latin1')] });
    const [a] = await itemsOf(hub, header.sourceId);
    expect(a.fields.title).toBe('Café');
    expect(a.text).toBe('Crème brûlée \u201cquoted\u201d');
    const meta = await crawlOnce(hub, { startUrls: [site.url('/meta-charset')] });
    const [b] = await itemsOf(hub, meta.sourceId);
    expect(b.text).toContain('Crème brûlée');
  });

  test('unpacks gzip and brotli bodies, and caps what an unpacked body may grow to', async () => {
    const { hub } = get();
    const gz = await crawlOnce(hub, { startUrls: [site.url('/gzip')] });
    expect((await itemsOf(hub, gz.sourceId))[0].text).toBe('Gzip body é');
    const br = await crawlOnce(hub, { startUrls: [site.url('/br')] });
    expect((await itemsOf(hub, br.sourceId))[0].fields.title).toBe('Brotli');
    const bomb = await crawlOnce(hub, { startUrls: [site.url('/bomb')], maxBytes: 1_000_000 });
    expect(bomb.run.status).toBe('failed');
    expect(await errorsOf(hub, bomb.run.id)).toEqual([expect.stringMatching(/over the 1000000-byte cap/)]);
  });

  test('a page that takes longer in all than timeoutMs fails as timed out, however steadily it trickles', async () => {
    const { hub } = get();
    const { run } = await crawlOnce(hub, { startUrls: [site.url('/drip')], timeoutMs: 300, maxRetries: 0 });
    expect(run.status).toBe('failed');
    expect(await errorsOf(hub, run.id)).toEqual([expect.stringMatching(/\/drip: .*timed out \(127\.0\.0\.1:\d+\) \(after 1 attempts\)/)]);
  });

  test('an unreachable host fails the run with the reason', async () => {
    const { hub } = get();
    const { run } = await crawlOnce(hub, { startUrls: ['http://127.0.0.1:9/'], maxRetries: 1 });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/ECONNREFUSED/);
  });
});
