import type { ModelMetadata, Prediction, RecordProblem } from '../ml/predictor-contract.js';

/**
 * Messages between the HTTP thread and the inference thread. Models live in the inference
 * thread only, so tensor work never runs on the thread that answers requests.
 */
export type RawRecord = Record<string, unknown>;

export type InferenceRequest =
  | { op: 'load'; id: number; key: string; dir: string }
  | { op: 'predict'; id: number; key: string; groups: RawRecord[][] }
  | { op: 'unload'; id: number; key: string };

/** One request's share of a batch: its predictions, or the first record it sent that the model cannot take. */
export type GroupResult = { predictions: Prediction[] } | { problem: RecordProblem & { index: number } };

export type InferenceResponse =
  | { id: number; ok: true; metadata: ModelMetadata }
  | { id: number; ok: true; results: GroupResult[]; inferenceMs: number }
  | { id: number; ok: true }
  | { id: number; ok: false; error: string };
