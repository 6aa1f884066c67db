import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server/serve.js';
import { openTestHub, type TestHub } from '../helpers/stores.js';
import { addUser, importRecords, launchBrowser, logIn, serve } from './browser-hub.js';

/** The dashboard's rows lead to their source and run pages, and times read as dates, not ISO strings. */
let browser: Browser;
let testHub: TestHub;
let server: RunningServer;
let page: Page;

beforeAll(async () => {
  browser = await launchBrowser();
  testHub = await openTestHub('sqlite');
  await addUser(testHub.hub, 'owner', 'admin');
  await importRecords(testHub.hub, testHub.dataDir, 'reviews', [{ id: 'a', text: 'Fine.' }]);
  server = await serve(testHub.hub);
  page = await (await browser.newContext()).newPage();
  await logIn(page, server.url, 'owner', '/');
});
afterAll(async () => {
  await page?.context().close();
  await server?.close();
  await testHub?.close();
  await browser?.close();
});

test('a source row links to its source page', async () => {
  const link = page.locator('table').first().locator('a', { hasText: 'reviews' });
  await link.waitFor();
  expect(await link.getAttribute('href')).toBe('/sources.html?name=reviews');
});

test('a recent run links to its run page and shows when it started in words', async () => {
  const row = page.locator('table').nth(1).locator('tbody tr').first();
  await row.waitFor();
  const started = row.locator('time');
  const stored = await started.getAttribute('datetime');

  expect(await row.locator('a').first().getAttribute('href')).toMatch(/^\/sources\.html\?run=\d+$/);
  expect(stored).toMatch(/^\d{4}-\d\d-\d\dT/);
  expect(await started.textContent()).not.toBe(stored);
  expect(await started.textContent()).toMatch(/\d{4}/);
});
