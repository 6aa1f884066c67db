import fs from 'node:fs';
import { tempDir } from '../helpers/stores.js';
import { modelFolderDiscovery } from '../../src/serving/model-discovery.js';
import type { RunningModelServer } from '../../src/serving/model-server.js';
import { flowerRecord, getJson, postJson, serve, flowerArtifact, versionedFolder } from './fixtures.js';

type Tensor = { name: string; shape: number[]; datatype: string; data: unknown[] };

/** One BYTES or FP32 input tensor per raw field, batch first. */
function inferRequest(records: Array<Record<string, unknown>>, id?: string) {
  return {
    id,
    inputs: Object.keys(records[0]).map((name) => ({
      name,
      shape: [records.length],
      datatype: typeof records[0][name] === 'number' ? 'FP32' : 'BYTES',
      data: records.map((r) => r[name]),
    })),
  };
}

describe('KServe v2 / Open Inference Protocol', () => {
  let server: RunningModelServer;
  let root: string;

  beforeAll(async () => {
    root = tempDir('trove-serve-');
    const artifact = flowerArtifact();
    server = await serve(modelFolderDiscovery(versionedFolder(root, artifact, [1, 2])));
  });

  afterAll(async () => {
    await server?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('answers liveness and readiness', async () => {
    expect(await getJson(`${server.url}/v2/health/live`)).toEqual({ status: 200, body: { live: true } });
    expect(await getJson(`${server.url}/v2/health/ready`)).toEqual({ status: 200, body: { ready: true } });
  });

  it('describes a model: versions, one input tensor per field, label and probability outputs', async () => {
    const { status, body } = await getJson(`${server.url}/v2/models/flowers`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ name: 'flowers', versions: ['1', '2'], platform: 'tensorflowjs' });
    expect(body.inputs).toEqual(
      expect.arrayContaining([
        { name: 'sepal_length', datatype: 'FP32', shape: [-1] },
        { name: 'garden', datatype: 'BYTES', shape: [-1] },
      ]),
    );
    expect(body.outputs).toEqual([
      { name: 'label', datatype: 'BYTES', shape: [-1] },
      { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
    ]);
    expect((await getJson(`${server.url}/v2/models/flowers/versions/1/ready`)).body).toEqual({ name: 'flowers', version: '1', ready: true });
  });

  it('infers a batch and gives the same probabilities as the TensorFlow Serving route', async () => {
    const records = [flowerRecord(0), flowerRecord(60), flowerRecord(140)];
    const v2 = await postJson(`${server.url}/v2/models/flowers/infer`, inferRequest(records, 'req-7'));
    expect(v2.status).toBe(200);
    expect(v2.body).toMatchObject({ model_name: 'flowers', model_version: '2', id: 'req-7' });
    const labels = (v2.body.parameters as { labels: string[] }).labels;
    const [label, probabilities] = v2.body.outputs as Tensor[];
    expect(label).toMatchObject({ name: 'label', datatype: 'BYTES', shape: [3] });
    expect(probabilities).toMatchObject({ name: 'probabilities', datatype: 'FP32', shape: [3, 3] });

    const v1 = await postJson(`${server.url}/v1/models/flowers:predict`, { instances: records });
    const expected = (v1.body.predictions as Array<{ label: string; probabilities: Record<string, number> }>);
    expect(label.data).toEqual(expected.map((p) => p.label));
    expect(probabilities.data).toEqual(expected.flatMap((p) => labels.map((l) => p.probabilities[l])));
  });

  it('returns only the outputs asked for, from the version named', async () => {
    const { status, body } = await postJson(`${server.url}/v2/models/flowers/versions/1/infer`, {
      ...inferRequest([flowerRecord(5)]),
      outputs: [{ name: 'label' }],
    });
    expect(status).toBe(200);
    expect(body.model_version).toBe('1');
    expect((body.outputs as Tensor[]).map((t) => t.name)).toEqual(['label']);
  });

  it('answers 400 naming the input whose data does not fit its shape', async () => {
    const request = inferRequest([flowerRecord(0), flowerRecord(1)]);
    request.inputs[0].data.pop();
    const { status, body } = await postJson(`${server.url}/v2/models/flowers/infer`, request);
    expect(status).toBe(400);
    expect(body.field).toBe(request.inputs[0].name);
  });

  it('answers 400 naming the field when a record cannot be predicted', async () => {
    const request = inferRequest([flowerRecord(0)]);
    const { status, body } = await postJson(`${server.url}/v2/models/flowers/infer`, { inputs: request.inputs.filter((t) => t.name !== 'petal_length') });
    expect(status).toBe(400);
    expect(body).toMatchObject({ field: 'petal_length', index: 0 });
  });

  it('answers 404 for an unknown model or version', async () => {
    expect((await postJson(`${server.url}/v2/models/weeds/infer`, inferRequest([flowerRecord(0)]))).status).toBe(404);
    expect((await getJson(`${server.url}/v2/models/flowers/versions/3`)).status).toBe(404);
  });
});
