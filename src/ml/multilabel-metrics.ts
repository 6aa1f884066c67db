import { averagePrecision, rocAuc, type ClassMetrics, type MultiLabelSummary, type SplitMetrics } from './metrics.js';

/** A label counts as predicted when its own probability reaches this. */
export const MULTI_LABEL_THRESHOLD = 0.5;

/** The multi-label view of a split, beside the common fields of SplitMetrics. */
/** 0/1 truth of label `c` for every row of an n × k matrix. */
export function labelColumn(matrix: Float32Array, k: number, c: number): Uint8Array {
  const out = new Uint8Array(matrix.length / k);
  for (let i = 0; i < out.length; i++) out[i] = matrix[i * k + c] >= 0.5 ? 1 : 0;
  return out;
}

function probabilityColumn(probs: Float32Array, k: number, c: number): Float32Array {
  const out = new Float32Array(probs.length / k);
  for (let i = 0; i < out.length; i++) out[i] = probs[i * k + c];
  return out;
}

function f1Of(tp: number, fp: number, fn: number): { precision: number; recall: number; f1: number } {
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
}

function mean(values: Array<number | null>): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? known.reduce((a, b) => a + b, 0) / known.length : null;
}

/**
 * Metrics of a multi-label split: truth and probabilities are n × k, one yes/no per label.
 * Per label: precision, recall, F1 and support (rows that have it) at the threshold; macro and
 * support-weighted F1 over labels, micro F1 over all decisions; ROC and PR AUC averaged over the
 * labels where they are defined; log loss is the mean binary cross-entropy; calibration error is
 * over every (row, label) decision; the confusion matrix pools all decisions (absent / present).
 */
export function computeMultiLabelMetrics(labels: string[], truth: Float32Array, probs: Float32Array): SplitMetrics & { multiLabel: MultiLabelSummary } {
  const k = labels.length;
  const n = truth.length / k;
  const counts = labels.map(() => ({ tp: 0, fp: 0, fn: 0, tn: 0 }));
  let exact = 0;
  let logLoss = 0;
  const bins = Array.from({ length: 10 }, () => ({ count: 0, confidence: 0, correct: 0 }));
  for (let i = 0; i < n; i++) {
    let rowExact = true;
    for (let c = 0; c < k; c++) {
      const p = probs[i * k + c];
      const yes = truth[i * k + c] >= 0.5;
      const said = p >= MULTI_LABEL_THRESHOLD;
      const cell = counts[c];
      if (yes && said) cell.tp++;
      else if (said) cell.fp++;
      else if (yes) cell.fn++;
      else cell.tn++;
      if (yes !== said) rowExact = false;
      logLoss -= Math.log(Math.max(yes ? p : 1 - p, 1e-7));
      const confidence = said ? p : 1 - p;
      const bin = bins[Math.min(9, Math.floor(confidence * 10))];
      bin.count++;
      bin.confidence += confidence;
      bin.correct += yes === said ? 1 : 0;
    }
    if (rowExact) exact++;
  }
  const perClass: Record<string, ClassMetrics> = {};
  const totalSupport = counts.reduce((s, c) => s + c.tp + c.fn, 0);
  let macroF1 = 0;
  let weightedF1 = 0;
  labels.forEach((label, c) => {
    const { tp, fp, fn } = counts[c];
    const support = tp + fn;
    const scores = f1Of(tp, fp, fn);
    perClass[label] = { ...scores, support };
    macroF1 += scores.f1 / k;
    weightedF1 += totalSupport ? (scores.f1 * support) / totalSupport : 0;
  });
  const pooled = counts.reduce((s, c) => ({ tp: s.tp + c.tp, fp: s.fp + c.fp, fn: s.fn + c.fn, tn: s.tn + c.tn }), { tp: 0, fp: 0, fn: 0, tn: 0 });
  const decisions = n * k;
  return {
    n,
    accuracy: n ? exact / n : 0,
    macroF1,
    weightedF1,
    rocAuc: mean(labels.map((_, c) => rocAuc(probabilityColumn(probs, k, c), labelColumn(truth, k, c)))),
    prAuc: mean(labels.map((_, c) => averagePrecision(probabilityColumn(probs, k, c), labelColumn(truth, k, c)))),
    logLoss: decisions ? logLoss / decisions : 0,
    calibrationError: decisions ? bins.reduce((s, b) => s + Math.abs(b.correct - b.confidence), 0) / decisions : 0,
    perClass,
    confusion: { labels: ['absent', 'present'], matrix: [[pooled.tn, pooled.fp], [pooled.fn, pooled.tp]] },
    multiLabel: {
      subsetAccuracy: n ? exact / n : 0,
      hammingLoss: decisions ? (pooled.fp + pooled.fn) / decisions : 0,
      microF1: f1Of(pooled.tp, pooled.fp, pooled.fn).f1,
      threshold: MULTI_LABEL_THRESHOLD,
    },
  };
}
