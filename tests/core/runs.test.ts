import { silentLogger } from '../../src/core/log.js';
import { executeRun } from '../../src/core/run-executor.js';
import { getRun, listRunErrors, queueRun, requestCancel } from '../../src/core/runs.js';
import { SourceKinds } from '../../src/core/source-kinds.js';
import { createSource } from '../../src/core/sources.js';
import { ConflictError } from '../../src/core/errors.js';
import { describeEachStore } from '../helpers/stores.js';
import { sequenceSource } from '../helpers/sequence-source.js';

const kinds = new SourceKinds([sequenceSource]);

describeEachStore('runs', (get) => {
  let seq = 0;
  async function sourceWith(config: Record<string, unknown>) {
    return createSource(get().hub.store.db, { name: `seq-${++seq}`, kind: 'sequence', config });
  }
  async function run(sourceId: number, signal?: AbortSignal) {
    const { store } = get().hub;
    const runId = await queueRun(store.db, sourceId, 'manual');
    return executeRun(store, runId, { kinds, log: silentLogger, signal, heartbeatMs: 20 });
  }
  const itemCount = async (sourceId: number) =>
    Number((await get().hub.store.db('items').where({ source_id: sourceId }).count({ n: '*' }).first())?.n);

  test('a successful run records its status, counts and timings', async () => {
    const source = await sourceWith({ count: 5 });
    const result = await run(source.id);

    expect(result).toMatchObject({ status: 'succeeded', seen: 5, inserted: 5, updated: 0, unchanged: 0, failed: 0, error: null });
    expect(result.startedAt).not.toBeNull();
    expect(result.finishedAt).not.toBeNull();
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  test('a failing source fails its run with the reason and keeps what it stored', async () => {
    const source = await sourceWith({ count: 10, failAfter: 4 });
    const result = await run(source.id);

    expect(result.status).toBe('failed');
    expect(result.error).toBe('source broke at record 4');
    expect(await itemCount(source.id)).toBe(4);
  });

  test('one bad record is listed on the run and the run goes on', async () => {
    const source = await sourceWith({ count: 5, badPages: [2] });
    const result = await run(source.id);
    const errors = await listRunErrors(get().hub.store.db, result.id);

    expect(result).toMatchObject({ status: 'succeeded', inserted: 4, failed: 1 });
    expect(errors).toEqual([expect.objectContaining({ location: 'record 2', message: 'bad record' })]);
  });

  test('a cancel request stops a running run, which keeps its records', async () => {
    const { db } = get().hub.store;
    const source = await sourceWith({ count: 10, hangAfter: 3 });
    const runId = await queueRun(db, source.id, 'manual');
    const done = executeRun(get().hub.store, runId, { kinds, log: silentLogger, heartbeatMs: 20 });
    await waitFor(async () => (await getRun(db, runId)).status === 'running');
    await requestCancel(db, runId);
    const result = await done;

    expect(result.status).toBe('cancelled');
    expect(await itemCount(source.id)).toBe(3);
  });

  test('an interrupted run resumes from its checkpoint without duplicates', async () => {
    const source = await sourceWith({ count: 10, hangAfter: 7, checkpointEvery: 5 });
    const abort = new AbortController();
    const first = run(source.id, abort.signal);
    await waitFor(async () => (await itemCount(source.id)) >= 5);
    abort.abort();
    expect((await first).status).toBe('cancelled');

    await get().hub.store.db('sources').where({ id: source.id }).update({ config: JSON.stringify({ count: 10, checkpointEvery: 5 }) });
    const second = await run(source.id);

    expect(second).toMatchObject({ status: 'succeeded', seen: 5, inserted: 3, unchanged: 2 });
    expect(await itemCount(source.id)).toBe(10);
  });

  test('a source never has two active runs', async () => {
    const { db } = get().hub.store;
    const source = await sourceWith({ count: 1 });
    await queueRun(db, source.id, 'manual');

    await expect(queueRun(db, source.id, 'schedule')).rejects.toBeInstanceOf(ConflictError);
  });

  test('a queued run is cancelled at once', async () => {
    const { db } = get().hub.store;
    const source = await sourceWith({ count: 1 });
    const runId = await queueRun(db, source.id, 'manual');

    expect((await requestCancel(db, runId)).status).toBe('cancelled');
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
