import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server/serve.js';
import { hubDispatcher } from '../../src/jobs/dispatcher.js';
import { describeEachStore } from '../helpers/stores.js';
import { addUser, launchBrowser, logIn, serve } from '../web/browser-hub.js';

/** A tiny site: a home page linking to a hostile page and to a missing one. */
const PAGES: Record<string, string> = {
  '/': '<main><h1>Home</h1><p>Welcome home.</p><a href="/hostile">hostile</a> <a href="/missing">missing</a></main>',
  '/hostile': '<main><h1>Hostile</h1><p>Before &lt;img src=x onerror="window.pwned=1"&gt; after.</p><script>window.pwned = 2</script><img src="x" onerror="window.pwned=3"></main>',
};

let browser: Browser;
let site: http.Server;
let origin: string;
beforeAll(async () => {
  browser = await launchBrowser();
  site = http.createServer((req, res) => {
    const body = PAGES[req.url ?? '/'];
    if (!body) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!DOCTYPE html><html><head><title>${req.url}</title></head><body>${body}</body></html>`);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await browser?.close();
  site.closeAllConnections();
  await new Promise((resolve) => site.close(resolve));
});

describeEachStore('sources in the web UI', (get) => {
  let server: RunningServer;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    await addUser(get().hub, 'chief', 'manager');
    server = await serve(get().hub);
    page = await (await browser.newContext()).newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
    });
    await logIn(page, server.url, 'chief', '/sources.html');
  });
  afterAll(async () => {
    await hubDispatcher(get().hub).idle();
    await page?.context().close();
    await server?.close();
  });

  test('a manager adds a crawl source with a schedule, runs it, watches the run end with its per-page error, and browses its items as text', async () => {
    await page.goto(`${server.url}/sources.html`);
    await page.locator('nav a', { hasText: 'Sources' }).waitFor();
    await page.fill('form.source-form input[placeholder="my-source"]', 'ui-crawl');
    await page.fill('form.source-form input[placeholder^="e.g. 0 3"]', '0 4 * * *');
    await page.fill('form.source-form textarea[placeholder="https://example.org/"]', `${origin}/`);
    await page.uncheck('form.source-form label:has-text("Honour robots.txt") input');
    await Promise.all([page.waitForURL((u) => u.searchParams.get('name') === 'ui-crawl'), page.click('form.source-form button[type=submit]')]);
    expect(await page.locator('input[aria-label="cron schedule (UTC)"]').inputValue()).toBe('0 4 * * *');

    await Promise.all([page.waitForURL((u) => u.searchParams.has('run')), page.click('button:has-text("Run now")')]);
    await page.locator('h1 .status-succeeded').waitFor({ timeout: 30_000 });
    await page.locator('td', { hasText: `${origin}/missing` }).waitFor();
    expect(await page.locator('td', { hasText: 'HTTP 404' }).count()).toBe(1);
    const cards = await page.locator('.cards .card .muted').allTextContents();
    expect(cards).not.toContain('queued');
    expect(cards).not.toContain('rate /s');
    expect(await page.locator('p.muted', { hasText: 'pages/s' }).count()).toBe(0);

    await page.click('a:has-text("ui-crawl")');
    const hostile = page.locator('details.item', { hasText: `${origin}/hostile` });
    await hostile.locator('summary').click();
    await hostile.locator('.item-text', { hasText: 'Before <img src=x onerror="window.pwned=1"> after.' }).waitFor();
    expect(await hostile.locator('.item-text img, .item-text script').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined();
    expect(problems).toEqual([]);
  });

  test('the name field checks its pattern in the browser', async () => {
    await page.goto(`${server.url}/sources.html`);
    const name = page.locator('form.source-form input[placeholder="my-source"]');
    await name.fill('bad name!');
    const badMismatch = await name.evaluate((input) => (input as unknown as { validity: { patternMismatch: boolean } }).validity.patternMismatch);
    await name.fill('good-name_1.v2');
    const goodMismatch = await name.evaluate((input) => (input as unknown as { validity: { patternMismatch: boolean } }).validity.patternMismatch);

    expect([badMismatch, goodMismatch]).toEqual([true, false]);
    expect(problems).toEqual([]);
  });

  test('a bad config is refused in words and the schedule can be cleared', async () => {
    await page.goto(`${server.url}/sources.html?name=ui-crawl`);
    const textarea = page.locator('details textarea.code');
    await page.click('summary:has-text("Advanced settings")');
    await textarea.fill('{"timeoutMs": "soon"}');
    await page.click('button:has-text("Save config")');
    await page.locator('.status.error', { hasText: 'timeoutMs' }).waitFor();

    await page.click('button:has-text("Clear schedule")');
    await page.locator('.status', { hasText: 'Schedule cleared' }).waitFor();
    const res = (await page.evaluate(async () => (await fetch('/api/sources/ui-crawl')).json())) as { source: { schedule: string | null } };
    expect(res.source.schedule).toBeNull();
  });
});
