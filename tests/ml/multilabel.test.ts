import fs from 'node:fs';
import path from 'node:path';
import { createSource } from '../../src/core/sources.js';
import { runSource } from '../../src/hub.js';
import { getProject } from '../../src/labeling/projects.js';
import { getTaskContext, nextTask, submitAnnotation } from '../../src/labeling/tasks.js';
import { readJsonFile, type PreprocessingFile } from '../../src/ml/artifact.js';
import { evaluateArtifact } from '../../src/ml/evaluate.js';
import { computeMultiLabelMetrics } from '../../src/ml/multilabel-metrics.js';
import { loadPredictor } from '../../src/ml/predictor.js';
import { createSnapshot } from '../../src/ml/snapshots/create-snapshot.js';
import { loadSnapshotRows } from '../../src/ml/snapshots/snapshot-store.js';
import { trainModel } from '../../src/ml/train.js';
import { describeEachStore, tempDir } from '../helpers/stores.js';
import { seedProject, seedUsers, unique } from '../labeling/helpers.js';

describe('multi-label metrics', () => {
  // Rows' true sets: {a} {a,b} {b} {} — predicted at 0.5: {a} {a} {b} {a}.
  const truth = Float32Array.from([1, 0, 1, 1, 0, 1, 0, 0]);
  const probs = Float32Array.from([0.9, 0.2, 0.8, 0.4, 0.3, 0.7, 0.6, 0.1]);
  const m = computeMultiLabelMetrics(['a', 'b'], truth, probs);

  test('accuracy is the share of rows whose whole label set is right; Hamming loss the share of wrong yes/no decisions', () => {
    expect(m.accuracy).toBe(0.5);
    expect(m.multiLabel).toMatchObject({ subsetAccuracy: 0.5, hammingLoss: 0.25, threshold: 0.5 });
  });

  test('per-label precision, recall and F1, then macro, weighted and micro averages', () => {
    expect(m.perClass.a).toEqual({ precision: 2 / 3, recall: 1, f1: 0.8, support: 2 });
    expect(m.perClass.b.precision).toBe(1);
    expect(m.perClass.b.recall).toBe(0.5);
    expect(m.perClass.b.f1).toBeCloseTo(2 / 3, 10);
    expect(m.macroF1).toBeCloseTo((0.8 + 2 / 3) / 2, 10);
    expect(m.weightedF1).toBeCloseTo(m.macroF1, 10);
    expect(m.multiLabel?.microF1).toBeCloseTo(0.75, 10);
  });

  test('ROC AUC averages the labels; the confusion matrix pools every decision', () => {
    expect(m.rocAuc).toBe(1);
    expect(m.confusion).toEqual({ labels: ['absent', 'present'], matrix: [[3, 1], [1, 3]] });
  });
});

/** Points in the square: "left" when x < 0, "top" when y > 0, "far" outside the diamond |x| + |y| = 1. */
function tagsOf(x: number, y: number): string[] {
  return [...(x < 0 ? ['left'] : []), ...(y > 0 ? ['top'] : []), ...(Math.abs(x) + Math.abs(y) > 1 ? ['far'] : [])];
}

function points(n: number): Array<{ id: number; x: number; y: number; tags: string[] }> {
  let state = 12345;
  const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  return Array.from({ length: n }, (_, id) => {
    const [x, y] = [next(), next()];
    return { id, x, y, tags: tagsOf(x, y) };
  });
}

describeEachStore('multi-label snapshots and models', (get) => {
  let dir: string;
  beforeAll(async () => {
    const { hub } = get();
    dir = tempDir('trove-multilabel-');
    const file = path.join(dir, 'points.jsonl');
    fs.writeFileSync(file, points(600).map((p) => JSON.stringify(p)).join('\n') + '\n');
    const config = hub.kinds.parseConfig('file', { kind: 'file', path: file, format: 'jsonl', key: 'id', label: 'tags' }, 'test') as Record<string, unknown>;
    await createSource(hub.store.db, { name: 'points', kind: 'file', config });
    await runSource(hub, 'points');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a label field holding arrays freezes a multi-label snapshot, counted per label', async () => {
    const { hub } = get();
    const snapshot = await createSnapshot(hub.store, { name: 'points-1', source: 'points', labelField: 'tags' });
    const { rows } = await loadSnapshotRows(hub.store.db, 'points-1');
    const expected = points(600);
    expect(snapshot.datasheet.task).toBe('multi-label');
    expect(snapshot.datasheet.labelDistribution.left).toBe(expected.filter((p) => p.tags.includes('left')).length);
    expect(snapshot.datasheet.classes).toBe(3);
    expect(rows[0].labels).toEqual([...expected[0].tags].sort());
    expect(Object.keys(rows[0].features).sort()).toEqual(['id', 'x', 'y']);
  });

  test('a multi-label model learns each label as its own yes/no, predicts label lists, and evaluate reproduces it', async () => {
    const { hub } = get();
    const { snapshot, rows } = await loadSnapshotRows(hub.store.db, 'points-1');
    const out = path.join(dir, 'model');
    const result = await trainModel(rows, { features: { id: 'ignore' }, model: { epochs: 80, layers: [32, 16], learningRate: 0.02 } }, { seed: 3, outDir: out, snapshot: { name: snapshot.name, hash: snapshot.contentHash } });

    expect(readJsonFile<PreprocessingFile>(out, 'preprocessing.json').task).toBe('multilabel');
    expect(result.metrics.test?.multiLabel).toBeDefined();
    expect(result.metrics.test?.macroF1).toBeGreaterThan(0.85);
    expect(result.metrics.test?.accuracy).toBeGreaterThan(0.7);
    const predictor = await loadPredictor(out);
    try {
      const [corner, centre] = await predictor.predict([{ id: 0, x: -0.9, y: 0.9 }, { id: 0, x: 0.2, y: -0.2 }]);
      expect(corner.label).toEqual(['far', 'left', 'top']);
      expect(centre.label).toEqual([]);
      expect(Object.keys(corner.probabilities).sort()).toEqual(['far', 'left', 'top']);
    } finally {
      predictor.dispose();
    }
    expect((await evaluateArtifact(out, rows, snapshot.contentHash)).test).toEqual(result.metrics.test);
  }, 180_000);

  test('class balancing and the label-noise finder are refused for multi-label data, in words', async () => {
    const { rows } = await loadSnapshotRows(get().hub.store.db, 'points-1');
    await expect(trainModel(rows, { balance: { method: 'smote' } })).rejects.toThrow('balance.method "smote" resamples single-label classes; this snapshot is multi-label (use "none")');
    await expect(trainModel(rows, {}, { findLabelNoise: true })).rejects.toThrow('the label-noise finder works on single-label snapshots');
  });

  test('a multi-label labeling project freezes its aggregated label sets', async () => {
    const { hub } = get();
    const db = hub.store.db;
    const project = await seedProject(hub, ['sunny and warm', 'cold rain', 'mild'], { overlap: 2, ordering: 'source', schema: { kind: 'multi', labels: [{ value: 'warm' }, { value: 'wet' }] } });
    const answers: Record<string, string[]> = { 'sunny and warm': ['warm'], 'cold rain': ['wet'], mild: [] };
    for (const user of await seedUsers(hub, 2)) {
      for (let next = await nextTask(db, project, user.id); next; next = await nextTask(db, project, user.id)) {
        const task = await getTaskContext(db, next.task.id);
        await submitAnnotation(db, await getProject(db, project.name), task, user.id, { clientId: unique('c'), result: { labels: answers[next.item.text as string] } });
      }
    }
    const snapshot = await createSnapshot(hub.store, { name: unique('weather'), project: project.name });
    const { rows } = await loadSnapshotRows(db, snapshot.name);
    expect(snapshot.datasheet.task).toBe('multi-label');
    expect(Object.fromEntries(rows.map((r) => [r.features.text, r.labels]))).toEqual({ 'sunny and warm': ['warm'], 'cold rain': ['wet'], mild: [] });
    expect(snapshot.datasheet.excluded).toEqual({ unlabeled: 0, lowConfidence: 0, spans: 0 });
  });
});
