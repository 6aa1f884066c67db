import fs from 'node:fs';
import { tempDir } from '../helpers/stores.js';
import { modelFolderDiscovery } from '../../src/serving/model-discovery.js';
import { flowerRecord, metric, postJson, serve, flowerArtifact, holdInference, until, versionedFolder } from './fixtures.js';

const BATCHES = 'trove_serving_batch_rows_count{model="flowers",version="1"}';
const BATCHED_ROWS = 'trove_serving_batch_rows_sum{model="flowers",version="1"}';

describe('dynamic batching and the bounded queue', () => {
  let root: string;
  let modelDir: string;

  beforeAll(async () => {
    root = tempDir('trove-serve-');
    modelDir = versionedFolder(root, flowerArtifact(), [1]);
  });

  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('answers requests that arrive together without waiting out --max-wait-ms, never splitting a request', async () => {
    const server = await serve(modelFolderDiscovery(modelDir), { maxBatchRows: 12, maxWaitMs: 60_000 });
    try {
      const answers = await Promise.all(
        Array.from({ length: 6 }, (_, i) => postJson(`${server.url}/v1/models/flowers:predict`, { instances: [flowerRecord(i), flowerRecord(i + 50)] })),
      );
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(answers.every((a) => (a.body.predictions as unknown[]).length === 2)).toBe(true);
      expect(await metric(server.url, BATCHED_ROWS)).toBe(12);
      expect(await metric(server.url, BATCHES)).toBeLessThanOrEqual(6);
    } finally {
      await server.close();
    }
  });

  it('gives each request its own tensor call when batching is off', async () => {
    const server = await serve(modelFolderDiscovery(modelDir), { maxBatchRows: 1, maxWaitMs: 0 });
    try {
      await Promise.all(Array.from({ length: 4 }, (_, i) => postJson(`${server.url}/v1/models/flowers:predict`, { instances: [flowerRecord(i)] })));
      expect(await metric(server.url, BATCHES)).toBe(4);
    } finally {
      await server.close();
    }
  });

  it('turns requests away with 503 and Retry-After when the queue is full, and still answers the queued ones', async () => {
    const server = await serve(modelFolderDiscovery(modelDir));
    try {
      // The version's inference is held, so rows that arrive after the first request wait in its queue.
      const served = server.catalog.resolve('flowers');
      const inference = holdInference(served, { maxBatchRows: 64, maxWaitMs: 60_000, maxQueueRows: 4 });
      const computing = postJson(`${server.url}/v1/models/flowers:predict`, { instances: [flowerRecord(0)] });
      await until(() => inference.calls === 1, 'the first request to reach the inference thread');
      const queued = postJson(`${server.url}/v1/models/flowers:predict`, { instances: [0, 1, 2, 3].map((i) => flowerRecord(i)) });
      await until(() => served.batcher.depth === 4, 'four rows to wait in the queue');
      const refused = await postJson(`${server.url}/v1/models/flowers:predict`, { instances: [flowerRecord(9)] });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.body.code).toBe('overloaded');
      inference.release();
      expect((await computing).status).toBe(200);
      expect((await queued).status).toBe(200);
      expect(await metric(server.url, 'trove_serving_rejected_total{model="flowers"}')).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('exposes request counts, latency histograms and event-loop delay in Prometheus format', async () => {
    const server = await serve(modelFolderDiscovery(modelDir));
    try {
      await postJson(`${server.url}/v1/models/flowers:predict`, { instances: [flowerRecord(0)] });
      const res = await fetch(`${server.url}/metrics`);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      expect(text).toContain('trove_serving_requests_total{route="v1_predict",model="flowers",code="200"} 1');
      expect(text).toMatch(/trove_serving_request_duration_seconds_bucket\{le="0\.02",route="v1_predict",model="flowers"\} \d/);
      expect(text).toContain('trove_serving_inference_duration_seconds_count{model="flowers",version="1"} 1');
      expect(text).toMatch(/trove_serving_nodejs_eventloop_lag_p99_seconds \d/);
      expect(text).toContain('trove_serving_model_version_loaded{model="flowers",version="1"} 1');
      expect(text).toContain('trove_serving_queue_rows{model="flowers",version="1"} 0');
    } finally {
      await server.close();
    }
  });
});
