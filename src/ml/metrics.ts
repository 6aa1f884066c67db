import { decidedClass, type Decision } from './decision.js';

/** Classification metrics over class-probability predictions, as metrics.json reports them. */
export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** The multi-label figures of a split (computed in multilabel-metrics.ts). */
export interface MultiLabelSummary {
  /** Share of rows whose predicted label set is exactly the true one (also `accuracy`). */
  subsetAccuracy: number;
  /** Share of (row, label) yes/no decisions that are wrong. */
  hammingLoss: number;
  microF1: number;
  threshold: number;
}

export interface SplitMetrics {
  n: number;
  accuracy: number;
  macroF1: number;
  weightedF1: number;
  /** Binary: AUC of the second label; multiclass: macro average of one-vs-rest AUCs. Null when undefined. */
  rocAuc: number | null;
  prAuc: number | null;
  logLoss: number;
  /** Expected calibration error of the top-class confidence over 10 bins. */
  calibrationError: number;
  perClass: Record<string, ClassMetrics>;
  confusion: { labels: string[]; matrix: number[][] };
  /** Multi-label models only: subset accuracy, Hamming loss, micro F1 and the decision threshold. */
  multiLabel?: MultiLabelSummary;
}

export interface CurvePoint {
  x: number;
  y: number;
}

export { argmaxRow } from './decision.js';

/** Metrics of predictions labelled by `decision` (a binary model's threshold) or, without one, by the most probable class. */
export function computeMetrics(labels: string[], truth: Int32Array, probs: Float32Array, decision: Decision | null = null): SplitMetrics {
  const k = labels.length;
  const n = truth.length;
  const matrix = labels.map(() => new Array<number>(k).fill(0));
  let correct = 0;
  let logLoss = 0;
  const bins = Array.from({ length: 10 }, () => ({ count: 0, confidence: 0, correct: 0 }));
  for (let i = 0; i < n; i++) {
    const predicted = decidedClass(probs, i, k, decision);
    matrix[truth[i]][predicted]++;
    const hit = predicted === truth[i];
    if (hit) correct++;
    logLoss -= Math.log(Math.max(probs[i * k + truth[i]], 1e-7));
    const confidence = probs[i * k + predicted];
    const bin = bins[Math.min(9, Math.floor(confidence * 10))];
    bin.count++;
    bin.confidence += confidence;
    bin.correct += hit ? 1 : 0;
  }
  const perClass: Record<string, ClassMetrics> = {};
  let macroF1 = 0;
  let weightedF1 = 0;
  labels.forEach((label, c) => {
    const tp = matrix[c][c];
    const predicted = matrix.reduce((s, row) => s + row[c], 0);
    const support = matrix[c].reduce((s, v) => s + v, 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    perClass[label] = { precision, recall, f1, support };
    macroF1 += f1 / k;
    weightedF1 += n ? (f1 * support) / n : 0;
  });
  const calibrationError = n ? bins.reduce((s, b) => s + Math.abs(b.correct - b.confidence), 0) / n : 0;
  return {
    n,
    accuracy: n ? correct / n : 0,
    macroF1,
    weightedF1,
    rocAuc: averageOverClasses(k, (c) => rocAuc(scoresOf(probs, k, c), positives(truth, c))),
    prAuc: averageOverClasses(k, (c) => averagePrecision(scoresOf(probs, k, c), positives(truth, c))),
    logLoss: n ? logLoss / n : 0,
    calibrationError,
    perClass,
    confusion: { labels, matrix },
  };
}

function averageOverClasses(k: number, score: (c: number) => number | null): number | null {
  if (k === 2) return score(1);
  const values = Array.from({ length: k }, (_, c) => score(c)).filter((v): v is number => v !== null);
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

export function scoresOf(probs: Float32Array, k: number, c: number): Float32Array {
  const out = new Float32Array(probs.length / k);
  for (let i = 0; i < out.length; i++) out[i] = probs[i * k + c];
  return out;
}

export function positives(truth: Int32Array, c: number): Uint8Array {
  return Uint8Array.from(truth, (t) => (t === c ? 1 : 0));
}

function sortedByScore(scores: Float32Array): number[] {
  return Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a]);
}

/** ROC curve points (false positive rate, true positive rate), ties handled as one step. */
export function rocCurve(scores: Float32Array, isPositive: Uint8Array): CurvePoint[] | null {
  const P = isPositive.reduce((s, v) => s + v, 0);
  const N = isPositive.length - P;
  if (P === 0 || N === 0) return null;
  const order = sortedByScore(scores);
  const points: CurvePoint[] = [{ x: 0, y: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; i++) {
    if (isPositive[order[i]]) tp++;
    else fp++;
    if (i === order.length - 1 || scores[order[i + 1]] !== scores[order[i]]) points.push({ x: fp / N, y: tp / P });
  }
  return points;
}

export function rocAuc(scores: Float32Array, isPositive: Uint8Array): number | null {
  const curve = rocCurve(scores, isPositive);
  if (!curve) return null;
  let area = 0;
  for (let i = 1; i < curve.length; i++) area += ((curve[i].x - curve[i - 1].x) * (curve[i].y + curve[i - 1].y)) / 2;
  return area;
}

/** Precision–recall curve points (recall, precision). */
export function prCurve(scores: Float32Array, isPositive: Uint8Array): CurvePoint[] | null {
  const P = isPositive.reduce((s, v) => s + v, 0);
  if (P === 0) return null;
  const order = sortedByScore(scores);
  const points: CurvePoint[] = [];
  let tp = 0;
  for (let i = 0; i < order.length; i++) {
    if (isPositive[order[i]]) tp++;
    if (i === order.length - 1 || scores[order[i + 1]] !== scores[order[i]]) points.push({ x: tp / P, y: tp / (i + 1) });
  }
  return points;
}

/** Average precision: the area under the PR curve as a step function over recall. */
export function averagePrecision(scores: Float32Array, isPositive: Uint8Array): number | null {
  const curve = prCurve(scores, isPositive);
  if (!curve) return null;
  let area = 0;
  let lastRecall = 0;
  for (const p of curve) {
    area += (p.x - lastRecall) * p.y;
    lastRecall = p.x;
  }
  return area;
}
