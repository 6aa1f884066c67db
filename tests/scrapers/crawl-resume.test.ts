import { spawn } from 'node:child_process';
import path from 'node:path';
import { getSource } from '../../src/core/sources.js';
import { runSource } from '../../src/hub.js';
import { describeEachStore } from '../helpers/stores.js';
import { keysOf } from './helpers/crawl-run.js';
import { links, page, startTestSite, type TestSite } from './helpers/test-site.js';

const PAGES = 60;
const trove = path.resolve('bin/trove.js');

describeEachStore('crawl: resume after SIGKILL', (get) => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startTestSite({
      '/robots.txt': (_req, res) => res.writeHead(404).end(),
      '/p/*': (req, res) => {
        const n = Number(req.url?.split('/')[2]);
        const next = [n + 1, n + 2].filter((i) => i < PAGES).map((i) => `/p/${i}`);
        // A slow site, so the crawl is surely mid-way when it is killed.
        setTimeout(() => page(`<p>Page ${n}.</p>${links(...next)}`)(req, res, 0), 30);
      },
    });
  });
  afterAll(() => site.close());

  test('a killed crawl resumes on the next run and stores every page exactly once', async () => {
    const { hub, dataDir, databaseUrl } = get();
    const env = { ...process.env, TROVE_LOG_LEVEL: 'error', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) };
    delete (env as Record<string, string | undefined>).CI;
    const child = spawn(process.execPath, [trove, '--data-dir', dataDir, 'crawl', site.url('/p/0'), '--source', 'resumable', '--concurrency', '2'], { env, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await site.whenHits(25);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const source = await getSource(hub.store.db, 'resumable');
    const storedBefore = (await keysOf(hub, source.id)).length;
    expect(storedBefore).toBeLessThan(PAGES);
    const hitsBefore = site.totalHits();

    const run = await runSource(hub, 'resumable');
    expect(run.status).toBe('succeeded');
    expect(run.stats.resumed).toBe(1);
    const keys = await keysOf(hub, source.id);
    expect(keys).toHaveLength(PAGES);
    expect(new Set(keys).size).toBe(PAGES);
    // Resumed, not restarted: the second run fetched only what the first had not stored.
    expect(site.totalHits() - hitsBefore).toBeLessThanOrEqual(PAGES - storedBefore + 4);
    expect(await hub.store.db('item_versions').count({ n: '*' }).first()).toMatchObject({ n: 0 });
  });
});
