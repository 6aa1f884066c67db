import fs from 'node:fs';
import path from 'node:path';
import { readCsvRows } from '../../src/ml/dataset.js';
import { evaluateArtifact } from '../../src/ml/evaluate.js';
import { loadPredictor } from '../../src/ml/predictor.js';
import { trainModel } from '../../src/ml/train.js';
import { tune } from '../../src/ml/tune.js';
import { tempDir } from '../helpers/stores.js';
import { datasetsDir } from '../helpers/shared-data.js';

const datasets = datasetsDir;
const snapshot = { name: 'test-snapshot', hash: 'h1' };

describe('training on real data', () => {
  const root = tempDir('trove-ml-');
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('wine reaches the published 96% on its held-out test split', async () => {
    const rows = readCsvRows(path.join(datasets, 'wine.csv'), 'cultivar');
    const result = await trainModel(rows, { model: { epochs: 60 } }, { seed: 7 });
    expect(result.metrics.test?.accuracy).toBeGreaterThanOrEqual(0.96);
    expect(result.metrics.leakCheck.ok).toBe(true);
  }, 240_000);

  test('digits reaches the RBF-SVM baseline of about 97%, and evaluate reproduces its test metrics exactly', async () => {
    const rows = readCsvRows(path.join(datasets, 'digits.csv'), 'digit');
    const dir = path.join(root, 'digits');
    const result = await trainModel(rows, { model: { epochs: 20, layers: [128], batchSize: 64 } }, { seed: 1, outDir: dir, snapshot });
    expect(result.metrics.test?.accuracy).toBeGreaterThanOrEqual(0.96);
    for (const file of ['model.json', 'weights.bin', 'preprocessing.json', 'metrics.json', 'lineage.json', 'splits.json', 'report.html']) {
      expect(fs.existsSync(path.join(dir, file))).toBe(true);
    }
    const again = await evaluateArtifact(dir, rows, snapshot.hash);
    expect(again.on).toBe('test');
    expect(again.test).toEqual(result.metrics.test);
  }, 240_000);

  test('a saved model predicts raw records through its saved preprocessing and names bad ones', async () => {
    const rows = readCsvRows(path.join(datasets, 'iris.csv'), 'species');
    const dir = path.join(root, 'iris');
    await trainModel(rows, { model: { epochs: 40 } }, { seed: 3, outDir: dir, name: 'iris' });
    const predictor = await loadPredictor(dir);
    try {
      expect(predictor.metadata.labels).toEqual(['setosa', 'versicolor', 'virginica']);
      expect(predictor.metadata.inputs.map((i) => i.name)).toEqual(['petal_length', 'petal_width', 'sepal_length', 'sepal_width']);
      const [p] = await predictor.predict([{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }]);
      expect(p.label).toBe('setosa');
      expect(Object.values(p.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(predictor.check({ sepal_length: 'NaN', sepal_width: 3, petal_length: 1, petal_width: 0.2 })).toEqual({ field: 'sepal_length', reason: 'is NaN (not a finite number)' });
      expect(predictor.check({ sepal_width: 3, petal_length: 1, petal_width: 0.2 })).toBeNull();
    } finally {
      predictor.dispose();
    }
    const report = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
    expect(report).not.toMatch(/<script|https?:\/\//);
    expect(report).toContain('Confusion matrix');
  }, 240_000);
});

test('the label-noise finder flags most of the labels that were flipped on purpose', async () => {
  const rows = readCsvRows(path.join(datasets, 'iris.csv'), 'species');
  const flipped = [3, 20, 45, 60, 80, 110, 130, 140];
  for (const i of flipped) rows[i].label = rows[i].label === 'setosa' ? 'virginica' : 'setosa';
  const result = await trainModel(rows, { model: { epochs: 20 }, clean: { duplicates: 'keep' } }, { seed: 5, findLabelNoise: true });
  const found = new Set(result.labelIssues?.map((i) => i.itemId));
  const hits = flipped.filter((i) => found.has(rows[i].id)).length;
  expect(hits).toBeGreaterThanOrEqual(6);
  expect(found.size).toBeLessThan(20);
}, 240_000);

test('tuning reports every trial as mean ± std over its seeds and touches the test split once, for the winner', async () => {
  const rows = readCsvRows(path.join(datasets, 'wine.csv'), 'cultivar');
  const result = await tune(rows, { model: { epochs: 9 }, tune: { trials: 3, seeds: 2 } }, { seed: 4 });
  expect(result.trials).toHaveLength(3);
  for (const t of result.trials) {
    expect(t.scores.length).toBe(2);
    expect(t.mean).toBeCloseTo((t.scores[0] + t.scores[1]) / 2, 10);
  }
  expect(result.best.mean).toBe(Math.max(...result.trials.filter((t) => t.epochs === 9).map((t) => t.mean)));
  expect(result.winner.metrics.test).not.toBeNull();
}, 240_000);
