import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../core/errors.js';
import { LINEAGE_FILE, METRICS_FILE, PREPROCESSING_FILE, readJsonFile, type Lineage, type PreprocessingFile } from './artifact.js';
import { initBackend } from './backend.js';
import { fileLoadHandler } from './file-io.js';
import { argmaxRow } from './metrics.js';
import { inputTensors, predictProbabilities } from './model-builder.js';
import type { Prediction, Predictor, RecordProblem } from './predictor-contract.js';
import { Preprocessor } from './preprocess/pipeline.js';

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
  return {
    metadata: {
      name: spec.name,
      version,
      task: spec.task,
      inputs: pre.inputs(),
      labels,
      lineage: lineage as unknown as Record<string, unknown>,
      metrics: { val: metrics.val, test: metrics.test },
    },
    check(record: Record<string, unknown>): RecordProblem | null {
      if (record === null || typeof record !== 'object' || Array.isArray(record)) return { field: '(record)', reason: 'is not an object' };
      return pre.problem(record);
    },
    async predict(records: Array<Record<string, unknown>>): Promise<Prediction[]> {
      if (records.length === 0) return [];
      const x = pre.transform(records);
      const xs = inputTensors(x.dense, x.denseWidth, x.tokens, x.sequenceLength, x.n);
      try {
        const probs = await predictProbabilities(model, xs, labels.length);
        return records.map((_, i) => ({
          label: labels[argmaxRow(probs, i, labels.length)],
          probabilities: Object.fromEntries(labels.map((l, c) => [l, probs[i * labels.length + c]])),
        }));
      } finally {
        xs.forEach((t) => t.dispose());
      }
    },
    dispose(): void {
      model.dispose();
    },
  };
}
