import fs from 'node:fs';
import path from 'node:path';
import { createToken, createUser } from '../../src/labeling/users.js';
import { modelsRoot } from '../../src/ml/model-registry.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { describeEachStore } from '../helpers/stores.js';
import { flowerArtifact, flowerRecord, postJson, publishVersion, until } from './fixtures.js';

describeEachStore('the hub serves the models of its registry under /api/serving', (get) => {
  let server: RunningServer;
  let auth: Record<string, string>;

  beforeAll(async () => {
    const { hub, dataDir } = get();
    fs.mkdirSync(path.join(modelsRoot(dataDir), 'flowers'), { recursive: true });
    publishVersion(path.join(modelsRoot(dataDir), 'flowers'), flowerArtifact(), 1);
    await createUser(hub.store.db, { name: 'model-user', role: 'manager', password: 'a-long-password' });
    auth = { authorization: `Bearer ${await createToken(hub.store.db, 'model-user')}` };
    server = await startServer(hub, 0, '127.0.0.1');
  });
  afterAll(async () => {
    await server.close();
  });

  test('predicts with a registered model for a signed-in user', async () => {
    const { status, body } = await postJson(`${server.url}/api/serving/v1/models/flowers:predict`, { instances: [flowerRecord(0)] }, auth);
    expect(status).toBe(200);
    expect((body.predictions as Array<{ model_version: number }>)[0].model_version).toBe(1);
  });

  test('asks for the hub credentials like the rest of the API', async () => {
    expect((await postJson(`${server.url}/api/serving/v1/models/flowers:predict`, { instances: [flowerRecord(0)] })).status).toBe(401);
  });

  test('picks up a model registered after the hub started', async () => {
    const { dataDir } = get();
    fs.mkdirSync(path.join(modelsRoot(dataDir), 'irises'));
    publishVersion(path.join(modelsRoot(dataDir), 'irises'), flowerArtifact(), 4);
    const status = async () => (await fetch(`${server.url}/api/serving/v2/models/irises/ready`, { headers: auth })).status;
    await until(async () => (await status()) === 200, 'the new model to be served');
    const listed = await fetch(`${server.url}/api/serving/v1/models`, { headers: auth });
    expect(await listed.json()).toEqual({ models: [{ name: 'flowers', versions: [1] }, { name: 'irises', versions: [4] }] });
  });

  test('with TROVE_SERVE_API_KEY set, the hub token plus the key as X-API-Key predicts; the token alone does not', async () => {
    process.env.TROVE_SERVE_API_KEY = 'serving-key-for-the-test';
    const keyed = await startServer(get().hub, 0, '127.0.0.1');
    try {
      const url = `${keyed.url}/api/serving/v1/models/flowers:predict`;
      const withKey = await postJson(url, { instances: [flowerRecord(0)] }, { ...auth, 'x-api-key': 'serving-key-for-the-test' });
      const withoutKey = await postJson(url, { instances: [flowerRecord(0)] }, auth);
      const wrongKey = await postJson(url, { instances: [flowerRecord(0)] }, { ...auth, 'x-api-key': 'not-the-key' });

      expect(withKey.status).toBe(200);
      expect(withoutKey.status).toBe(401);
      expect(wrongKey.status).toBe(401);
    } finally {
      delete process.env.TROVE_SERVE_API_KEY;
      await keyed.close();
    }
  });

  test('answers 404 for a model the registry does not hold', async () => {
    const res = await fetch(`${server.url}/api/serving/v2/models/weeds`, { headers: auth });
    expect(res.status).toBe(404);
  });
});
