/**
 * `npm run bench:ml`: (1) `trainModel` end to end against a bare tfjs `model.fit` of the same
 * network on the same tensors (digits, fixed epochs, no early stopping), in samples per second;
 * (2) SMOTE at 10k, 100k and 1M rows (20 features, 10% minority, Gaussian clusters) and the k-d
 * tree neighbour search over 100,000 × 20 rows.
 */
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/ml/backend.js';
import { balanceTrainingSet } from '../../src/ml/balance.js';
import { parseTrainConfig } from '../../src/ml/config.js';
import { readCsvRows } from '../../src/ml/dataset.js';
import { kNearestNeighbours } from '../../src/ml/knn.js';
import { buildModel, inputTensors } from '../../src/ml/model-builder.js';
import { seededRandom } from '../../src/ml/random.js';
import { encodeSplit, fitPreprocessing, modelShape, prepareData, trainModel } from '../../src/ml/train.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const EPOCHS = 10;
const REPEATS = 3;

async function trainingThroughput(): Promise<void> {
  const backend = await initBackend();
  const rows = readCsvRows(fileURLToPath(new URL('../../../shared/datasets/digits.csv', import.meta.url)), 'digit');
  const config = parseTrainConfig({ model: { epochs: EPOCHS, earlyStopping: 0, layers: [128, 64] } });
  const { labels, splits } = prepareData(rows, config, 42);
  const { pre, train } = fitPreprocessing(splits.train, config);
  const tr = encodeSplit(pre, train, labels);
  const va = encodeSplit(pre, splits.val, labels);
  const shape = modelShape(pre, labels.length);
  const trove: number[] = [];
  const fitPhase: number[] = [];
  const bare: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    let t = performance.now();
    const result = await trainModel(rows, config, { seed: 42 });
    fitPhase.push(result.metrics.samplesPerSecond);
    trove.push((tr.x.n * EPOCHS) / ((performance.now() - t) / 1000));
    const model = buildModel(shape, 'mlp', config.model, 42);
    const [x] = inputTensors(tr.x.dense, tr.x.denseWidth, null, 0, tr.x.n);
    const [vx] = inputTensors(va.x.dense, va.x.denseWidth, null, 0, va.x.n);
    const y = tf.oneHot(tf.tensor1d(tr.y, 'int32'), labels.length);
    const vy = tf.oneHot(tf.tensor1d(va.y, 'int32'), labels.length);
    t = performance.now();
    await model.fit(x, y, { epochs: EPOCHS, batchSize: 32, shuffle: true, validationData: [vx, vy], verbose: 0 });
    bare.push((tr.x.n * EPOCHS) / ((performance.now() - t) / 1000));
    [x, vx, y, vy].forEach((z) => z.dispose());
    model.dispose();
  }
  const [a, b] = [median(trove), median(bare)];
  console.log(`training (digits, ${tr.x.n} train rows, ${EPOCHS} epochs, backend ${backend.name}): trove train ${a.toFixed(0)} samples/s, bare model.fit ${b.toFixed(0)} samples/s, overhead ${((1 - a / b) * 100).toFixed(1)}% end to end; fitting phase alone ${median(fitPhase).toFixed(0)} samples/s, overhead ${((1 - median(fitPhase) / b) * 100).toFixed(1)}%`);
}

function clustered(n: number, d: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const centres = Array.from({ length: 50 }, () => Array.from({ length: d }, () => random() * 20));
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = centres[Math.floor(random() * centres.length)];
    for (let j = 0; j < d; j++) out[i * d + j] = c[j] + (random() + random() + random() - 1.5);
  }
  return out;
}

function smoteTimes(): void {
  const d = 20;
  for (const n of [10_000, 100_000, 1_000_000]) {
    const dense = clustered(n, d, n);
    const y = Int32Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 1 : 0));
    const t = performance.now();
    const { report } = balanceTrainingSet({ kind: 'train', x: { n, dense, denseWidth: d, tokens: null, sequenceLength: 0 }, y }, ['major', 'minor'], { method: 'smote', k: 5, strategy: 'auto' }, 1);
    console.log(`SMOTE ${n} rows × ${d} (10% minority → ${report.after.minor}): ${((performance.now() - t) / 1000).toFixed(2)} s`);
  }
  const n = 100_000;
  const points = clustered(n, d, 7);
  const t = performance.now();
  kNearestNeighbours(points, n, d, 5);
  console.log(`k-d tree 5-NN of all ${n} × ${d} rows: ${((performance.now() - t) / 1000).toFixed(2)} s`);
}

await trainingThroughput();
smoteTimes();
