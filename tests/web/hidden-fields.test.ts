import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createSource } from '../../src/core/sources.js';
import { runSource } from '../../src/hub.js';
import { addMember, createProject } from '../../src/labeling/projects.js';
import type { RunningServer } from '../../src/server/serve.js';
import { describeEachStore } from '../helpers/stores.js';
import { addUser, launchBrowser, logIn, serve } from './browser-hub.js';

/** The annotator page in Chromium never shows the source's label column nor a field the project hides. */
let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const SENTIMENT = { kind: 'single', labels: [{ value: 'positive', hotkey: '1' }, { value: 'negative', hotkey: '2' }] };

describeEachStore('annotator page with hidden fields', (get) => {
  let server: RunningServer;
  let page: Page;

  beforeAll(async () => {
    const { hub, dataDir } = get();
    const file = path.join(dataDir, 'reviews.jsonl');
    const records = [
      { id: 'a', text: 'Lovely colour and it fits.', sentiment: 'given-answer-a', rating: 'secret-rating-a', shop: 'north-street' },
      { id: 'b', text: 'Broke on day one.', sentiment: 'given-answer-b', rating: 'secret-rating-b', shop: 'north-street' },
    ];
    fs.writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    await createSource(hub.store.db, { name: 'reviews', kind: 'file', config: { path: file, format: 'jsonl', key: 'id', text: 'text', label: 'sentiment' } });
    await runSource(hub, 'reviews');
    await createProject(hub.store.db, { name: 'sentiment', sources: ['reviews'], schema: SENTIMENT, ordering: 'source', hiddenFields: ['rating'] });
    await addUser(hub, 'ann', 'annotator');
    await addMember(hub.store.db, 'sentiment', 'ann');
    server = await serve(hub);
    page = await (await browser.newContext()).newPage();
    await logIn(page, server.url, 'ann', '/label.html?project=sentiment');
  });
  afterAll(async () => {
    await page?.context().close();
    await server?.close();
  });

  test('the item shows its other fields but neither the label column nor the hidden field', async () => {
    await page.locator('.item-text', { hasText: 'Lovely colour and it fits.' }).waitFor();
    await page.locator('dl.fields dd', { hasText: 'north-street' }).waitFor();
    const html = await page.content();

    expect(html).not.toContain('given-answer-a');
    expect(html).not.toContain('secret-rating-a');
    expect(await page.locator('dl.fields dt').allTextContents()).toEqual(['id', 'shop']);
  });

  test('walking back to an answered item in the history shows no hidden field either', async () => {
    await page.keyboard.press('1');
    await page.keyboard.press('Enter');
    await page.locator('.item-text', { hasText: 'Broke on day one.' }).waitFor();
    await page.keyboard.press('ArrowLeft');
    await page.locator('.item-text', { hasText: 'Lovely colour and it fits.' }).waitFor();
    const html = await page.content();

    for (const value of ['given-answer-a', 'secret-rating-a', 'given-answer-b', 'secret-rating-b']) expect(html).not.toContain(value);
    expect(await page.locator('dl.fields dt').allTextContents()).toEqual(['id', 'shop']);
  });
});
