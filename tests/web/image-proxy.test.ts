import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeEachStore } from '../helpers/stores.js';
import type { Browser } from 'playwright-core';
import { addUser, importRecords, launchBrowser, logIn, projectFor, recordRequests, serve } from './browser-hub.js';
import type { Hub } from '../../src/hub.js';
import { createToken } from '../../src/labeling/users.js';
import type { RunningServer } from '../../src/server/serve.js';

/**
 * GET /api/items/:id/image: the hub fetches an item's image and passes it on only when it is a
 * raster image under the size cap, to users who may see the item, and never from internal hosts
 * unless the hub is told to allow them.
 */
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a1e2a1a20000000049454e44ae426082', 'hex');
let site: http.Server;
let siteUrl: string;
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
  site = http.createServer((req, res) => {
    if (req.url === '/cat.png') res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    else if (req.url === '/page.html') res.writeHead(200, { 'content-type': 'text/html' }).end('<script>alert(1)</script>');
    else if (req.url === '/evil.svg') res.writeHead(200, { 'content-type': 'image/svg+xml' }).end('<svg onload="alert(1)"/>');
    else if (req.url === '/huge.png') res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(11 * 1024 * 1024) }).end();
    else if (req.url === '/moved.png') res.writeHead(302, { location: '/cat.png' }).end();
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => site?.close(resolve));
});

/** The same hub with the image proxy's internal-address guard switched off or on (the test site is on 127.0.0.1). */
function withPrivateHosts(hub: Hub, allow: boolean): Hub {
  return { ...hub, config: { ...hub.config, imageProxyAllowPrivate: allow } };
}

describeEachStore('image proxy', (get) => {
  let open: RunningServer;
  let guarded: RunningServer;
  let memberToken: string;
  let outsiderToken: string;
  const ids = new Map<string, number>();

  beforeAll(async () => {
    const { hub, dataDir } = get();
    await addUser(hub, 'viewer', 'manager');
    await addUser(hub, 'outsider', 'annotator');
    memberToken = await createToken(hub.store.db, 'viewer');
    outsiderToken = await createToken(hub.store.db, 'outsider');
    await importRecords(hub, dataDir, 'pictures', [
      { id: 'cat', text: 'a cat', image: `${siteUrl}/cat.png` },
      { id: 'page', text: 'not an image', image: `${siteUrl}/page.html` },
      { id: 'svg', text: 'svg', image_url: `${siteUrl}/evil.svg` },
      { id: 'huge', text: 'too big', image: `${siteUrl}/huge.png` },
      { id: 'moved', text: 'redirected', imageUrl: `${siteUrl}/moved.png` },
      { id: 'none', text: 'no image at all' },
      { id: 'metadata', text: 'cloud metadata', image: 'http://169.254.169.254/latest/meta-data/x.png' },
      { id: 'named', text: 'a name for loopback', image: siteUrl.replace('127.0.0.1', 'localhost') + '/cat.png' },
    ]);
    await projectFor(hub, 'pictures', 'pictures', { kind: 'single', labels: [{ value: 'cat' }, { value: 'dog' }] }, ['viewer']);
    const rows: Array<{ id: number; key: string }> = await hub.store.db('items').select('id', 'key');
    for (const r of rows) ids.set(r.key, r.id);
    open = await serve(withPrivateHosts(hub, true));
    guarded = await serve(withPrivateHosts(hub, false));
  });
  afterAll(async () => {
    await open?.close();
    await guarded?.close();
  });

  const image = (server: RunningServer, key: string, token = memberToken) =>
    fetch(`${server.url}/api/items/${ids.get(key)}/image`, { headers: { authorization: `Bearer ${token}` } });

  test('streams a PNG with its content type and a sandboxing policy', async () => {
    const res = await image(open, 'cat');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(PNG);
  });

  test('follows a redirect to the image', async () => {
    const res = await image(open, 'moved');
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(PNG);
  });

  test('refuses HTML and SVG with 422 naming the content type', async () => {
    const page = await image(open, 'page');
    expect(page.status).toBe(422);
    expect(((await page.json()) as { error: { message: string } }).error.message).toContain('text/html');
    expect((await image(open, 'svg')).status).toBe(422);
  });

  test('refuses an image over the size cap', async () => {
    const res = await image(open, 'huge');
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/over the \d+-byte limit/);
  });

  test('404 for an item without an image, and for an item the user may not see', async () => {
    expect((await image(open, 'none')).status).toBe(404);
    expect((await image(open, 'cat', outsiderToken)).status).toBe(404);
  });

  test('401 without credentials', async () => {
    expect((await fetch(`${open.url}/api/items/${ids.get('cat')}/image`)).status).toBe(401);
  });

  test('by default internal addresses (loopback, cloud metadata) are refused', async () => {
    const loopback = await image(guarded, 'cat');
    expect(loopback.status).toBe(422);
    expect(((await loopback.json()) as { error: { message: string } }).error.message).toContain('internal address');
    expect((await image(guarded, 'metadata')).status).toBe(422);
  });

  test('a host name that resolves to an internal address is refused when connecting', async () => {
    const res = await image(guarded, 'named');
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('resolves to an internal address');
    expect((await image(open, 'named')).status).toBe(200);
  });

  test('the annotator shows an image item through the proxy; the browser never contacts the image host', async () => {
    const page = await (await browser.newContext()).newPage();
    const requests = recordRequests(page);
    try {
      await logIn(page, open.url, 'viewer', '/label.html?project=pictures');
      const img = page.locator('img.item-image');
      await img.waitFor();
      await page.waitForFunction("document.querySelector('img.item-image').complete");
      expect(await img.evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth)).toBe(1);
      expect(await img.getAttribute('src')).toBe(`/api/items/${ids.get('cat')}/image`);
      expect(requests.filter((u) => !u.startsWith(open.url))).toEqual([]);
    } finally {
      await page.context().close();
    }
  });
});
