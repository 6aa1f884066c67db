import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/core/log.js';
import { readCsvRows, type LabeledRow } from '../../src/ml/dataset.js';
import type { SplitMetrics } from '../../src/ml/metrics.js';
import type { Prediction } from '../../src/ml/predictor-contract.js';
import { loadPredictor } from '../../src/ml/predictor.js';
import { seededRandom } from '../../src/ml/random.js';
import { trainModel } from '../../src/ml/train.js';
import { modelFolderDiscovery } from '../../src/serving/model-discovery.js';
import { startModelServer } from '../../src/serving/model-server.js';
import { loadServingConfig } from '../../src/serving/serving-config.js';
import { tempDir } from '../helpers/stores.js';
import { topicRows, topicText } from './generated-text.js';

/**
 * Every architecture the training config accepts trains on the default (WebAssembly) backend, on
 * small data in a few epochs, and beats always answering the most common class on held-out rows.
 */

const datasets = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/datasets');

/** Accuracy of always answering the test split's most common class. */
function majorityRate(test: SplitMetrics): number {
  return Math.max(...Object.values(test.perClass).map((c) => c.support)) / test.n;
}

/**
 * Text beside a number, labelled "yes" only when the text is about the harvest and the number is
 * positive: neither input alone can beat the majority ("no", three rows in four) by much.
 */
function textAndNumberRows(n: number, seed: number): LabeledRow[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const topic = i % 2 === 0 ? 'harvest' : 'market';
    const amount = Math.round((random() * 2 - 1) * 1000) / 100;
    const yes = topic === 'harvest' && amount > 0;
    return { id: i + 1, features: { text: topicText(topic, random), amount }, label: yes ? 'yes' : 'no' };
  });
}

/** The first 600 digits, each as one 8 × 8 pixel array (the form images arrive in). */
const digitImages = (): LabeledRow[] =>
  readCsvRows(path.join(datasets, 'digits.csv'), 'digit')
    .slice(0, 600)
    .map((row) => ({ ...row, features: { image: Object.values(row.features) as number[] } }));

const cases = [
  { architecture: 'mlp', data: 'iris', rows: () => readCsvRows(path.join(datasets, 'iris.csv'), 'species'), model: { epochs: 30 } },
  { architecture: 'cnn', data: '600 digit images', rows: digitImages, model: { epochs: 4, layers: [64] } },
  { architecture: 'text-pool', data: 'generated topic texts', rows: () => topicRows(500, 1), model: { epochs: 8 } },
  { architecture: 'text-conv', data: 'generated topic texts', rows: () => topicRows(500, 2), model: { epochs: 5 } },
  { architecture: 'text-pool', data: 'text beside a number', rows: () => textAndNumberRows(600, 3), model: { epochs: 12 } },
  { architecture: 'text-tfidf', data: 'generated topic texts', rows: () => topicRows(500, 7), model: {} },
  { architecture: 'text-tfidf', data: 'text beside a number', rows: () => textAndNumberRows(600, 8), model: {} },
];

describe('every architecture trains on the default backend and learns something', () => {
  test.each(cases)('$architecture on $data', async ({ architecture, rows, model }) => {
    const result = await trainModel(rows(), { model: { architecture, ...model } }, { seed: 5 });
    expect(result.metrics.backend).toBe('wasm');
    expect(result.metrics.architecture).toBe(architecture);
    const test = result.metrics.test as SplitMetrics;
    expect(test.accuracy).toBeGreaterThan(majorityRate(test) + 0.1);
  }, 240_000);
});

describe('a text model trained on WebAssembly predicts the same when the model server loads it', () => {
  const root = tempDir('trove-arch-');
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test.each(['text-pool', 'text-conv'])('%s: the served probabilities equal the local predictor\'s, bit for bit', async (architecture) => {
    const modelDir = path.join(root, architecture);
    await trainModel(topicRows(300, 4), { model: { architecture, epochs: 3 } }, { seed: 6, outDir: path.join(modelDir, '1'), name: architecture });
    const random = seededRandom(9);
    const records = Array.from({ length: 12 }, (_, i) => ({ text: topicText(['harvest', 'weather', 'market'][i % 3], random) }));
    const predictor = await loadPredictor(path.join(modelDir, '1'));
    let local: Prediction[];
    try {
      local = await predictor.predict(records);
    } finally {
      predictor.dispose();
    }
    const config = loadServingConfig({ port: 0, host: '127.0.0.1', pollIntervalMs: 0 }, {});
    const server = await startModelServer(modelFolderDiscovery(modelDir), { config, log: silentLogger });
    try {
      const served: Prediction[] = [];
      for (const record of records) {
        const res = await fetch(`${server.url}/v1/models/${architecture}:predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: [record] }) });
        expect(res.status).toBe(200);
        const [prediction] = ((await res.json()) as { predictions: Prediction[] }).predictions;
        served.push({ label: prediction.label, probabilities: prediction.probabilities });
      }
      expect(served).toEqual(local);
    } finally {
      await server.close();
    }
  }, 240_000);
});
