import fs from 'node:fs';
import type PgBoss from 'pg-boss';
import { createLogger } from '../../src/core/log.js';
import { queueRun } from '../../src/core/runs.js';
import { SourceKinds } from '../../src/core/source-kinds.js';
import { createSource } from '../../src/core/sources.js';
import { nowIso } from '../../src/core/time.js';
import { openHub, type Hub } from '../../src/hub.js';
import { openJobQueue, QueueDispatcher, ACQUIRE_QUEUE } from '../../src/jobs/queue.js';
import { runWorker } from '../../src/jobs/worker.js';
import { allSourceKinds } from '../../src/kinds.js';
import { createPgDatabase, pgUrl, tempDir } from '../helpers/stores.js';
import { gatedKind, testGate } from './gated-kind.js';

const runOnPg = pgUrl || process.env.CI === 'true' ? describe : describe.skip;

/** Checks `probe` until it answers truthy: readiness of the worker, not a timing assumption. */
async function until(probe: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

runOnPg('a trove worker taking part in a shared run [pg]', () => {
  let hub: Hub;
  let databaseUrl: string;
  let drop: () => Promise<void>;
  let dataDir: string;
  let boss: PgBoss;
  const lines: string[] = [];

  beforeAll(async () => {
    ({ url: databaseUrl, drop } = await createPgDatabase());
    dataDir = tempDir();
    hub = await openHub({ dataDir, databaseUrl, log: createLogger({ level: 'info', write: (line) => lines.push(line) }) });
    boss = await openJobQueue(databaseUrl, hub.log);
  });

  afterAll(async () => {
    await boss.stop({ graceful: false });
    await hub.close();
    await drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function finishedJobs(runId: number): Promise<number> {
    const row = await hub.store.db('trove_jobs.job').where({ name: ACQUIRE_QUEUE, state: 'completed' }).whereRaw("(data->>'runId')::int = ?", [runId]).count({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }

  test('says "left run" once, even when its own join job reaches it after its part ended', async () => {
    const gate = testGate();
    const workerHub: Hub = { ...hub, kinds: new SourceKinds([...allSourceKinds, gatedKind(gate)]) };
    const source = await createSource(hub.store.db, { name: 'shared-gated', kind: 'gated', config: { records: 1 } });
    const stop = new AbortController();
    const working = runWorker(workerHub, boss, { signal: stop.signal, name: 'worker-a', pollingIntervalSeconds: 0.5 });
    try {
      const runId = await queueRun(hub.store.db, source.id, 'api');
      await new QueueDispatcher(boss, hub.store.db).dispatch(runId);
      await gate.waitForArrivals(1);
      // Another worker still crawls, so the run stays open after worker-a's part and its join job finds it running.
      await hub.store.db('run_workers').insert({ run_id: runId, worker: 'worker-elsewhere', status: 'running', joined_at: nowIso(), heartbeat_at: nowIso() });

      gate.open();
      await until(async () => (await finishedJobs(runId)) === 2, 'worker-a to handle the run job and its join job');

      expect(lines.filter((line) => line.includes(`left run ${runId} `))).toEqual([expect.stringContaining('inserted=1')]);
    } finally {
      stop.abort();
      await working;
    }
  });
});
