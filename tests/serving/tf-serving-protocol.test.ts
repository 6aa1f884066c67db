import fs from 'node:fs';
import http from 'node:http';
import { tempDir } from '../helpers/stores.js';
import { modelFolderDiscovery } from '../../src/serving/model-discovery.js';
import type { RunningModelServer } from '../../src/serving/model-server.js';
import { flowerRecord, getJson, postJson, serve, flowerArtifact, versionedFolder } from './fixtures.js';

describe('TensorFlow Serving REST protocol', () => {
  let server: RunningModelServer;
  let root: string;

  beforeAll(async () => {
    root = tempDir('trove-serve-');
    const artifact = flowerArtifact();
    server = await serve(modelFolderDiscovery(versionedFolder(root, artifact, [1, 2])), { bodyLimitBytes: 4096 });
  });

  afterAll(async () => {
    await server?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('reports every version as AVAILABLE, newest first', async () => {
    const { status, body } = await getJson(`${server.url}/v1/models/flowers`);
    expect(status).toBe(200);
    expect(body.model_version_status).toEqual([
      { version: '2', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
      { version: '1', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
    ]);
  });

  it('describes the raw input fields, labels and lineage in the metadata', async () => {
    const { status, body } = await getJson(`${server.url}/v1/models/flowers/metadata`);
    expect(status).toBe(200);
    expect(body.model_spec).toEqual({ name: 'flowers', signature_name: 'serving_default', version: '2' });
    const meta = body.metadata as { inputs: Array<{ name: string; type: string }>; labels: string[]; lineage: Record<string, unknown> };
    expect(meta.inputs.map((f) => [f.name, f.type])).toEqual(
      expect.arrayContaining([['sepal_length', 'numeric'], ['garden', 'categorical']]),
    );
    expect(meta.labels.sort()).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(meta.lineage).toMatchObject({ name: 'flowers', seed: 7 });
  });

  it('marks every input field required, as a record without one is a 400, and says whether a null is imputed', async () => {
    const { body } = await getJson(`${server.url}/v1/models/flowers/metadata`);
    const inputs = (body.metadata as { inputs: Array<Record<string, unknown>> }).inputs;
    const { sepal_length: _left, ...partial } = flowerRecord(0);
    const refused = await postJson(`${server.url}/v1/models/flowers:predict`, { instances: [partial] });

    expect(inputs.every((f) => f.required === true && typeof f.nullable === 'boolean' && !('optional' in f))).toBe(true);
    expect(refused.status).toBe(400);
  });

  it('predicts raw records in the row form with label, probabilities and model version', async () => {
    const { status, headers, body } = await postJson(`${server.url}/v1/models/flowers:predict`, { instances: [flowerRecord(0), flowerRecord(120)] });
    expect(status).toBe(200);
    expect(headers.get('x-model-version')).toBe('2');
    const predictions = body.predictions as Array<{ label: string; probabilities: Record<string, number>; model_version: number }>;
    expect(predictions).toHaveLength(2);
    for (const p of predictions) {
      expect(p.model_version).toBe(2);
      expect(Object.keys(p.probabilities).sort()).toEqual(['setosa', 'versicolor', 'virginica']);
      expect(Object.values(p.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(p.probabilities[p.label]).toBe(Math.max(...Object.values(p.probabilities)));
    }
  });

  it('sends each answer whole, with its length, rather than in chunks', async () => {
    const res = await fetch(`${server.url}/v1/models/flowers:predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [flowerRecord(0)] }),
    });
    const body = Buffer.from(await res.arrayBuffer());
    expect(res.headers.get('transfer-encoding')).toBeNull();
    expect(Number(res.headers.get('content-length'))).toBe(body.length);
  });

  it('gives the column form the same predictions as the row form', async () => {
    const records = [flowerRecord(3), flowerRecord(77)];
    const inputs = Object.fromEntries(Object.keys(records[0]).map((field) => [field, records.map((r) => r[field])]));
    const rows = await postJson(`${server.url}/v1/models/flowers:predict`, { instances: records });
    const columns = await postJson(`${server.url}/v1/models/flowers:predict`, { inputs });
    expect(columns.status).toBe(200);
    expect(columns.body.predictions).toEqual(rows.body.predictions);
  });

  it('serves a named version under /versions/N', async () => {
    const { status, body } = await postJson(`${server.url}/v1/models/flowers/versions/1:predict`, { instances: [flowerRecord(0)] });
    expect(status).toBe(200);
    expect((body.predictions as Array<{ model_version: number }>)[0].model_version).toBe(1);
    expect((await getJson(`${server.url}/v1/models/flowers/versions/1/metadata`)).body.model_spec).toMatchObject({ version: '1' });
  });

  it('answers 404 for an unknown model or version', async () => {
    expect((await postJson(`${server.url}/v1/models/weeds:predict`, { instances: [flowerRecord(0)] })).status).toBe(404);
    const missing = await postJson(`${server.url}/v1/models/flowers/versions/9:predict`, { instances: [flowerRecord(0)] });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatch(/version of model flowers not found: 9/);
    expect((await getJson(`${server.url}/v1/models/flowers/versions/9`)).status).toBe(404);
  });

  it('answers 400 naming the field for a missing field', async () => {
    const { sepal_width: _dropped, ...record } = flowerRecord(0);
    const { status, body } = await postJson(`${server.url}/v1/models/flowers:predict`, { instances: [flowerRecord(1), record] });
    expect(status).toBe(400);
    expect(body).toMatchObject({ field: 'sepal_width', index: 1 });
    expect(body.error).toMatch(/^instances\[1\]\.sepal_width: /);
  });

  it('answers 400 naming the field for a wrong type or a NaN', async () => {
    const wrongType = await postJson(`${server.url}/v1/models/flowers:predict`, { instances: [{ ...flowerRecord(0), petal_length: 'long' }] });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.field).toBe('petal_length');
    const nan = await postJson(`${server.url}/v1/models/flowers:predict`, { inputs: { ...columnsOf(flowerRecord(0)), petal_width: ['NaN'] } });
    expect(nan.status).toBe(400);
    expect(nan.body.error).toMatch(/^inputs\.petal_width\[0\]: /);
  });

  it('answers 400 for a number sent as a string ("1"), in either form', async () => {
    const row = await postJson(`${server.url}/v1/models/flowers:predict`, { instances: [{ ...flowerRecord(0), sepal_length: '1' }] });
    const column = await postJson(`${server.url}/v1/models/flowers:predict`, { inputs: { ...columnsOf(flowerRecord(0)), sepal_length: ['5.1'] } });

    expect(row.status).toBe(400);
    expect(row.body).toMatchObject({ field: 'sepal_length', index: 0 });
    expect(row.body.error).toMatch(/is a string \("1"\), not a number/);
    expect(column.status).toBe(400);
  });

  it('follows the encoder policy for an unknown category instead of failing', async () => {
    const { status, body } = await postJson(`${server.url}/v1/models/flowers:predict`, { instances: [{ ...flowerRecord(0), garden: 'greenhouse' }] });
    expect(status).toBe(200);
    expect((body.predictions as unknown[]).length).toBe(1);
  });

  it('answers 400 for a body that is neither form', async () => {
    const { status, body } = await postJson(`${server.url}/v1/models/flowers:predict`, { rows: [] });
    expect(status).toBe(400);
    expect(body.error).toMatch(/"instances".*"inputs"/);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const res = await fetch(`${server.url}/v1/models/flowers:predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"instances": [' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'bad_json' });
  });

  it('answers 413 for a streamed body that grows past the size limit without announcing its length', async () => {
    const { status, body } = await postChunked(`${server.url}/v1/models/flowers:predict`, [JSON.stringify({ instances: Array.from({ length: 100 }, (_, i) => flowerRecord(i)) })]);
    expect(status).toBe(413);
    expect(JSON.parse(body)).toMatchObject({ code: 'too_large' });
  });

  it('answers 413 for a body over the size limit', async () => {
    const instances = Array.from({ length: 100 }, (_, i) => flowerRecord(i));
    const { status, body } = await postJson(`${server.url}/v1/models/flowers:predict`, { instances });
    expect(status).toBe(413);
    expect(body.code).toBe('too_large');
  });
});

/** A POST with chunked transfer encoding (no Content-Length), as a streaming client sends it. */
function postChunked(url: string, chunks: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

function columnsOf(record: Record<string, unknown>): Record<string, unknown[]> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, [v]]));
}
