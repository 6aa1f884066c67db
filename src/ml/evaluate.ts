import { InputError } from '../core/errors.js';
import { LINEAGE_FILE, readJsonFile, SPLITS_FILE, type Lineage, type SplitIds } from './artifact.js';
import { labelsOfKey, type LabeledRow } from './dataset.js';
import { computeMetrics, type SplitMetrics } from './metrics.js';
import { computeMultiLabelMetrics } from './multilabel-metrics.js';
import { loadPredictor } from './predictor.js';

export interface EvaluationResult {
  /** "test": the artifact's own held-out split; "external": a different snapshot (minus rows it trained on). */
  on: 'test' | 'external';
  rows: number;
  test: SplitMetrics;
}

/**
 * Re-evaluates a saved artifact. On the snapshot it was trained from (same content hash), it
 * predicts the recorded test rows with the saved preprocessing and weights, so it reproduces the
 * test metrics of training exactly; on another snapshot it scores every row the model never saw.
 */
export async function evaluateArtifact(dir: string, rows: LabeledRow[], snapshotHash: string): Promise<EvaluationResult> {
  const lineage = readJsonFile<Lineage>(dir, LINEAGE_FILE);
  const splits = readJsonFile<SplitIds>(dir, SPLITS_FILE);
  const same = lineage.snapshot?.hash === snapshotHash;
  const seen = new Set([...splits.train, ...splits.val]);
  const testIds = new Set(splits.test);
  const chosen = rows.filter((r) => r.label !== null && (same ? testIds.has(r.id) : !seen.has(r.id))).sort((a, b) => a.id - b.id);
  if (chosen.length === 0) throw new InputError('no row of the snapshot is left to evaluate on');
  const predictor = await loadPredictor(dir);
  try {
    const labels = predictor.metadata.labels;
    const multiLabel = predictor.metadata.task === 'multilabel';
    const index = new Map(labels.map((l, i) => [l, i]));
    const unknown = chosen.find((r) => (multiLabel ? rowLabels(r) : [r.label as string]).some((l) => !index.has(l)));
    if (unknown) throw new InputError(`row ${unknown.id} has label "${unknown.label}", which the model does not know (it knows ${labels.join(', ')})`);
    const predictions = await predictor.predict(chosen.map((r) => r.features));
    const probs = new Float32Array(chosen.length * labels.length);
    predictions.forEach((p, i) => labels.forEach((l, c) => (probs[i * labels.length + c] = p.probabilities[l])));
    const test = multiLabel ? computeMultiLabelMetrics(labels, truthMatrix(chosen, index), probs) : computeMetrics(labels, Int32Array.from(chosen, (r) => index.get(r.label as string) as number), probs, predictor.metadata.decision);
    return { on: same ? 'test' : 'external', rows: chosen.length, test };
  } finally {
    predictor.dispose();
  }
}

function rowLabels(row: LabeledRow): string[] {
  return row.labels ?? labelsOfKey(row.label as string);
}

/** Multi-label truth: n × k, 1 where the row has the label. */
function truthMatrix(rows: LabeledRow[], index: Map<string, number>): Float32Array {
  const k = index.size;
  const out = new Float32Array(rows.length * k);
  rows.forEach((r, i) => {
    for (const l of rowLabels(r)) out[i * k + (index.get(l) as number)] = 1;
  });
  return out;
}
