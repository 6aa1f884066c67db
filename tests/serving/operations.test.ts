import fs from 'node:fs';
import { tempDir } from '../helpers/stores.js';
import { modelFolderDiscovery } from '../../src/serving/model-discovery.js';
import { capturingLogger, flowerRecord, getJson, holdInference, postJson, serve, flowerArtifact, until, versionedFolder } from './fixtures.js';

const API_KEY = 'sk-test-4f1c9a77b2';

describe('model server operations', () => {
  let root: string;
  let modelDir: string;

  beforeAll(async () => {
    root = tempDir('trove-serve-');
    modelDir = versionedFolder(root, flowerArtifact(), [1]);
  });

  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('asks for the API key on prediction routes only, and never logs it', async () => {
    const { log, lines } = capturingLogger();
    const server = await serve(modelFolderDiscovery(modelDir), {}, { apiKey: API_KEY, log });
    try {
      const url = `${server.url}/v1/models/flowers:predict`;
      const body = { instances: [flowerRecord(0)] };
      expect((await postJson(url, body)).status).toBe(401);
      expect((await postJson(url, body, { authorization: 'Bearer sk-wrong-000000' })).status).toBe(401);
      expect((await postJson(url, body, { authorization: `Bearer ${API_KEY}` })).status).toBe(200);
      expect((await postJson(`${server.url}/v2/models/flowers/infer`, { inputs: [] }, { 'x-api-key': API_KEY })).status).toBe(400);
      expect((await getJson(`${server.url}/v1/models/flowers`)).status).toBe(200);
      expect((await getJson(`${server.url}/v2/health/ready`)).status).toBe(200);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.join('\n')).not.toContain(API_KEY);
    } finally {
      await server.close();
    }
  });

  it('writes one structured log line per request with the request id it echoes', async () => {
    const { log, lines } = capturingLogger();
    const server = await serve(modelFolderDiscovery(modelDir), {}, { log });
    try {
      const res = await postJson(`${server.url}/v1/models/flowers:predict`, { instances: [flowerRecord(0)] }, { 'x-request-id': 'abc-123' });
      expect(res.headers.get('x-request-id')).toBe('abc-123');
      const generated = await postJson(`${server.url}/v1/models/flowers:predict`, { instances: [flowerRecord(0)] });
      expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      await until(() => lines.filter((l) => l.includes('"msg":"request"')).length === 2, 'both access log lines');
      const entry = JSON.parse(lines.find((l) => l.includes('abc-123'))!) as Record<string, unknown>;
      expect(entry).toMatchObject({ level: 'info', msg: 'request', requestId: 'abc-123', method: 'POST', status: 200, route: 'v1_predict', model: 'flowers' });
      expect(typeof entry.ms).toBe('number');
    } finally {
      await server.close();
    }
  });

  it('finishes in-flight requests on shutdown, turning readiness off and refusing new connections', async () => {
    const server = await serve(modelFolderDiscovery(modelDir));
    const inference = holdInference(server.catalog.resolve('flowers'), { maxBatchRows: 64, maxWaitMs: 2, maxQueueRows: 64 });
    const inFlight = postJson(`${server.url}/v1/models/flowers:predict`, { instances: [flowerRecord(0)] });
    await until(() => inference.calls === 1, 'the request to reach the inference thread');
    const closing = server.close();
    expect(server.catalog.ready).toBe(false);
    inference.release();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect((answer.body.predictions as unknown[]).length).toBe(1);
    await closing;
    await expect(fetch(`${server.url}/v2/health/live`)).rejects.toThrow();
  });
});
