import type { ModelConfig } from './config.js';

/**
 * How a binary model turns P(positive) into a label: `positive` when its probability reaches
 * `threshold`, else the other class. Saved with the model (preprocessing.json), so `evaluate` and
 * every server decide alike. A model without one takes the most probable class.
 */
export interface Decision {
  /** Index of the positive class in the model's labels. */
  positive: number;
  threshold: number;
}

/** Below this share of the training split, a binary problem's minority class counts as rare. */
const IMBALANCED_SHARE = 0.3;

export function argmaxRow(probs: Float32Array, row: number, classes: number): number {
  let best = 0;
  for (let c = 1; c < classes; c++) if (probs[row * classes + c] > probs[row * classes + best]) best = c;
  return best;
}

/** The class a row of probabilities (n × k, row-major) is labelled with. */
export function decidedClass(probs: Float32Array, row: number, k: number, decision: Decision | null): number {
  if (!decision || k !== 2) return argmaxRow(probs, row, k);
  return probs[row * 2 + decision.positive] >= decision.threshold ? decision.positive : 1 - decision.positive;
}

/**
 * The decision rule the config asks for, from the training classes and the validation split's
 * probabilities: "argmax" (none), a fixed threshold, "f1" (the F1-optimal threshold on validation)
 * or "auto" ("f1" when the minority class is rare, else none). The positive class is the
 * training split's minority class.
 */
export function chooseDecision(rule: ModelConfig['threshold'], trainY: Int32Array, valY: Int32Array, valProbs: Float32Array): Decision | null {
  if (rule === 'argmax') return null;
  const ones = trainY.reduce((s, c) => s + c, 0);
  const positive = ones <= trainY.length - ones ? 1 : 0;
  if (typeof rule === 'number') return { positive, threshold: rule };
  const share = Math.min(ones, trainY.length - ones) / trainY.length;
  if (rule === 'auto' && share >= IMBALANCED_SHARE) return null;
  const threshold = f1OptimalThreshold(Float32Array.from(valY, (_, i) => valProbs[i * 2 + positive]), Uint8Array.from(valY, (c) => (c === positive ? 1 : 0)));
  return threshold === null ? null : { positive, threshold };
}

/**
 * The threshold on `scores` that maximises F1 of the positives, halfway between the lowest score
 * taken and the highest one left out (ties move together); null when there is no positive.
 */
export function f1OptimalThreshold(scores: Float32Array, isPositive: Uint8Array): number | null {
  const total = isPositive.reduce((s, v) => s + v, 0);
  if (total === 0) return null;
  const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a]);
  let tp = 0;
  let best = -1;
  let bestAt = 0;
  for (let i = 0; i < order.length; i++) {
    if (isPositive[order[i]]) tp++;
    if (i + 1 < order.length && scores[order[i + 1]] === scores[order[i]]) continue;
    const f1 = (2 * tp) / (i + 1 + total);
    if (f1 > best) {
      best = f1;
      bestAt = i;
    }
  }
  const taken = scores[order[bestAt]];
  const left = bestAt + 1 < order.length ? scores[order[bestAt + 1]] : 0;
  return (taken + left) / 2;
}
