import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { describeEachStore } from '../helpers/stores.js';
import { addUser, importRecords, launchBrowser, logIn, projectFor, recordRequests, serve } from './browser-hub.js';
import type { RunningServer } from '../../src/server/serve.js';

/**
 * Scraped items are hostile. Script in an item's text, HTML or in a project's instructions never
 * runs, and nothing in them makes the browser contact another host (a beacon server stands in
 * for an attacker's site and counts every hit).
 */
let browser: Browser;
let beacon: http.Server;
let beaconUrl: string;
const beaconHits: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
  beacon = http.createServer((req, res) => {
    beaconHits.push(req.url ?? '');
    res.end('x');
  });
  await new Promise<void>((resolve) => beacon.listen(0, '127.0.0.1', resolve));
  beaconUrl = `http://127.0.0.1:${(beacon.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => beacon?.close(resolve));
});

function hostileHtml(): string {
  return [
    `<p>Plain words stay.</p>`,
    `<img src="${beaconUrl}/img" onerror="window.__pwned = 'img'">`,
    `<script>window.__pwned = 'script'</script>`,
    `<svg onload="window.__pwned = 'svg'"><image href="${beaconUrl}/svg"/></svg>`,
    `<iframe src="${beaconUrl}/frame"></iframe>`,
    `<style>@import url("${beaconUrl}/css"); body { background: url("${beaconUrl}/bg") }</style>`,
    `<div style="background-image: url('${beaconUrl}/inline')">styled</div>`,
    `<a href="javascript:window.__pwned='link'" id="evil-link">click me</a>`,
    `<form action="${beaconUrl}/form"><button id="evil-button">send</button></form>`,
    `<object data="${beaconUrl}/object"></object><video src="${beaconUrl}/video" autoplay></video>`,
    `<link rel="stylesheet" href="${beaconUrl}/link"><meta http-equiv="refresh" content="0;url=${beaconUrl}/refresh">`,
  ].join('\n');
}

describeEachStore('hostile item content', (get) => {
  let server: RunningServer;
  let page: Page;
  let requests: string[];
  const hostileText = `<img src=x onerror="window.__pwned='text'"><script>window.__pwned='text-script'</script> Great product!`;

  beforeAll(async () => {
    const { hub, dataDir } = get();
    await addUser(hub, 'victim', 'annotator');
    await importRecords(hub, dataDir, 'scraped', [{ id: 'h1', text: hostileText, html: hostileHtml() }, { id: 'h2', text: hostileText }]);
    const instructions = `Be careful. <img src="${beaconUrl}/instructions" onerror="window.__pwned='md'"> [docs](javascript:window.__pwned='md-link') <script>window.__pwned='md-script'</script>`;
    await projectFor(hub, 'hostile', 'scraped', { kind: 'single', labels: [{ value: 'spam' }, { value: 'ham' }], instructions }, ['victim']);
    await projectFor(hub, 'hostile-spans', 'scraped', { kind: 'spans', labels: [{ value: 'X' }] }, ['victim']);
    server = await serve(hub);
    page = await (await browser.newContext()).newPage();
    requests = recordRequests(page);
    await logIn(page, server.url, 'victim', '/label.html?project=hostile');
  });
  afterAll(async () => {
    await page?.context().close();
    await server?.close();
  });

  test('item HTML is shown sanitised: its text stays, its scripts, handlers and resources are gone', async () => {
    await page.locator('.item-html', { hasText: 'Plain words stay.' }).waitFor();
    await page.locator('.instructions', { hasText: 'Be careful.' }).waitFor();
    const html = page.locator('.item-html');
    expect(await html.locator('img, script, svg, iframe, style, object, video, link, meta, form, [style], [onerror], [onload]').count()).toBe(0);
    expect(await page.locator('#evil-link').count()).toBe(0);
    expect(await page.locator('.item-html a').evaluateAll((links) => links.map((a) => a.getAttribute('href')))).toEqual([null]);
    await page.locator('.item-html a', { hasText: 'click me' }).click();
    expect(await page.locator('.instructions a[href]').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: string }).__pwned)).toBeUndefined();
  });

  test('item text with markup is shown as the literal text, and nothing runs', async () => {
    await page.keyboard.press('1');
    await page.keyboard.press('Enter');
    await page.locator('.item-text', { hasText: '<script>' }).waitFor();
    expect(await page.locator('.item-text').textContent()).toBe(hostileText);
    expect(await page.locator('.item-text img, .item-text script').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: string }).__pwned)).toBeUndefined();
  });

  test('span projects render the same hostile text inertly', async () => {
    await page.goto(`${server.url}/label.html?project=hostile-spans`);
    await page.locator('.item-text', { hasText: '<script>' }).waitFor();
    expect(await page.locator('.item-text *').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: string }).__pwned)).toBeUndefined();
  });

  test('no request ever left for another host', async () => {
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((u) => !u.startsWith(server.url))).toEqual([]);
    expect(beaconHits).toEqual([]);
  });

  test('every page is served with the Content-Security-Policy', async () => {
    const res = await fetch(`${server.url}/label.html`);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("img-src 'self'");
  });
});
