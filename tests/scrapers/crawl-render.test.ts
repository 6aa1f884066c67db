import { describeEachStore } from '../helpers/stores.js';
import { crawlOnce, itemsOf, keysOf } from './helpers/crawl-run.js';
import { raw, startTestSite, type TestSite } from './helpers/test-site.js';

/** The page is empty HTML until its script builds the content and the links. */
const scripted = (n: number) => `<!DOCTYPE html><html lang="en"><head><title>Shell</title></head><body><div id="app"></div>
<script>
  setTimeout(() => {
    document.title = 'Built ${n}';
    const app = document.getElementById('app');
    app.innerHTML = '<article><h1>Product ${n}</h1><p class="price">${n}.99</p><p>Made in the browser.</p></article>'
      + ${n < 2 ? `'<a href="/js/${n + 1}">next</a>'` : "''"};
    app.setAttribute('data-ready', 'yes');
  }, 50);
</script></body></html>`;

describeEachStore('crawl: rendering in Chromium', (get) => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startTestSite({
      '/robots.txt': raw(200, { 'content-type': 'text/plain' }, 'User-agent: *\nDisallow: /js/private\n'),
      '/js/*': (req, res) => raw(200, { 'content-type': 'text/html; charset=utf-8' }, scripted(Number(req.url?.split('/')[2])))(req, res, 0),
    });
  });
  afterAll(() => site.close());

  test('renders pages built by JavaScript, follows the links they create, and applies the recipe', async () => {
    const { hub } = get();
    const recipe = { rules: [{ fields: { price: '.price' } }] };
    const { run, sourceId } = await crawlOnce(hub, { startUrls: [site.url('/js/0')], render: true, waitFor: '#app[data-ready]', recipe, concurrency: 2 });
    expect(run.status).toBe('succeeded');
    expect(await keysOf(hub, sourceId)).toEqual([0, 1, 2].map((n) => site.url(`/js/${n}`)));
    const [first] = await itemsOf(hub, sourceId);
    expect(first.fields).toMatchObject({ title: 'Built 0', price: '0.99' });
    expect(first.text).toBe('0.99\nMade in the browser.');
  });

  test('without rendering the same page has no content', async () => {
    const { hub } = get();
    const { sourceId } = await crawlOnce(hub, { startUrls: [site.url('/js/0')] });
    const [only] = await itemsOf(hub, sourceId);
    expect(only.fields.title).toBe('Shell');
    expect(await keysOf(hub, sourceId)).toHaveLength(1);
  });
});
