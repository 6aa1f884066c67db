import { executeRun } from '../../src/core/run-executor.js';
import { getRun, queueRun, requestCancel } from '../../src/core/runs.js';
import { listParticipants } from '../../src/core/run-workers.js';
import { SourceKinds } from '../../src/core/source-kinds.js';
import { createSource } from '../../src/core/sources.js';
import { silentLogger } from '../../src/core/log.js';
import { nowIso } from '../../src/core/time.js';
import { allSourceKinds } from '../../src/kinds.js';
import { describeEachStore } from '../helpers/stores.js';
import { gatedKind, testGate } from './gated-kind.js';

describeEachStore('cancelling and sharing runs', (get) => {
  let seq = 0;

  async function gatedSource(records: number) {
    return createSource(get().hub.store.db, { name: `gated-${++seq}`, kind: 'gated', config: { records } });
  }

  function execute(runId: number, gate: ReturnType<typeof testGate>, worker: string, join = false) {
    return executeRun(get().hub.store, runId, {
      kinds: new SourceKinds([...allSourceKinds, gatedKind(gate)]),
      log: silentLogger,
      worker,
      join,
      heartbeatMs: 50,
    });
  }

  test('a cancelled run stops cleanly, keeps what it stored and its checkpoint, and the next run resumes there', async () => {
    const { db } = get().hub.store;
    const source = await gatedSource(3);
    const gate = testGate();
    const runId = await queueRun(db, source.id, 'api');
    const running = execute(runId, gate, 'w1');
    await gate.waitForArrivals(1);

    await requestCancel(db, runId);
    const cancelled = await running;

    expect(cancelled).toMatchObject({ status: 'cancelled', inserted: 3, error: 'cancelled by request' });
    const next = await queueRun(db, source.id, 'manual');
    const resumed = execute(next, gate, 'w1');
    await gate.waitForArrivals(2);
    gate.open();
    expect(await resumed).toMatchObject({ status: 'succeeded', inserted: 3 });
    expect((await db('items').where({ source_id: source.id }).orderBy('key').pluck('key'))).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
  });

  test('a worker joins a running run; the last to finish closes it with the summed counts', async () => {
    const { db } = get().hub.store;
    const source = await gatedSource(2);
    const gate = testGate();
    const runId = await queueRun(db, source.id, 'schedule');
    const first = execute(runId, gate, 'worker-a');
    await gate.waitForArrivals(1);
    const second = execute(runId, gate, 'worker-b', true);
    await gate.waitForArrivals(2);
    expect((await getRun(db, runId)).status).toBe('running');

    gate.open();
    await Promise.all([first, second]);

    const run = await getRun(db, runId);
    const parts = await listParticipants(db, runId);
    expect(parts.map((p) => [p.worker, p.status])).toEqual([['worker-a', 'succeeded'], ['worker-b', 'succeeded']]);
    expect(run).toMatchObject({ status: 'succeeded', seen: parts[0].seen + parts[1].seen, inserted: 4 });
  });

  test("a shared run's progress adds up every participant's share, not only the last one's", async () => {
    const { db } = get().hub.store;
    const source = await gatedSource(2);
    const gate = testGate();
    const runId = await queueRun(db, source.id, 'schedule');
    const first = execute(runId, gate, 'worker-a');
    await gate.waitForArrivals(1);
    const second = execute(runId, gate, 'worker-b', true);
    await gate.waitForArrivals(2);

    gate.open();
    await Promise.all([first, second]);

    expect((await getRun(db, runId)).progress).toMatchObject({ done: 4 });
  });

  test('a participant that finishes first adds its share to the run at once, while the others go on', async () => {
    const { db } = get().hub.store;
    const source = await gatedSource(2);
    const gate = testGate();
    const runId = await queueRun(db, source.id, 'schedule');
    const running = execute(runId, gate, 'worker-a');
    await gate.waitForArrivals(1);
    await db('run_workers').insert({ run_id: runId, worker: 'worker-b', status: 'running', joined_at: nowIso(), heartbeat_at: nowIso() });

    gate.open();
    const run = await running;

    expect(run).toMatchObject({ status: 'running', inserted: 2, progress: { done: 2 } });
  });

  test('a participant whose process died does not keep the run open: the last live one closes it, saying so', async () => {
    const { db } = get().hub.store;
    const source = await gatedSource(1);
    const gate = testGate();
    const runId = await queueRun(db, source.id, 'schedule');
    const live = execute(runId, gate, 'worker-live');
    await gate.waitForArrivals(1);
    const longAgo = new Date(Date.now() - 3_600_000).toISOString();
    await db('run_workers').insert({ run_id: runId, worker: 'worker-dead', status: 'running', joined_at: longAgo, heartbeat_at: longAgo });

    gate.open();
    const run = await live;

    expect(run).toMatchObject({ status: 'failed', error: 'the worker stopped (no heartbeat)', inserted: 1 });
    expect((await listParticipants(db, runId)).map((p) => [p.worker, p.status])).toEqual([['worker-live', 'succeeded'], ['worker-dead', 'failed']]);
  });

  test('a run that is not running cannot be joined', async () => {
    const { db } = get().hub.store;
    const source = await gatedSource(1);
    const gate = testGate();
    gate.open();
    const runId = await queueRun(db, source.id, 'manual');
    await execute(runId, gate, 'worker-a');

    const late = await execute(runId, gate, 'worker-b', true);

    expect(late.status).toBe('succeeded');
    expect((await listParticipants(db, runId)).map((p) => p.worker)).toEqual(['worker-a']);
  });
});
