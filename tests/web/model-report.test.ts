import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { Lineage } from '../../src/ml/artifact.js';
import { PREPROCESSING_FILE, REPORT_FILE } from '../../src/ml/artifact.js';
import type { SplitMetrics } from '../../src/ml/metrics.js';
import { renderReport } from '../../src/ml/report.js';
import type { RunningServer } from '../../src/server/serve.js';
import { openTestHub, type TestHub } from '../helpers/stores.js';
import { addUser, launchBrowser, logIn, serve } from './browser-hub.js';

/** A model report opened from the hub keeps its own styles (the confusion heatmap has colours) and runs no script. */
let browser: Browser;
// Tests compile without the DOM library; this is the one browser global the page functions use.
type StyleWindow = { getComputedStyle(el: unknown): { backgroundColor: string; marginTop: string } };
let testHub: TestHub;
let server: RunningServer;

function splitMetrics(): SplitMetrics {
  const perClass = { cat: { precision: 0.9, recall: 0.8, f1: 0.85, support: 10 }, dog: { precision: 0.8, recall: 0.9, f1: 0.85, support: 10 } };
  return { n: 20, accuracy: 0.85, macroF1: 0.85, weightedF1: 0.85, rocAuc: 0.9, prAuc: 0.9, logLoss: 0.4, calibrationError: 0.05, perClass, confusion: { labels: ['cat', 'dog'], matrix: [[8, 2], [1, 9]] } };
}

function writeReport(dataDir: string): void {
  const dir = path.join(dataDir, 'models', 'pets', '1');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, PREPROCESSING_FILE), '{}');
  const lineage = { name: 'pets', snapshot: null, seed: 1, networkSeed: 1, codeVersion: 'test', backend: 'cpu', createdAt: '2026-01-01T00:00:00Z', rows: { train: 60, val: 20, test: 20 } } as unknown as Lineage;
  const history = [{ epoch: 1, loss: 0.6, accuracy: 0.7, valLoss: 0.6, valAccuracy: 0.7, seconds: 1 }];
  const html = renderReport({ name: 'pets', lineage, metrics: { val: splitMetrics(), test: splitMetrics(), history, bestEpoch: 1, diagnosis: { text: ['Good fit'] }, architecture: 'mlp', backend: 'cpu' }, curves: null, trials: null });
  // A script slipped into the file must stay inert under the policy the report is served with.
  fs.writeFileSync(path.join(dir, REPORT_FILE), html.replace('</body>', `<script>document.title = 'script ran'</script><div id="handler" onclick="document.title='handler ran'">x</div></body>`));
}

beforeAll(async () => {
  browser = await launchBrowser();
  testHub = await openTestHub('sqlite');
  await addUser(testHub.hub, 'owner', 'admin');
  writeReport(testHub.dataDir);
  server = await serve(testHub.hub);
});
afterAll(async () => {
  await server?.close();
  await testHub?.close();
  await browser?.close();
});

test('the heatmap cells of a model report opened from the hub have their colours, and no script runs', async () => {
  const page = await (await browser.newContext()).newPage();
  await logIn(page, server.url, 'owner', '/models.html');
  await page.goto(`${server.url}/api/models/pets/1/report`);
  const cell = page.locator('td', { hasText: /^8$/ });
  expect(await cell.evaluate((td) => (globalThis as unknown as StyleWindow).getComputedStyle(td).backgroundColor)).toMatch(/^rgba\(37, 99, 235, 0\.8/);
  expect(await page.locator('body').evaluate((b) => (globalThis as unknown as StyleWindow).getComputedStyle(b).marginTop)).not.toBe('0px');
  await page.click('#handler');
  expect(await page.title()).toMatch(/Trove model report/);
});
