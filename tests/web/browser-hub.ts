import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createSource } from '../../src/core/sources.js';
import { runSource, type Hub } from '../../src/hub.js';
import { addMember, createProject, type Project } from '../../src/labeling/projects.js';
import { createUser, type Role } from '../../src/labeling/users.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';

/**
 * Browser tests drive Debian's Chromium through playwright-core against a real hub listening on
 * port 0. One browser per test file; each test gets its own context (cookies) and page.
 */
export const CHROMIUM_PATH = process.env.TROVE_CHROMIUM_PATH ?? '/usr/bin/chromium';

const webRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web');

function newestMtime(dir: string): number {
  return Math.max(0, ...fs.readdirSync(dir).map((f) => fs.statSync(path.join(dir, f)).mtimeMs));
}

/** The hub serves web/dist; testing a stale build would test old code, so say how to rebuild instead. */
function assertWebBuilt(): void {
  const dist = path.join(webRoot, 'dist');
  const built = fs.existsSync(dist) ? Math.min(...fs.readdirSync(dist).map((f) => fs.statSync(path.join(dist, f)).mtimeMs)) : 0;
  if (built < Math.max(newestMtime(path.join(webRoot, 'src')), fs.statSync(path.join(webRoot, 'build.mjs')).mtimeMs)) {
    throw new Error('web/dist is missing or older than web/src: run `npm run build:web` first');
  }
}

export function launchBrowser(): Promise<Browser> {
  assertWebBuilt();
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

export const PASSWORD = 'correct horse battery';

export async function addUser(hub: Hub, name: string, role: Role): Promise<void> {
  await createUser(hub.store.db, { name, role, password: PASSWORD });
}

/** Imports records as a file source (through the real ingest path) and returns nothing: items are in the store. */
export async function importRecords(hub: Hub, dir: string, source: string, records: Array<Record<string, unknown>>): Promise<void> {
  const file = path.join(dir, `${source}.jsonl`);
  fs.writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  await createSource(hub.store.db, { name: source, kind: 'file', config: { path: file, format: 'jsonl', key: 'id', text: 'text' } });
  await runSource(hub, source);
}

export async function projectFor(hub: Hub, name: string, source: string, schema: unknown, members: string[]): Promise<Project> {
  const project = await createProject(hub.store.db, { name, sources: [source], schema, ordering: 'source' });
  for (const m of members) await addMember(hub.store.db, name, m);
  return project;
}

export function serve(hub: Hub): Promise<RunningServer> {
  return startServer(hub, 0, '127.0.0.1');
}

/** Logs in through the login form and waits until the page it was sent to has loaded. */
export async function logIn(page: Page, baseUrl: string, user: string, next: string): Promise<void> {
  await page.goto(`${baseUrl}/login.html?next=${encodeURIComponent(next)}`);
  await page.fill('#username', user);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL((url) => `${url.pathname}${url.search}` === next), page.press('#password', 'Enter')]);
}

/** Every request the page makes, so tests can assert nothing left for another host. */
export function recordRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (req) => urls.push(req.url()));
  return urls;
}
