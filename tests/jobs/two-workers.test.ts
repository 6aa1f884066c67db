import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { silentLogger } from '../../src/core/log.js';
import { listParticipants } from '../../src/core/run-workers.js';
import { getRun, queueRun, type Run } from '../../src/core/runs.js';
import { createSource } from '../../src/core/sources.js';
import { openHub, type Hub } from '../../src/hub.js';
import { openJobQueue, QueueDispatcher } from '../../src/jobs/queue.js';
import { troveBin } from '../helpers/cli.js';
import { createPgDatabase, pgUrl, tempDir } from '../helpers/stores.js';

const PAGES = 40;
const CONCURRENCY = 2;
const runOnPg = pgUrl || process.env.CI === 'true' ? describe : describe.skip;

/** Checks `probe` until it answers truthy: readiness of other processes, not a timing assumption. */
async function until<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A site of one hub page linking to PAGES leaf pages. Leaf pages are held until the test opens the
 * gate, so both workers are surely mid-crawl together; every request is counted per path.
 */
async function gatedSite() {
  const hits = new Map<string, number>();
  let held = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    hits.set(url, (hits.get(url) ?? 0) + 1);
    const send = (body: string) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!DOCTYPE html><html><head><title>${url}</title></head><body>${body}</body></html>`);
    if (url === '/') send(Array.from({ length: PAGES }, (_, i) => `<a href="/p/${i}">page ${i}</a>`).join(' '));
    else if (url.startsWith('/p/')) {
      held++;
      void gate.then(() => send(`<main><h1>Leaf ${url}</h1><p>The text of ${url}.</p></main>`));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    held: () => held,
    open: release,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

runOnPg('trove worker on PostgreSQL', () => {
  let hub: Hub;
  let databaseUrl: string;
  let drop: () => Promise<void>;
  let dataDir: string;
  let site: Awaited<ReturnType<typeof gatedSite>>;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    ({ url: databaseUrl, drop } = await createPgDatabase());
    dataDir = tempDir();
    hub = await openHub({ dataDir, databaseUrl, log: silentLogger });
    site = await gatedSite();
  });

  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await site.close();
    await hub.close();
    await drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  function startWorker(name: string): ChildProcess {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, TROVE_LOG_LEVEL: 'warn' };
    const child = spawn(process.execPath, [troveBin, '--data-dir', path.join(dataDir, name), 'worker', '--name', name, '--poll', '0.5'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    workers.push(child);
    return child;
  }

  test('two workers crawl one source together: every page stored once, fetched once, and both fetched some', async () => {
    const config = hub.kinds.parseConfig('crawl', { startUrls: [`${site.origin}/`], concurrency: CONCURRENCY, respectRobots: false }) as Record<string, unknown>;
    const source = await createSource(hub.store.db, { name: 'shared-crawl', kind: 'crawl', config });
    startWorker('worker-a');
    startWorker('worker-b');
    const boss = await openJobQueue(databaseUrl, silentLogger);
    try {
      const runId = await queueRun(hub.store.db, source.id, 'api');
      await new QueueDispatcher(boss, hub.store.db).dispatch(runId);

      await until(async () => (await listParticipants(hub.store.db, runId)).length === 2, 'both workers to take part in the run');
      // One worker holds at most CONCURRENCY pages in flight: more held requests mean both are fetching.
      await until(async () => site.held() > CONCURRENCY, 'both workers to fetch pages');
      site.open();
      const run = await until<Run>(async () => {
        const r = await getRun(hub.store.db, runId);
        return r.status !== 'queued' && r.status !== 'running' && r;
      }, 'the run to end', 60_000);

      expect(run).toMatchObject({ status: 'succeeded', inserted: PAGES + 1, failed: 0 });
      const keys: string[] = await hub.store.db('items').where({ source_id: source.id }).pluck('key');
      expect(keys).toHaveLength(PAGES + 1);
      expect(new Set(keys).size).toBe(PAGES + 1);
      expect([...site.hits.entries()].filter(([, n]) => n !== 1)).toEqual([]);
      const parts = await listParticipants(hub.store.db, runId);
      expect(parts.map((p) => p.worker).sort()).toEqual(['worker-a', 'worker-b']);
      expect(parts.every((p) => p.inserted > 0 && p.status === 'succeeded')).toBe(true);
      expect(run.progress.done).toBe(PAGES + 1);
    } finally {
      await boss.stop({ graceful: false });
    }
  });

  test('a worker stops cleanly on SIGTERM', async () => {
    const exits = workers.map((w) => new Promise<number | null>((resolve) => (w.exitCode !== null ? resolve(w.exitCode) : w.once('exit', (code) => resolve(code)))));
    for (const w of workers) w.kill('SIGTERM');
    expect(await Promise.all(exits)).toEqual([0, 0]);
  });
});
