import fs from 'node:fs';
import path from 'node:path';
import { createSource } from '../../src/core/sources.js';
import { runSource } from '../../src/hub.js';
import { createToken, createUser } from '../../src/labeling/users.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { runCli } from '../helpers/cli.js';
import { describeEachStore } from '../helpers/stores.js';
import { datasetsDir } from '../helpers/shared-data.js';

describeEachStore('trove snapshots, train and evaluate, and the models API', (get) => {
  let server: RunningServer;
  let auth: Record<string, string>;
  const cli = (args: string[]) => runCli(['--data-dir', get().dataDir, ...args], { env: { DATABASE_URL: get().databaseUrl }, timeoutMs: 90_000 });

  beforeAll(async () => {
    const { hub } = get();
    const config = hub.kinds.parseConfig('file', { kind: 'file', path: path.join(datasetsDir, 'wine.csv'), label: 'cultivar' }, 'test') as Record<string, unknown>;
    await createSource(hub.store.db, { name: 'wine', kind: 'file', config });
    await runSource(hub, 'wine');
    await createUser(hub.store.db, { name: 'ml-reader', role: 'manager', password: 'a-long-password' });
    auth = { authorization: `Bearer ${await createToken(hub.store.db, 'ml-reader')}` };
    server = await startServer(hub, 0, '127.0.0.1');
  });
  afterAll(async () => {
    await server.close();
  });

  test('train registers version 1, prints epochs, and evaluate reproduces its test metrics', async () => {
    expect((await cli(['snapshots', 'create', 'wine-v1', '--source', 'wine', '--label-field', 'cultivar'])).code).toBe(0);
    const configFile = path.join(get().dataDir, 'train.json');
    fs.writeFileSync(configFile, JSON.stringify({ model: { epochs: 10 } }));
    const train = await cli(['--json', 'train', '--snapshot', 'wine-v1', '--config', configFile, '--seed', '3']);
    expect(train.code).toBe(0);
    expect(train.stderr).toMatch(/epoch +1\/10 +loss \d/);
    const trained = JSON.parse(train.stdout) as { dir: string; version: number; test: { accuracy: number } };
    expect(trained.version).toBe(1);
    expect(trained.dir).toBe(path.join(get().dataDir, 'models', 'wine-v1', '1'));
    const evaluated = await cli(['--json', 'evaluate', '--model', trained.dir, '--snapshot', 'wine-v1']);
    expect(evaluated.code).toBe(0);
    expect(JSON.parse(evaluated.stdout).test).toEqual(trained.test);
  }, 180_000);

  test('bad config: one line, non-zero exit, nothing written', async () => {
    const configFile = path.join(get().dataDir, 'bad.json');
    fs.writeFileSync(configFile, JSON.stringify({ features: { colour: 'numeric' } }));
    const out = path.join(get().dataDir, 'never');
    const res = await cli(['train', '--snapshot', 'wine-v1', '--config', configFile, '--out', out]);
    expect(res.code).not.toBe(0);
    const lines = res.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^trove: config features: unknown feature "colour" \(the snapshot has: alcohol, /);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('the API lists snapshots and models and serves the report', async () => {
    const snapshots = (await (await fetch(`${server.url}/api/snapshots`, { headers: auth })).json()) as { snapshots: Array<{ name: string }> };
    expect(snapshots.snapshots.map((s) => s.name)).toEqual(['wine-v1']);
    const models = (await (await fetch(`${server.url}/api/models`, { headers: auth })).json()) as { models: unknown[] };
    expect(models.models).toEqual([expect.objectContaining({ name: 'wine-v1', version: 1, snapshot: expect.objectContaining({ name: 'wine-v1' }) })]);
    const report = await fetch(`${server.url}/api/models/wine-v1/1/report`, { headers: auth });
    expect(report.status).toBe(200);
    expect(await report.text()).toContain('Learning curves');
    expect((await fetch(`${server.url}/api/models/wine-v1/9`, { headers: auth })).status).toBe(404);
  });
});
