import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { getRun, queueRun } from '../../src/core/runs.js';
import { createSource } from '../../src/core/sources.js';
import { startHubJobs } from '../../src/jobs/hub-jobs.js';
import { describeEachStore } from '../helpers/stores.js';

describeEachStore('runs whose process stopped', (get) => {
  let seq = 0;
  async function runningAs(worker: string, heartbeatAt: string): Promise<number> {
    const { db } = get().hub.store;
    const source = await createSource(db, { name: `stopped-${++seq}`, kind: 'file', config: { path: '/nowhere.csv' } });
    const runId = await queueRun(db, source.id, 'manual');
    await db('runs').where({ id: runId }).update({ status: 'running', worker, started_at: heartbeatAt, heartbeat_at: heartbeatAt });
    return runId;
  }

  test('a hub start fails the runs of killed processes and of silent ones, and leaves live workers alone', async () => {
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid as number;
    const now = new Date().toISOString();
    const killedImport = await runningAs(`${os.hostname()}:${deadPid}`, now);
    const silentWorker = await runningAs('other-machine:41', new Date(Date.now() - 10 * 60_000).toISOString());
    const liveWorker = await runningAs('other-machine:42', now);

    const jobs = await startHubJobs(get().hub);
    await jobs.stop();

    const { db } = get().hub.store;
    expect((await getRun(db, killedImport)).status).toBe('failed');
    expect((await getRun(db, killedImport)).error).toMatch(/no longer exists/);
    expect((await getRun(db, silentWorker)).status).toBe('failed');
    expect((await getRun(db, liveWorker)).status).toBe('running');
  });
});
