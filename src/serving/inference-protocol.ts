import type { ModelMetadata } from '../ml/predictor-contract.js';
import type { EncodedRows } from '../ml/preprocess/pipeline.js';

/**
 * Messages between the HTTP thread and the inference thread. Models live in the inference
 * thread only, so tensor work never runs on the thread that answers requests. Rows cross already
 * encoded and probabilities come back as one Float32Array, both transferred rather than copied.
 */
export type RawRecord = Record<string, unknown>;

export type InferenceRequest =
  | { op: 'load'; id: number; key: string; dir: string }
  | { op: 'predict'; id: number; key: string; rows: EncodedRows }
  | { op: 'unload'; id: number; key: string };

export type InferenceResponse =
  | { id: number; ok: true; metadata: ModelMetadata }
  | { id: number; ok: true; probabilities: Float32Array; inferenceMs: number }
  | { id: number; ok: true }
  | { id: number; ok: false; error: string };
