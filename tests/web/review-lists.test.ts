import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { Ingestor } from '../../src/core/ingest.js';
import { createSource } from '../../src/core/sources.js';
import { addMember, createProject } from '../../src/labeling/projects.js';
import { flagItems } from '../../src/labeling/review-flags.js';
import { getTaskContext, nextTask, submitAnnotation } from '../../src/labeling/tasks.js';
import { getUser } from '../../src/labeling/users.js';
import type { RunningServer } from '../../src/server/serve.js';
import { describeEachStore } from '../helpers/stores.js';
import { addUser, launchBrowser, logIn, serve } from './browser-hub.js';

/** Tabular items have no text: the review queue and the "flagged by a model" table name them by key and fields. */
let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describeEachStore('review lists with tabular items', (get) => {
  let server: RunningServer;
  let page: Page;

  beforeAll(async () => {
    const { hub } = get();
    const db = hub.store.db;
    await addUser(hub, 'boss', 'manager');
    await addUser(hub, 'ann', 'annotator');
    const source = await createSource(db, { name: 'flowers', kind: 'file', config: { path: '/dev/null' } });
    const ingestor = new Ingestor(hub.store, { sourceId: source.id, runId: null, listeners: hub.ingestListeners });
    await ingestor.add({ key: 'row-17', fields: { petal_length: 1.4, petal_width: 0.2 } });
    await ingestor.flush();
    const project = await createProject(db, { name: 'flowers', sources: ['flowers'], schema: { kind: 'single', labels: [{ value: 'setosa' }, { value: 'virginica' }] } });
    await addMember(db, 'flowers', 'boss');
    await addMember(db, 'flowers', 'ann');
    const annotator = await getUser(db, 'ann');
    const next = await nextTask(db, project, annotator.id);
    if (!next) throw new Error('no task to label');
    await submitAnnotation(db, project, await getTaskContext(db, next.task.id, annotator.id), annotator.id, { clientId: randomUUID(), result: { label: 'virginica' } });
    await flagItems(db, project, 'model flowers v1', [{ itemId: next.item.id, reason: 'model suggests setosa', details: {} }]);
    server = await serve(hub);
    page = await (await browser.newContext()).newPage();
    await logIn(page, server.url, 'boss', '/project.html?name=flowers');
  });
  afterAll(async () => {
    await page?.context().close();
    await server?.close();
  });

  test('the review queue shows the item key and fields', async () => {
    const row = page.locator('.review', { hasText: 'Review queue' }).locator('tr', { hasText: 'virginica' });
    await row.locator('td', { hasText: 'row-17 · petal_length=1.4, petal_width=0.2' }).waitFor();
  });

  test('the flagged-by-a-model table shows the item key and fields', async () => {
    const row = page.locator('.review', { hasText: 'Flagged by a model' }).locator('tr', { hasText: 'model suggests setosa' });
    await row.locator('td', { hasText: 'row-17 · petal_length=1.4, petal_width=0.2' }).waitFor();
  });
});
