import { describeEachStore } from '../helpers/stores.js';
import { crawlOnce, keysOf } from './helpers/crawl-run.js';
import { links, page, raw, robots, startTestSite, type TestSite } from './helpers/test-site.js';

describeEachStore('crawl: a robots.txt that redirects', (get) => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startTestSite({
      '/robots.txt': raw(301, { location: '/moved/robots.txt' }),
      '/moved/robots.txt': raw(302, { location: '/final/robots.txt' }),
      '/final/robots.txt': robots('User-agent: *\nDisallow: /private/*\n'),
      '/': page(`<p>Home page with links.</p>${links('/public', '/private/secret')}`),
      '/public': page('<p>Public page.</p>'),
      '/private/secret': page('<p>Secret page.</p>'),
    });
  });
  afterAll(() => site.close());

  test('is followed to its rules (RFC 9309), so its disallow holds', async () => {
    const { hub } = get();
    const { run, sourceId } = await crawlOnce(hub, { startUrls: [site.url('/')], maxDepth: 1 });
    expect(run.stats.robotsDisallowed).toBe(1);
    expect(await keysOf(hub, sourceId)).toEqual([site.url('/'), site.url('/public')]);
    expect(site.hits('/private/secret')).toBe(0);
  });
});
