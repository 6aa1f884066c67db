import { describeEachStore } from '../helpers/stores.js';
import { crawlOnce, errorsOf, itemsOf, keysOf } from './helpers/crawl-run.js';
import { links, page, raw, robots, startTestSite, type TestSite } from './helpers/test-site.js';

describeEachStore('crawl: scope, limits and extraction', (get) => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startTestSite({
      '/robots.txt': robots('User-agent: *\nDisallow: /private/\n'),
      '/': page(
        `<nav>${links('/a', '/b')}</nav><main><h1>Home</h1><p>Welcome to the home page of the test site.</p>` +
          `${links('/a#section', '/b', '/private/secret', '/doc.pdf', '/pic.png', 'https://elsewhere.example/x', 'mailto:x@y.z', '/deep/1')}</main>` +
          `<footer>Copyright footer text</footer>`,
        { title: 'Home', head: '<meta name="description" content="The home page"><link rel="canonical" href="/">' },
      ),
      '/a': page(`<article><p>Article A has real content that a reader wants.</p>${links('/', '/b')}</article>`, { title: 'A' }),
      '/b': page('<p>Page B.</p>', { title: 'B' }),
      '/private/secret': page('<p>secret</p>'),
      '/doc.pdf': raw(200, { 'content-type': 'application/pdf' }, '%PDF-1.4'),
      '/pic.png': raw(200, { 'content-type': 'image/png' }, Buffer.alloc(100)),
      '/deep/*': (req, res) => {
        const n = Number(req.url?.split('/')[2]);
        page(`<p>Deep page ${n}.</p>${links(`/deep/${n + 1}`)}`)(req, res, 0);
      },
      '/trap/*': (req, res) => page(`<p>Calendar.</p>${links(`${req.url}/next`, `${req.url}/x`)}`)(req, res, 0),
    });
  });
  afterAll(() => site.close());

  test('stays on the start host, drops fragments and fetches each URL once', async () => {
    const { hub } = get();
    const { run, sourceId } = await crawlOnce(hub, { startUrls: [site.url('/')], maxDepth: 1 });
    expect(run.status).toBe('succeeded');
    expect(await keysOf(hub, sourceId)).toEqual([site.url('/'), site.url('/a'), site.url('/b'), site.url('/deep/1')]);
    expect(site.hits('/a')).toBe(1);
  });

  test('honours robots.txt unless told to ignore it', async () => {
    const { hub } = get();
    const polite = await crawlOnce(hub, { startUrls: [site.url('/')], maxDepth: 1 });
    expect(polite.run.stats.robotsDisallowed).toBe(1);
    expect(await keysOf(hub, polite.sourceId)).not.toContain(site.url('/private/secret'));
    const rude = await crawlOnce(hub, { startUrls: [site.url('/')], maxDepth: 1, respectRobots: false });
    expect(await keysOf(hub, rude.sourceId)).toContain(site.url('/private/secret'));
  });

  test('records other content types as skipped, without items', async () => {
    const { hub } = get();
    const { run, sourceId } = await crawlOnce(hub, { startUrls: [site.url('/')], maxDepth: 1 });
    expect(run.stats.skippedNotHtml).toBe(2);
    expect((await keysOf(hub, sourceId)).some((k) => /pdf|png/.test(k))).toBe(false);
  });

  test('stops at --max-depth, counting the start URL as depth 0', async () => {
    const { hub } = get();
    const { sourceId } = await crawlOnce(hub, { startUrls: [site.url('/deep/0')], maxDepth: 3 });
    expect(await keysOf(hub, sourceId)).toEqual([0, 1, 2, 3].map((n) => site.url(`/deep/${n}`)));
  });

  test('stops at --max-pages', async () => {
    const { hub } = get();
    const { run, sourceId } = await crawlOnce(hub, { startUrls: [site.url('/deep/0')], maxPages: 5, concurrency: 3 });
    expect(run.status).toBe('succeeded');
    expect(await keysOf(hub, sourceId)).toHaveLength(5);
  });

  test('does not fall into a crawler trap of ever-growing URLs', async () => {
    const { hub } = get();
    const { run, sourceId } = await crawlOnce(hub, { startUrls: [site.url('/trap/a')] });
    expect(run.status).toBe('succeeded');
    const keys = await keysOf(hub, sourceId);
    expect(keys.length).toBeLessThan(40);
    expect(keys.every((k) => k.split('/').length < 40)).toBe(true);
  });

  test('follows only URLs matching --include and not --exclude', async () => {
    const { hub } = get();
    const { sourceId } = await crawlOnce(hub, { startUrls: [site.url('/')], include: ['/', '/a', '/deep/**'], exclude: ['/deep/2'] });
    expect(await keysOf(hub, sourceId)).toEqual([site.url('/'), site.url('/a'), site.url('/deep/1')]);
  });

  test('extracts title, description, canonical, language and the main text without boilerplate', async () => {
    const { hub } = get();
    const { run, sourceId } = await crawlOnce(hub, { startUrls: [site.url('/')], maxDepth: 0 });
    expect(await errorsOf(hub, run.id)).toEqual([]);
    const [home] = await itemsOf(hub, sourceId);
    expect(home.fields).toMatchObject({ title: 'Home', description: 'The home page', canonical: site.url('/'), language: 'en', httpStatus: 200, depth: 0 });
    expect(home.text).toContain('Welcome to the home page of the test site.');
    expect(home.text).not.toContain('Copyright footer');
    const blob = await hub.store.blobs.get(home.blob_hash as string);
    expect(blob.toString()).toContain('<title>Home</title>');
  });

  test('keeps no raw HTML when told not to', async () => {
    const { hub } = get();
    const { sourceId } = await crawlOnce(hub, { startUrls: [site.url('/b')], storeRaw: false });
    const [b] = await itemsOf(hub, sourceId);
    expect(b.blob_hash).toBeNull();
    expect(b.text).toBe('Page B.');
  });

  test('applies a declarative recipe to matching pages', async () => {
    const { hub } = get();
    const recipe = {
      rules: [
        { fields: { heading: 'h1', links: { selector: 'main a', attribute: 'href', all: true } } },
        { urls: '/a', text: 'article p', fields: { first: { selector: 'p' } } },
      ],
    };
    const { sourceId } = await crawlOnce(hub, { startUrls: [site.url('/')], maxDepth: 1, include: ['/', '/a'], recipe });
    const [home, a] = await itemsOf(hub, sourceId);
    expect(home.fields.heading).toBe('Home');
    expect(home.fields.links).toContain(site.url('/b'));
    expect(home.fields.first).toBeUndefined();
    expect(a.text).toBe('Article A has real content that a reader wants.');
    expect(a.fields.heading).toBeNull();
  });
});
