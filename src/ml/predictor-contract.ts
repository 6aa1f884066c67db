/**
 * The contract between a trained model artifact (src/ml) and whatever serves it (src/serving,
 * `trove evaluate`). A Predictor takes raw records — the snapshot's own fields — and applies the
 * fitted preprocessing saved with the model exactly as training did.
 */
import type { EncodedRows } from './preprocess/pipeline.js';

export type FeatureType = 'numeric' | 'categorical' | 'text' | 'pixels';

export interface InputField {
  name: string;
  type: FeatureType;
  /** Known categories of a categorical field; unknown ones follow `unknownPolicy`. */
  categories?: string[];
  unknownPolicy?: 'ignore' | 'error';
  /** Length of a pixels field. */
  length?: number;
  /** Whether a missing value is imputed (true) or an error (false). */
  optional: boolean;
}

export interface ModelMetadata {
  name: string;
  version: number;
  task: 'binary' | 'multiclass' | 'multilabel';
  inputs: InputField[];
  labels: string[];
  /** A binary model's decision threshold on one class's probability; null: the most probable class. */
  decision: { positive: number; threshold: number } | null;
  lineage: Record<string, unknown>;
  metrics?: Record<string, unknown>;
}

export interface Prediction {
  label: string | string[];
  probabilities: Record<string, number>;
}

/** A record the model cannot take; `field` names the culprit, `reason` says why. */
export interface RecordProblem {
  field: string;
  reason: string;
}

export interface Predictor {
  readonly metadata: ModelMetadata;
  /** Problems with one raw record (missing field, wrong type, NaN), or null when it can be predicted. */
  check(record: Record<string, unknown>): RecordProblem | null;
  /** Predicts a batch of checked records in one tensor call. */
  predict(records: Array<Record<string, unknown>>): Promise<Prediction[]>;
  /**
   * Class probabilities (row-major, one row of `labels.length` per row) of rows already encoded by
   * this model's own fitted preprocessing — what `predict` runs after encoding, for a server that
   * encodes on another thread.
   */
  predictEncoded(rows: EncodedRows): Promise<Float32Array>;
  dispose(): void;
}
