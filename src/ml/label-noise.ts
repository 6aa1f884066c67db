import { modelSettings, type TrainConfig } from './config.js';
import type { LabeledRow } from './dataset.js';
import { argmaxRow } from './metrics.js';
import { chooseArchitecture } from './model-builder.js';
import { seededRandom, shuffleInPlace } from './random.js';
import { encodeSplit, evaluateEncoded, fitNetwork, fitPreprocessing, modelShape } from './train.js';

export interface LabelIssue {
  itemId: number;
  givenLabel: string;
  suggestedLabel: string;
  /** Out-of-fold probability of the given label (low means likely mislabeled). */
  selfConfidence: number;
  suggestedProbability: number;
}

/**
 * Confident learning: every row is predicted by a model that never saw it (K folds, stratified by
 * shuffling within labels), each class gets a threshold (the mean out-of-fold probability of that
 * class over rows labeled with it), and a row is flagged when a different class clears its
 * threshold with a higher probability than the given label does. Most suspicious first.
 */
export async function findLabelIssues(rows: LabeledRow[], labels: string[], config: TrainConfig, seed: number, folds = 5): Promise<LabelIssue[]> {
  const random = seededRandom(seed + 7);
  const fold = new Map<number, number>();
  for (const label of labels) {
    const members = rows.filter((r) => r.label === label);
    shuffleInPlace(members, random);
    members.forEach((r, i) => fold.set(r.id, i % folds));
  }
  const k = labels.length;
  const probs = new Float32Array(rows.length * k);
  const position = new Map(rows.map((r, i) => [r.id, i]));
  for (let f = 0; f < folds; f++) {
    const held = rows.filter((r) => fold.get(r.id) === f);
    const rest = rows.filter((r) => fold.get(r.id) !== f);
    if (held.length === 0 || new Set(rest.map((r) => r.label)).size < 2) continue;
    const { pre, train } = fitPreprocessing({ kind: 'train', rows: rest }, config);
    const encoded = { kind: 'train' as const, ...encodeSplit(pre, train, labels) };
    const heldOut = encodeSplit(pre, { kind: 'val', rows: held }, labels);
    const shape = modelShape(pre, k);
    const architecture = chooseArchitecture(config.model, shape, pre.state().encoders.some((e) => e.kind === 'pixels'));
    const settings = modelSettings(config, architecture);
    const fitted = await fitNetwork(encoded, heldOut, shape, architecture, { ...settings, epochs: Math.min(settings.epochs, 30), earlyStopping: 0 }, seed + f);
    try {
      const { probs: p } = await evaluateEncoded(fitted.model, heldOut, labels);
      held.forEach((r, i) => probs.set(p.subarray(i * k, i * k + k), (position.get(r.id) as number) * k));
    } finally {
      fitted.model.dispose();
    }
  }
  const index = new Map(labels.map((l, i) => [l, i]));
  const thresholds = labels.map((l, c) => {
    const own = rows.map((r, i) => (r.label === l ? probs[i * k + c] : -1)).filter((p) => p >= 0);
    return own.length ? own.reduce((a, b) => a + b, 0) / own.length : 1;
  });
  const issues: LabelIssue[] = [];
  rows.forEach((r, i) => {
    const given = index.get(r.label as string) as number;
    let best = -1;
    for (let c = 0; c < k; c++) if (probs[i * k + c] >= thresholds[c] && (best === -1 || probs[i * k + c] > probs[i * k + best])) best = c;
    if (best === -1 || best === given) return;
    if (argmaxRow(probs, i, k) === given) return;
    issues.push({ itemId: r.id, givenLabel: r.label as string, suggestedLabel: labels[best], selfConfidence: probs[i * k + given], suggestedProbability: probs[i * k + best] });
  });
  return issues.sort((a, b) => a.selfConfidence - b.selfConfidence);
}
