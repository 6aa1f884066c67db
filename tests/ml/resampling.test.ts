import { balanceTrainingSet } from '../../src/ml/balance.js';
import type { LabeledRow } from '../../src/ml/dataset.js';
import { nearDuplicateClusters } from '../../src/ml/preprocess/minhash.js';
import { seededRandom } from '../../src/ml/random.js';
import { splitRows } from '../../src/ml/split.js';

test('SMOTE raises every class to the majority count with points between same-class neighbours', () => {
  const random = seededRandom(2);
  const n = 300;
  const y = Int32Array.from({ length: n }, (_, i) => (i < 250 ? 0 : 1));
  const dense = Float32Array.from({ length: n * 2 }, (_, i) => (y[i >> 1] === 0 ? random() : 10 + random()));
  const { set, report } = balanceTrainingSet({ kind: 'train', x: { n, dense, denseWidth: 2, tokens: null, sequenceLength: 0 }, y }, ['a', 'b'], { method: 'smote', k: 5, strategy: 'auto' }, 1);
  expect(report.after).toEqual({ a: 250, b: 250 });
  for (let i = 0; i < set.x.n; i++) if (set.y[i] === 1) expect(set.x.dense[i * 2]).toBeGreaterThanOrEqual(10);
});

test('undersampling to explicit per-class counts', () => {
  const y = Int32Array.from({ length: 100 }, (_, i) => (i < 80 ? 0 : 1));
  const { report } = balanceTrainingSet({ kind: 'train', x: { n: 100, dense: new Float32Array(100), denseWidth: 1, tokens: null, sequenceLength: 0 }, y }, ['a', 'b'], { method: 'undersample', k: 5, strategy: { a: 30 } }, 1);
  expect(report.after).toEqual({ a: 30, b: 20 });
});

test('the split is stratified, seeded, keeps one page in one split and passes the leak check', () => {
  const rows: LabeledRow[] = Array.from({ length: 400 }, (_, i) => ({ id: i + 1, features: { v: i }, label: i % 4 === 0 ? 'rare' : 'common', group: `page-${Math.floor(i / 4)}` }));
  const a = splitRows(rows, { train: 0.7, val: 0.15, test: 0.15, stratify: true }, 9);
  const b = splitRows(rows, { train: 0.7, val: 0.15, test: 0.15, stratify: true }, 9);
  expect(a.test.rows.map((r) => r.id)).toEqual(b.test.rows.map((r) => r.id));
  expect(a.leakCheck.ok).toBe(true);
  const pagesOf = (rs: LabeledRow[]) => new Set(rs.map((r) => r.group));
  for (const page of pagesOf(a.test.rows)) expect(pagesOf(a.train.rows).has(page)).toBe(false);
  expect(a.train.rows.length).toBeGreaterThan(260);
  expect(a.train.rows.length).toBeLessThan(300);
});

test('MinHash ties near-duplicate texts together and leaves different ones apart', () => {
  const base = 'the quick brown fox jumps over the lazy dog near the quiet river bank at dawn today';
  const clusters = nearDuplicateClusters([base, base.replace('today', 'again'), 'completely different words about databases and indexes and query planners'], 0.5);
  expect(clusters[1]).toBe(clusters[0]);
  expect(clusters[2]).toBe(2);
});
