/**
 * `npm run bench:ml`: (1) `trainModel` against a bare tfjs `model.fit` of the same network on the
 * same tensors (a 20,000-row synthetic table, fixed epochs, no early stopping), in samples per
 * second, runs alternating so machine load hits both alike; the fitting phase and the whole
 * pipeline are reported separately. (2) SMOTE end to end at 10k, 100k and 1M rows (20 features, 10%
 * minority, Gaussian clusters) and the exact neighbour search alone over 100,000 × 20 rows.
 * CPU time is printed beside wall time because the machine is usually shared.
 * (3) Tabular parity against scikit-learn on iris, wine and digits (tabular-parity.ts).
 * (4) The text part (text-bench.ts): ReutersCorn against scikit-learn, 100,000 documents, a served text model.
 * `BENCH_ML_PART=training|smote|parity|text` runs one part; `BENCH_ML_EPOCHS` (10) and `BENCH_ML_RUNS` (5) size the training part.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/ml/backend.js';
import { balanceTrainingSet } from '../../src/ml/balance.js';
import { parseTrainConfig } from '../../src/ml/config.js';
import type { LabeledRow } from '../../src/ml/dataset.js';
import { kNearestNeighbours } from '../../src/ml/knn.js';
import { buildModel, inputTensors } from '../../src/ml/model-builder.js';
import { seededRandom } from '../../src/ml/random.js';
import { encodeSplit, fitPreprocessing, modelShape, prepareData, trainModel } from '../../src/ml/train.js';
import { median } from '../median.js';
import { tabularParity } from './tabular-parity.js';
import { textBench } from './text-bench.js';

const EPOCHS = Number(process.env.BENCH_ML_EPOCHS ?? 10);
const RUNS = Number(process.env.BENCH_ML_RUNS ?? 5);
const TRAINING_ROWS = 20_000;
const TRAINING_FEATURES = 30;
const CLASSES = 4;

/** A learnable table: each class a shifted Gaussian blob, so training does real work on every batch. */
function syntheticRows(n: number, seed: number): LabeledRow[] {
  const random = seededRandom(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const shifts = Array.from({ length: CLASSES }, () => Array.from({ length: TRAINING_FEATURES }, () => gaussian()));
  return Array.from({ length: n }, (_, id) => {
    const c = id % CLASSES;
    const features = Object.fromEntries(shifts[c].map((s, j) => [`f${j}`, s + 2 * gaussian()]));
    return { id: id + 1, features, label: `class${c}` };
  });
}

interface BareFit {
  samplesPerSecond: number;
  cpuSeconds: number;
  epochCpuSeconds: number;
  trainRows: number;
}

/**
 * CPU seconds per epoch after the first, from process CPU readings taken at each epoch's end:
 * this leaves out set-up and the first epoch's warm-up, so it compares the training loops alone.
 */
function epochCpu(readings: number[]): number {
  return (readings[readings.length - 1] - readings[0]) / (readings.length - 1);
}

const cpuNow = () => {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1e6;
};

async function bareFit(rows: LabeledRow[], config: ReturnType<typeof parseTrainConfig>): Promise<BareFit> {
  const { labels, splits } = prepareData(rows, config, 42);
  const { pre, train } = fitPreprocessing(splits.train, config);
  const tr = encodeSplit(pre, train, labels);
  const va = encodeSplit(pre, splits.val, labels);
  const model = buildModel(modelShape(pre, labels.length), 'mlp', config.model, 42);
  const [x] = inputTensors(tr.x.dense, tr.x.denseWidth, null, 0, tr.x.n);
  const [vx] = inputTensors(va.x.dense, va.x.denseWidth, null, 0, va.x.n);
  const y = tf.oneHot(tf.tensor1d(tr.y, 'int32'), labels.length);
  const vy = tf.oneHot(tf.tensor1d(va.y, 'int32'), labels.length);
  const cpu = cpuNow();
  const t = performance.now();
  const readings: number[] = [];
  await model.fit(x, y, {
    epochs: EPOCHS, batchSize: config.model.batchSize, shuffle: true, validationData: [vx, vy], verbose: 0,
    callbacks: { onEpochEnd: async () => void readings.push(cpuNow()) },
  });
  const seconds = (performance.now() - t) / 1000;
  const fitCpu = cpuNow() - cpu;
  [x, vx, y, vy].forEach((z) => z.dispose());
  model.dispose();
  return { samplesPerSecond: (tr.x.n * EPOCHS) / seconds, cpuSeconds: fitCpu, epochCpuSeconds: epochCpu(readings), trainRows: tr.x.n };
}

async function trainingThroughput(): Promise<void> {
  const backend = await initBackend();
  const rows = syntheticRows(TRAINING_ROWS, 3);
  const config = parseTrainConfig({ model: { epochs: EPOCHS, earlyStopping: 0, layers: [128, 64] } });
  const bare: number[] = [];
  const fitPhase: number[] = [];
  const endToEnd: number[] = [];
  const cpuRatio: number[] = [];
  const epochCpuRatio: number[] = [];
  let trainRows = 0;
  for (let r = 0; r < RUNS; r++) {
    const cpu = cpuNow();
    const t = performance.now();
    const readings: number[] = [];
    const result = await trainModel(rows, config, { seed: 42, onEpoch: () => readings.push(cpuNow()) });
    const seconds = (performance.now() - t) / 1000;
    const troveCpu = cpuNow() - cpu;
    const baseline = await bareFit(rows, config);
    trainRows = baseline.trainRows;
    fitPhase.push(result.metrics.samplesPerSecond);
    endToEnd.push((trainRows * EPOCHS) / seconds);
    bare.push(baseline.samplesPerSecond);
    cpuRatio.push(baseline.cpuSeconds / troveCpu);
    epochCpuRatio.push(baseline.epochCpuSeconds / epochCpu(readings));
    console.log(`  run ${r + 1}: bare ${bare[r].toFixed(0)}, fitting phase ${fitPhase[r].toFixed(0)}, end to end ${endToEnd[r].toFixed(0)} samples/s; CPU ${baseline.cpuSeconds.toFixed(1)} s bare fit, ${troveCpu.toFixed(1)} s trove train; CPU per epoch ${baseline.epochCpuSeconds.toFixed(2)} s bare, ${epochCpu(readings).toFixed(2)} s trove`);
  }
  const overhead = (xs: number[]) => `${((1 - median(xs.map((x, r) => x / bare[r]))) * 100).toFixed(1)}%`;
  console.log(
    `training (synthetic ${TRAINING_ROWS} rows × ${TRAINING_FEATURES} features, ${trainRows} train rows, MLP 128-64, ${EPOCHS} epochs, backend ${backend.name}, medians of ${RUNS} alternating runs): ` +
      `bare model.fit ${median(bare).toFixed(0)} samples/s; trove fitting phase ${median(fitPhase).toFixed(0)} (overhead ${overhead(fitPhase)}); ` +
      `trove train end to end ${median(endToEnd).toFixed(0)} (overhead ${overhead(endToEnd)}); by CPU time: per epoch overhead ${((1 - median(epochCpuRatio)) * 100).toFixed(1)}%, end to end ${((1 - median(cpuRatio)) * 100).toFixed(1)}%`,
  );
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

function timed(run: () => void): string {
  const cpu = process.cpuUsage();
  const t = performance.now();
  run();
  const used = process.cpuUsage(cpu);
  return `${((performance.now() - t) / 1000).toFixed(2)} s wall, ${((used.user + used.system) / 1e6).toFixed(2)} s CPU`;
}

function smoteTimes(): void {
  const d = 20;
  for (const n of [10_000, 100_000, 1_000_000]) {
    const dense = clustered(n, d, n);
    const y = Int32Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 1 : 0));
    let after = 0;
    const time = timed(() => {
      const { report } = balanceTrainingSet({ kind: 'train', x: { n, dense, denseWidth: d, tokens: null, sequenceLength: 0 }, y }, ['major', 'minor'], { method: 'smote', k: 5, strategy: 'auto' }, 1);
      after = report.after.minor;
    });
    console.log(`SMOTE ${n} rows × ${d} (10% minority → ${after}): ${time}`);
  }
  const n = 100_000;
  const points = clustered(n, d, 7);
  console.log(`exact 5-NN of all ${n} × ${d} rows: ${timed(() => kNearestNeighbours(points, n, d, 5))}`);
}

const part = process.env.BENCH_ML_PART;
if (part === undefined || part === 'training') await trainingThroughput();
if (part === undefined || part === 'smote') smoteTimes();
if (part === undefined || part === 'parity') await tabularParity();
if (part === undefined || part === 'text') await textBench();
