import { InputError } from '../core/errors.js';
import type { TrainConfig } from './config.js';
import { kNearestNeighbours } from './knn.js';
import type { EncodedRows } from './preprocess/pipeline.js';
import { randomInt, seededRandom, shuffleInPlace, type Random } from './random.js';

/** The encoded training split. Only `encodeTrainingSplit` in train.ts makes one, so balancing cannot touch held-out rows. */
export interface EncodedTrainingSet {
  readonly kind: 'train';
  x: EncodedRows;
  y: Int32Array;
}

export interface BalanceReport {
  method: TrainConfig['balance']['method'];
  before: Record<string, number>;
  after: Record<string, number>;
}

/**
 * Resamples the training set only, after the split: random undersampling, random oversampling or
 * SMOTE (new points on the segment between a minority row and one of its k nearest same-class
 * neighbours). Target counts come from `strategy`: "auto" (every class to the majority — or, when
 * undersampling, the minority — count), a ratio of minority to majority, or explicit counts.
 */
export function balanceTrainingSet(set: EncodedTrainingSet, labels: string[], balance: TrainConfig['balance'], seed: number): { set: EncodedTrainingSet; report: BalanceReport } {
  const counts = classCounts(set.y, labels.length);
  const before = Object.fromEntries(labels.map((l, c) => [l, counts[c]]));
  if (balance.method === 'none') return { set, report: { method: 'none', before, after: before } };
  if (balance.method === 'smote' && set.x.tokens) throw new InputError('balance: SMOTE needs numeric features; use oversample or undersample for text');
  const targets = targetCounts(counts, labels, balance);
  const random = seededRandom(seed);
  const byClass = labels.map((_, c) => indicesOf(set.y, c));
  const picks: number[] = [];
  const synthetic: Array<{ c: number; rows: Float32Array; n: number }> = [];
  byClass.forEach((rows, c) => {
    const target = targets[c];
    if (target <= rows.length) {
      const chosen = [...rows];
      if (target < rows.length) shuffleInPlace(chosen, random);
      for (let i = 0; i < target; i++) picks.push(chosen[i]);
      return;
    }
    for (const r of rows) picks.push(r);
    const extra = target - rows.length;
    if (balance.method === 'smote') synthetic.push({ c, rows: smote(set.x, rows, extra, balance.k, random), n: extra });
    else for (let i = 0; i < extra; i++) picks.push(rows[randomInt(random, rows.length)]);
  });
  const out = assemble(set, picks, synthetic);
  const afterCounts = classCounts(out.y, labels.length);
  return { set: out, report: { method: balance.method, before, after: Object.fromEntries(labels.map((l, c) => [l, afterCounts[c]])) } };
}

function classCounts(y: Int32Array, k: number): number[] {
  const counts = new Array<number>(k).fill(0);
  for (const c of y) counts[c]++;
  return counts;
}

function indicesOf(y: Int32Array, c: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < y.length; i++) if (y[i] === c) out.push(i);
  return out;
}

function targetCounts(counts: number[], labels: string[], balance: TrainConfig['balance']): number[] {
  const max = Math.max(...counts);
  const min = Math.min(...counts.filter((c) => c > 0));
  const { strategy, method } = balance;
  if (strategy === 'auto') return counts.map((c) => (method === 'undersample' ? Math.min(c, min) : Math.max(c, max)));
  if (typeof strategy === 'number') {
    return counts.map((c) => (method === 'undersample' ? Math.min(c, Math.ceil(min / strategy)) : Math.max(c, Math.ceil(max * strategy))));
  }
  const unknown = Object.keys(strategy).filter((l) => !labels.includes(l));
  if (unknown.length) throw new InputError(`balance.strategy: unknown class "${unknown[0]}" (classes: ${labels.join(', ')})`);
  return counts.map((c, i) => strategy[labels[i]] ?? c);
}

/** `extra` synthetic rows for one class. */
export function smote(x: EncodedRows, rows: number[], extra: number, k: number, random: Random): Float32Array {
  const d = x.denseWidth;
  const n = rows.length;
  if (n < 2) throw new InputError(`balance: SMOTE needs at least 2 rows of a class to interpolate, one class has ${n}`);
  const points = new Float32Array(n * d);
  rows.forEach((r, i) => points.set(x.dense.subarray(r * d, r * d + d), i * d));
  const kk = Math.min(k, n - 1);
  const neighbours = kNearestNeighbours(points, n, d, kk);
  const out = new Float32Array(extra * d);
  for (let s = 0; s < extra; s++) {
    const i = randomInt(random, n);
    const j = neighbours[i * kk + randomInt(random, kk)];
    const gap = random();
    for (let f = 0; f < d; f++) out[s * d + f] = points[i * d + f] + gap * (points[j * d + f] - points[i * d + f]);
  }
  return out;
}

function assemble(set: EncodedTrainingSet, picks: number[], synthetic: Array<{ c: number; rows: Float32Array; n: number }>): EncodedTrainingSet {
  const { denseWidth: d, sequenceLength: L } = set.x;
  const total = picks.length + synthetic.reduce((s, b) => s + b.n, 0);
  const dense = new Float32Array(total * d);
  const tokens = set.x.tokens ? new Int32Array(total * L) : null;
  const y = new Int32Array(total);
  picks.forEach((p, i) => {
    dense.set(set.x.dense.subarray(p * d, p * d + d), i * d);
    if (tokens && set.x.tokens) tokens.set(set.x.tokens.subarray(p * L, p * L + L), i * L);
    y[i] = set.y[p];
  });
  let at = picks.length;
  for (const block of synthetic) {
    dense.set(block.rows, at * d);
    y.fill(block.c, at, at + block.n);
    at += block.n;
  }
  return { kind: 'train', x: { n: total, dense, denseWidth: d, tokens, sequenceLength: L }, y };
}
