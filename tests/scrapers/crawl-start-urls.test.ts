import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';
import { describeEachStore, tempDir } from '../helpers/stores.js';
import { crawlOnce, keysOf } from './helpers/crawl-run.js';
import { links, page, raw, robots, startTestSite, type TestSite } from './helpers/test-site.js';

/** Start URLs are always crawled: --include/--exclude filter the links found, never the start. */
describeEachStore('crawl: start URLs and include patterns', (get) => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startTestSite({
      '/robots.txt': robots('User-agent: *\nDisallow: /closed/\n'),
      '/': page(`<h1>Shop</h1><p>Welcome to the shop.</p>${links('/products/1', '/products/2', '/about', '/products/1/reviews')}`, { title: 'Shop' }),
      '/products/1': page('<p>A blue teapot for four cups.</p>', { title: 'Teapot' }),
      '/products/2': page('<p>A set of six cups.</p>', { title: 'Cups' }),
      '/products/1/reviews': page('<p>Reviews of the teapot.</p>'),
      '/about': page('<p>About the shop.</p>'),
      '/start': raw(301, { location: '/' }, ''),
      '/closed/': page(`<p>Closed.</p>${links('/products/1')}`),
      '/file.pdf': raw(200, { 'content-type': 'application/pdf' }, '%PDF-1.4'),
    });
  });
  afterAll(() => site.close());

  test('a start URL that misses --include is still fetched, and its matching links are followed (the README recipe)', async () => {
    const { hub } = get();
    const { run, sourceId } = await crawlOnce(hub, { startUrls: [site.url('/')], include: ['/products/**'], exclude: ['/products/*/reviews'] });

    expect(run.status).toBe('succeeded');
    expect(await keysOf(hub, sourceId)).toEqual([site.url('/'), site.url('/products/1'), site.url('/products/2')]);
  });

  test('a start URL may redirect to a page the include pattern does not match', async () => {
    const { hub } = get();
    const { run, sourceId } = await crawlOnce(hub, { startUrls: [site.url('/start')], include: ['/products/**'] });

    expect(run.status).toBe('succeeded');
    expect(await keysOf(hub, sourceId)).toEqual([site.url('/'), site.url('/products/1'), site.url('/products/1/reviews'), site.url('/products/2')]);
  });

  test('a crawl that stores no page fails and says why', async () => {
    const { hub } = get();
    const disallowed = await crawlOnce(hub, { startUrls: [site.url('/closed/')] });
    const notHtml = await crawlOnce(hub, { startUrls: [site.url('/file.pdf')] });

    expect(disallowed.run.status).toBe('failed');
    expect(disallowed.run.error).toBe(`no page was stored: ${site.url('/closed/')}: disallowed by robots.txt`);
    expect(notHtml.run.status).toBe('failed');
    expect(notHtml.run.error).toBe(`no page was stored: ${site.url('/file.pdf')}: not HTML (application/pdf)`);
  });
});

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The README's shop crawl, pasted: its recipe and flags against a local shop. */
describe('crawl: the README shop recipe through the CLI', () => {
  let site: TestSite;
  const product = (n: number) =>
    page(`<div class="description">Teapot number ${n}, glazed.</div><span class="price">${n}9.00</span><div data-sku="SKU-${n}"></div>` +
      `<div class="gallery"><img src="/img/${n}a.jpg"><img src="/img/${n}b.jpg"></div>${links(`/products/${n}/reviews`)}`, { title: `Teapot ${n}` });
  beforeAll(async () => {
    site = await startTestSite({
      '/': page(`<h1>Shop</h1>${links('/products/1', '/products/2', '/about')}`),
      '/products/1': product(1),
      '/products/2': product(2),
      '/products/1/reviews': page('<p>Great.</p>'),
      '/products/2/reviews': page('<p>Fine.</p>'),
      '/about': page('<p>About.</p>'),
    });
  });
  afterAll(() => site.close());

  function readmeRecipe(): string {
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const block = readme.split('```json').map((b) => b.split('```')[0]).find((b) => b.includes('"rules"'));
    if (!block) throw new Error('README has no recipe block');
    return block;
  }

  test('collects the start page and every product, with the recipe fields, and no reviews', async () => {
    const dir = tempDir('trove-shop-');
    const recipe = path.join(dir, 'shop-recipe.json');
    fs.writeFileSync(recipe, readmeRecipe());
    const env = { TROVE_DATA_DIR: undefined, DATABASE_URL: undefined };
    const crawl = await runCli(['crawl', site.url('/'), '--source', 'shop', '--recipe', recipe, '--include', '/products/**', '--exclude', '/products/*/reviews', '--delay', '500', '--data-dir', dir, '--json'], { env });
    const items = await runCli(['items', 'export', '--source', 'shop', '--data-dir', dir], { env });
    const byKey = new Map(items.stdout.trim().split('\n').map((l) => JSON.parse(l) as { key: string; text: string; fields: Record<string, unknown> }).map((i) => [i.key, i]));

    expect(crawl.code).toBe(0);
    expect(JSON.parse(crawl.stdout)).toMatchObject({ status: 'succeeded', inserted: 3 });
    expect([...byKey.keys()].sort()).toEqual([site.url('/'), site.url('/products/1'), site.url('/products/2')]);
    expect(byKey.get(site.url('/products/2'))).toMatchObject({
      text: 'Teapot number 2, glazed.',
      fields: { price: '29.00', sku: 'SKU-2', images: [site.url('/img/2a.jpg'), site.url('/img/2b.jpg')] },
    });
  });
});
