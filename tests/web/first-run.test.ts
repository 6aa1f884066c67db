import type { Browser, Page } from 'playwright-core';
import { describeEachStore } from '../helpers/stores.js';
import { addUser, launchBrowser, logIn, PASSWORD, serve } from './browser-hub.js';
import type { RunningServer } from '../../src/server/serve.js';

/**
 * A newcomer on an empty hub: one click sets up the demo projects from the dataset shipped with
 * Trove and lands on the annotator; the manager page then charts the answers.
 */
let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describeEachStore('first run', (get) => {
  let server: RunningServer;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    await addUser(get().hub, 'boss', 'admin');
    server = await serve(get().hub);
    page = await (await browser.newContext()).newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
    });
    await logIn(page, server.url, 'boss', '/projects.html');
  });
  afterAll(async () => {
    await page?.context().close();
    await server?.close();
  });

  test('a visitor without a session is sent to the login page, and a wrong password is refused in words', async () => {
    const visitor = await (await browser.newContext()).newPage();
    try {
      await visitor.goto(`${server.url}/label.html?project=demo-sentiment`);
      await visitor.waitForURL((url) => url.pathname === '/login.html' && url.searchParams.get('next') === '/label.html?project=demo-sentiment');
      await visitor.fill('#username', 'boss');
      await visitor.fill('#password', 'not the password');
      await visitor.press('#password', 'Enter');
      await visitor.locator('.error', { hasText: 'Wrong username or password.' }).waitFor();
      expect(new URL(visitor.url()).pathname).toBe('/login.html');
    } finally {
      await visitor.context().close();
    }
  });

  test('after login only same-site pages are followed, whatever the next parameter says', async () => {
    const visitor = await (await browser.newContext()).newPage();
    try {
      // Browsers read "/\host" as "//host": another site.
      await visitor.goto(`${server.url}/login.html?next=${encodeURIComponent('/\\evil.example/phish')}`);
      await visitor.fill('#username', 'boss');
      await visitor.fill('#password', PASSWORD);
      await Promise.all([visitor.waitForURL((url) => url.pathname === '/projects.html'), visitor.press('#password', 'Enter')]);
      expect(new URL(visitor.url()).origin).toBe(server.url);
    } finally {
      await visitor.context().close();
    }
  });

  /** Gold items are mixed in at random (10% in the demo); an annotator may skip one with S. */
  async function showFirstReviewSkippingGold(): Promise<void> {
    const first = page.locator('.item-text', { hasText: 'The Lumen kettle boils' });
    for (let shown = 0; shown < 10; shown++) {
      const current = page.locator('.item-text');
      await current.waitFor();
      if (await first.isVisible()) return;
      const text = (await current.textContent()) ?? '';
      await page.keyboard.press('s');
      await page.locator('.item-text', { hasText: text.slice(0, 40) }).waitFor({ state: 'detached' });
    }
    throw new Error('the first review was never offered');
  }

  test('one click on an empty hub sets up the demo and opens the annotator on its first review', async () => {
    await page.locator('#demo-setup').click();
    await page.waitForURL((url) => url.pathname === '/label.html' && url.searchParams.get('project') === 'demo-sentiment');
    await showFirstReviewSkippingGold();
    await page.locator('.instructions', { hasText: 'overall feeling' }).waitFor();
    const items = await get().hub.store.db('items').join('sources', 'sources.id', 'items.source_id').where('sources.name', 'demo-reviews').count({ n: '*' });
    expect(Number(items[0].n)).toBe(48);
    const projects = await get().hub.store.db('projects').orderBy('name').pluck('name');
    expect(projects).toEqual(['demo-entities', 'demo-sentiment']);
  });

  test('the newcomer labels the first review by keyboard and it is stored', async () => {
    await page.keyboard.press('1');
    await page.keyboard.press('Enter');
    // The next item is the next review, or a gold item mixed in at the project's gold rate.
    await page.locator('.item-text', { hasText: 'The Lumen kettle boils' }).waitFor({ state: 'detached' });
    await page.locator('.item-text').waitFor();
    const rows: Array<{ result: string; name: string }> = await get().hub.store.db('annotations').join('users', 'users.id', 'annotations.user_id').select('annotations.result', 'users.name');
    expect(rows.map((r) => [r.name, JSON.parse(r.result)])).toEqual([['boss', { label: 'positive' }]]);
  });

  test('a second click does not duplicate anything', async () => {
    const res = await page.evaluate(async () => {
      const me = (await (await fetch('/api/auth/me')).json()) as { csrfToken: string };
      const r = await fetch('/api/demo', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken }, body: '{}' });
      return { status: r.status, body: (await r.json()) as unknown };
    });
    expect(res).toEqual({ status: 200, body: { projects: ['demo-sentiment', 'demo-entities'], created: false } });
    const items = await get().hub.store.db('items').count({ n: '*' });
    expect(Number(items[0].n)).toBe(48);
  });

  test('the manager page charts progress, labels, agreement, throughput and gold', async () => {
    await page.goto(`${server.url}/project.html?name=demo-sentiment`);
    await page.locator('.chart[data-chart="Label distribution"] canvas').waitFor();
    for (const title of ['Progress', 'Label distribution', 'Annotator throughput', 'Annotations per hour']) {
      await page.locator(`.chart[data-chart="${title}"] canvas`).waitFor();
    }
    await page.locator('.chart[data-chart="Agreement per label"]').waitFor();
    await page.locator('.chart[data-chart="Accuracy on gold"]').waitFor();
    const drawn = await page.locator('.chart canvas').evaluateAll((canvases) => canvases.map((c) => (c as unknown as { width: number }).width > 0));
    expect(drawn.length).toBeGreaterThanOrEqual(4);
    expect(drawn.every(Boolean)).toBe(true);
    await page.locator('.review td', { hasText: 'The Lumen kettle' }).waitFor();
    expect(problems).toEqual([]);
  });

  test('a manager corrects an answer from the review queue and the correction is stored', async () => {
    const row = page.locator('.review tr', { hasText: 'The Lumen kettle' });
    await row.locator('select').selectOption('mixed');
    await row.locator('button', { hasText: 'correct to' }).click();
    await row.locator('td', { hasText: 'corrected to mixed' }).waitFor();
    const [stored] = await get().hub.store.db('annotations').select('review_status', 'review_result');
    expect([stored.review_status, JSON.parse(stored.review_result as string)]).toEqual(['corrected', { label: 'mixed' }]);
    expect(problems).toEqual([]);
  });
});
