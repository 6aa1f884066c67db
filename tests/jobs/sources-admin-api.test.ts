import fs from 'node:fs';
import path from 'node:path';
import { addRunError, queueRun } from '../../src/core/runs.js';
import { hubDispatcher } from '../../src/jobs/dispatcher.js';
import { createToken, createUser } from '../../src/labeling/users.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { describeEachStore, tempDir } from '../helpers/stores.js';

// Sources made over the API read local files only under the operator's import roots.
const importRoot = tempDir('trove-import-root-');
process.env.TROVE_IMPORT_ROOTS = importRoot;
afterAll(() => fs.rmSync(importRoot, { recursive: true, force: true }));

describeEachStore('sources admin API', (get) => {
  let server: RunningServer;
  let manager: Record<string, string>;
  let annotator: Record<string, string>;
  let csv: string;

  beforeAll(async () => {
    const { hub } = get();
    await createUser(hub.store.db, { name: 'boss', role: 'manager', password: 'a-long-password' });
    await createUser(hub.store.db, { name: 'ann', role: 'annotator', password: 'a-long-password' });
    manager = { authorization: `Bearer ${await createToken(hub.store.db, 'boss')}`, 'content-type': 'application/json' };
    annotator = { authorization: `Bearer ${await createToken(hub.store.db, 'ann')}`, 'content-type': 'application/json' };
    csv = path.join(importRoot, 'rows.csv');
    fs.writeFileSync(csv, 'id,text\n1,one\n2,two\n3,three\n');
    server = await startServer(hub, 0, '127.0.0.1');
  });
  afterAll(async () => {
    await hubDispatcher(get().hub).idle();
    await server.close();
  });

  const call = async (method: string, url: string, body?: unknown, headers = manager) => {
    const res = await fetch(server.url + url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  test('a manager adds a source with a schedule; it is listed with it', async () => {
    const res = await call('POST', '/api/sources', { kind: 'file', name: 'api-a', config: { path: csv, key: 'id', text: 'text' }, schedule: '0 3 * * *' });

    expect(res.status).toBe(201);
    expect(res.body.source).toMatchObject({ name: 'api-a', kind: 'file', schedule: '0 3 * * *' });
    expect((await call('GET', '/api/sources/api-a')).body.source.schedule).toBe('0 3 * * *');
  });

  test('a bad config, a bad cron or a bad name is refused with a 400 naming the problem, and nothing is stored', async () => {
    const badField = await call('POST', '/api/sources', { kind: 'file', name: 'api-bad', config: { path: csv, format: 'xml' } });
    const missingColumn = await call('POST', '/api/sources', { kind: 'file', name: 'api-bad', config: { path: csv, text: 'body' } });
    const badCron = await call('POST', '/api/sources', { kind: 'file', name: 'api-bad', config: { path: csv }, schedule: 'every day' });
    const badName = await call('POST', '/api/sources', { kind: 'file', name: 'no spaces', config: { path: csv } });
    const badKind = await call('POST', '/api/sources', { kind: 'nope', name: 'api-bad', config: {} });

    expect([badField, missingColumn, badCron, badName, badKind].map((r) => r.status)).toEqual([400, 400, 400, 400, 400]);
    expect(badField.body.error.message).toMatch(/field format/);
    expect(missingColumn.body.error.message).toMatch(/column "body" does not exist/);
    expect(badCron.body.error.message).toMatch(/not a valid cron expression/);
    expect((await call('GET', '/api/sources/api-bad')).status).toBe(404);
  });

  test('an annotator may neither read sources nor change them', async () => {
    expect((await call('GET', '/api/sources', undefined, annotator)).status).toBe(403);
    const res = await call('POST', '/api/sources', { kind: 'file', name: 'api-ann', config: { path: csv } }, annotator);

    expect(res.status).toBe(403);
    expect((await call('GET', '/api/sources/api-ann')).status).toBe(404);
  });

  test('PATCH sets and clears a schedule and replaces a config after validating it', async () => {
    await call('POST', '/api/sources', { kind: 'file', name: 'api-b', config: { path: csv } });

    expect((await call('PATCH', '/api/sources/api-b', { schedule: '*/15 * * * *' })).body.source.schedule).toBe('*/15 * * * *');
    expect((await call('PATCH', '/api/sources/api-b', { schedule: null })).body.source.schedule).toBeNull();
    expect((await call('PATCH', '/api/sources/api-b', { config: { path: csv, key: 'id' } })).body.source.config).toMatchObject({ key: 'id' });
    const bad = await call('PATCH', '/api/sources/api-b', { config: { path: csv, key: 'missing' } });
    expect(bad.status).toBe(400);
    expect((await call('GET', '/api/sources/api-b')).body.source.config).toMatchObject({ key: 'id' });
  });

  test('run now queues a run that the hub carries out', async () => {
    await call('POST', '/api/sources', { kind: 'file', name: 'api-c', config: { path: csv, key: 'id', text: 'text' } });

    const res = await call('POST', '/api/sources/api-c/run');
    await hubDispatcher(get().hub).idle();

    expect(res.status).toBe(202);
    expect(res.body.run).toMatchObject({ source: 'api-c', trigger: 'api' });
    const run = (await call('GET', `/api/runs/${res.body.run.id}`)).body.run;
    expect(run).toMatchObject({ status: 'succeeded', inserted: 3 });
    expect((await call('GET', `/api/runs/${res.body.run.id}/workers`)).body.workers).toHaveLength(1);
  });

  test('run now is a 409 while the source has an active run', async () => {
    const created = await call('POST', '/api/sources', { kind: 'file', name: 'api-f', config: { path: csv } });
    const active = await queueRun(get().hub.store.db, created.body.source.id, 'manual');

    const res = await call('POST', '/api/sources/api-f/run');

    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain(`run ${active}`);
  });

  test("a run's per-page errors are listed in order", async () => {
    const { db } = get().hub.store;
    const source = await call('POST', '/api/sources', { kind: 'file', name: 'api-d', config: { path: csv } });
    const runId = await queueRun(db, source.body.source.id, 'manual');
    await addRunError(db, runId, 'http://site.test/a', 'HTTP 500');
    await addRunError(db, runId, 'http://site.test/b', 'timed out');
    await db('runs').where({ id: runId }).update({ status: 'failed', finished_at: new Date().toISOString() });

    const res = await call('GET', `/api/runs/${runId}/errors`);

    expect(res.body.errors.map((e: { location: string; message: string }) => [e.location, e.message])).toEqual([
      ['http://site.test/a', 'HTTP 500'],
      ['http://site.test/b', 'timed out'],
    ]);
    expect((await call('GET', '/api/runs/999999/errors')).status).toBe(404);
  });

  test('DELETE removes a source with its items', async () => {
    await call('POST', '/api/sources', { kind: 'file', name: 'api-e', config: { path: csv } });

    expect((await call('DELETE', '/api/sources/api-e')).status).toBe(204);
    expect((await call('GET', '/api/sources/api-e')).status).toBe(404);
  });
});
