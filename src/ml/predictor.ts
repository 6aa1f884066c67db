import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../core/errors.js';
import { LINEAGE_FILE, METRICS_FILE, PREPROCESSING_FILE, readJsonFile, type Lineage, type PreprocessingFile } from './artifact.js';
import { initBackend } from './backend.js';
import { fileLoadHandler } from './file-io.js';
import { decidedClass, type Decision } from './decision.js';
import type { Task } from './model-builder.js';
import { MULTI_LABEL_THRESHOLD } from './multilabel-metrics.js';
import type { Prediction, Predictor, RecordProblem } from './predictor-contract.js';
import { Preprocessor, type EncodedRows } from './preprocess/pipeline.js';
import { predictRows } from './training/batches.js';

/**
 * One prediction per row of `probs` (n × labels): the most probable class with every class
 * probability, or for a multi-label model the list of labels whose own probability reaches the
 * threshold, with every label's probability. A binary model's `decision` picks its label.
 */
export function predictionsOf(probs: Float32Array, labels: string[], task: Task, decision: Decision | null = null): Prediction[] {
  const k = labels.length;
  return Array.from({ length: probs.length / k }, (_, i) => ({
    label: task === 'multilabel' ? labels.filter((_, c) => probs[i * k + c] >= MULTI_LABEL_THRESHOLD) : labels[decidedClass(probs, i, k, decision)],
    probabilities: Object.fromEntries(labels.map((l, c) => [l, probs[i * k + c]])),
  }));
}

/**
 * Loads a model artifact directory as a Predictor: raw records in, the saved fitted preprocessing
 * applied exactly as in training, the network, then the label and every class probability.
 * The version is the directory's name when it is a registry version (models/NAME/3), else 1.
 */
export async function loadPredictor(dir: string): Promise<Predictor> {
  const spec = readJsonFile<PreprocessingFile>(dir, PREPROCESSING_FILE);
  if (spec.format !== 'trove-model/1') throw new InputError(`${dir}: unknown model format "${String(spec.format)}"`);
  const lineage = readJsonFile<Lineage>(dir, LINEAGE_FILE);
  const metrics = readJsonFile<Record<string, unknown>>(dir, METRICS_FILE);
  await initBackend();
  const pre = Preprocessor.fromState(spec.preprocessing);
  const model = await tf.loadLayersModel(fileLoadHandler(dir));
  const base = path.basename(path.resolve(dir));
  const version = /^\d+$/.test(base) ? Number(base) : 1;
  const { labels } = spec;
  const decision = spec.decision ?? null;
  const predictEncoded = (x: EncodedRows): Promise<Float32Array> => predictRows(model, x, labels.length, spec.task === 'multilabel');
  return {
    metadata: {
      name: spec.name,
      version,
      task: spec.task,
      inputs: pre.inputs(),
      labels,
      decision,
      lineage: lineage as unknown as Record<string, unknown>,
      metrics: { val: metrics.val, test: metrics.test },
    },
    check(record: Record<string, unknown>): RecordProblem | null {
      if (record === null || typeof record !== 'object' || Array.isArray(record)) return { field: '(record)', reason: 'is not an object' };
      return pre.problem(record);
    },
    async predict(records: Array<Record<string, unknown>>): Promise<Prediction[]> {
      if (records.length === 0) return [];
      return predictionsOf(await predictEncoded(pre.transform(records)), labels, spec.task, decision);
    },
    predictEncoded,
    dispose(): void {
      model.dispose();
    },
  };
}
