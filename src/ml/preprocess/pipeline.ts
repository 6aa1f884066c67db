import { InputError } from '../../core/errors.js';
import type { TrainConfig } from '../config.js';
import type { InputField, RecordProblem } from '../predictor-contract.js';
import type { TrainingSplit } from '../split.js';
import { CategoricalEncoder, encoderFromState, NumericEncoder, PixelsEncoder, type ColumnEncoder, type EncoderState } from './column-encoders.js';
import { inferFeatureTypes, isMissing, type FeaturePlan } from './feature-types.js';
import { SparseRowsBuilder, type SparseRows } from './sparse-rows.js';
import { TextTokenizer, type TokenizerState } from './text-tokenizer.js';
import { TfidfVectorizer, type TfidfState } from './tfidf.js';

/** Rows turned into model inputs: a dense matrix (row-major) and, for text, word-index sequences. */
export interface EncodedRows {
  n: number;
  dense: Float32Array;
  denseWidth: number;
  tokens: Int32Array | null;
  sequenceLength: number;
  /** TF-IDF rows of the text fields, kept sparse (absent when the model has none). */
  sparse?: SparseRows;
}

export interface DroppedFeature {
  name: string;
  reason: string;
}

export interface PreprocessorState {
  format: 'trove-preprocessing/1';
  features: FeaturePlan[];
  dropped: DroppedFeature[];
  encoders: EncoderState[];
  tokenizer: TokenizerState | null;
  /** One TF-IDF vectorizer per text field (absent in artifacts from before TF-IDF). */
  tfidf?: TfidfState[];
}

type PreprocessConfig = Pick<TrainConfig, 'features' | 'clean' | 'scale' | 'categorical' | 'text' | 'tfidf'> & { model: Pick<TrainConfig['model'], 'architecture'> };

/** The embedding architectures read word-index sequences; every other model reads TF-IDF. */
export function readsTokens(architecture: TrainConfig['model']['architecture']): boolean {
  return architecture === 'text-pool' || architecture === 'text-conv';
}

/**
 * The fitted preprocessing: learns from the training split only (`fit` takes nothing else) and
 * applies the same transformation to any rows after, in training and in serving alike.
 */
export class Preprocessor {
  private constructor(
    private readonly s: PreprocessorState,
    private readonly encoders: ColumnEncoder[],
    private readonly tokenizer: TextTokenizer | null,
    private readonly vectorizers: TfidfVectorizer[],
  ) {}

  static fit(train: TrainingSplit, config: PreprocessConfig): Preprocessor {
    const records = train.rows.map((r) => r.features);
    const features = inferFeatureTypes(train.rows, config.features);
    const dropped: DroppedFeature[] = [];
    const encoders: ColumnEncoder[] = [];
    const seen = new Map<string, string>();
    for (const plan of features.filter((f) => f.type !== 'text')) {
      const values = records.map((r) => r[plan.name]);
      const why = uselessReason(values, plan, seen);
      if (why) {
        dropped.push({ name: plan.name, reason: why });
        continue;
      }
      encoders.push(fitEncoder(plan, values, config));
    }
    const textFields = features.filter((f) => f.type === 'text').map((f) => f.name);
    const tokens = readsTokens(config.model.architecture);
    const tokenizer = textFields.length && tokens ? TextTokenizer.fit(textFields, records, config.text) : null;
    const ids = train.rows.map((r) => r.id);
    const vectorizers = tokens ? [] : textFields.map((field) => TfidfVectorizer.fit(field, records.map((r) => r[field]), ids, config.tfidf));
    if (encoders.length === 0 && !tokenizer && vectorizers.length === 0) {
      throw new InputError(`no feature is left to learn from (dropped: ${dropped.map((d) => `${d.name}: ${d.reason}`).join('; ')})`);
    }
    const state: PreprocessorState = {
      format: 'trove-preprocessing/1',
      features,
      dropped,
      encoders: encoders.map((e) => e.state()),
      tokenizer: tokenizer?.s ?? null,
      tfidf: vectorizers.map((v) => v.s),
    };
    return new Preprocessor(state, encoders, tokenizer, vectorizers);
  }

  static fromState(state: PreprocessorState): Preprocessor {
    if (state.format !== 'trove-preprocessing/1') throw new InputError(`unknown preprocessing format "${String(state.format)}"`);
    return new Preprocessor(state, state.encoders.map(encoderFromState), state.tokenizer ? new TextTokenizer(state.tokenizer) : null, (state.tfidf ?? []).map((t) => new TfidfVectorizer(t)));
  }

  state(): PreprocessorState {
    return this.s;
  }

  get denseWidth(): number {
    return this.encoders.reduce((n, e) => n + e.width, 0);
  }

  get sequenceLength(): number {
    return this.tokenizer?.length ?? 0;
  }

  /** Columns of the sparse TF-IDF input (0 when there is none). */
  get sparseWidth(): number {
    return this.vectorizers.reduce((n, v) => n + v.width, 0);
  }

  get vocabularySize(): number {
    return this.tokenizer?.vocabularySize ?? 0;
  }

  /** Whether every dense input is a pixel or numeric value (so the vector can be read as an image). */
  get allDenseNumeric(): boolean {
    return this.s.encoders.every((e) => e.kind !== 'categorical');
  }

  inputs(): InputField[] {
    const fields = this.encoders.map((e) => e.input());
    for (const name of this.tokenizer?.s.fields ?? []) fields.push({ name, type: 'text', optional: true });
    for (const v of this.vectorizers) fields.push({ name: v.s.field, type: 'text', optional: true });
    return fields;
  }

  /** Training rows whose numeric values fall outside fitted outlier bounds (outliers: drop). */
  isOutlierRow(record: Record<string, unknown>): boolean {
    return this.encoders.some((e) => e instanceof NumericEncoder && e.isOutlier(record[e.field]));
  }

  problem(record: Record<string, unknown>): RecordProblem | null {
    for (const e of this.encoders) {
      const value = record[e.field];
      if (isMissing(value) && !e.input().optional) return { field: e.field, reason: 'is missing' };
      const reason = e.problem(value);
      if (reason) return { field: e.field, reason };
    }
    for (const field of this.tokenizer?.s.fields ?? []) {
      const reason = this.tokenizer?.problem(record[field]);
      if (reason) return { field, reason };
    }
    for (const v of this.vectorizers) {
      const reason = v.problem(record[v.s.field]);
      if (reason) return { field: v.s.field, reason };
    }
    return null;
  }

  transform(records: Array<Record<string, unknown>>): EncodedRows {
    const denseWidth = this.denseWidth;
    const dense = new Float32Array(records.length * denseWidth);
    const sequenceLength = this.sequenceLength;
    const tokens = this.tokenizer ? new Int32Array(records.length * sequenceLength) : null;
    const sparse = this.vectorizers.length ? new SparseRowsBuilder(this.sparseWidth, records.length) : null;
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      const problem = this.problem(record);
      if (problem) throw new InputError(`record ${i + 1}: field "${problem.field}" ${problem.reason}`);
      let offset = i * denseWidth;
      for (const e of this.encoders) {
        e.encode(record[e.field], dense, offset);
        offset += e.width;
      }
      if (tokens) this.tokenizer?.encode(record, tokens, i * sequenceLength);
      if (sparse) this.encodeText(record, sparse);
    }
    const rows: EncodedRows = { n: records.length, dense, denseWidth, tokens, sequenceLength };
    if (sparse) rows.sparse = sparse.build();
    return rows;
  }

  /** The record's TF-IDF vectors, field after field, as one sparse row. */
  private encodeText(record: Record<string, unknown>, out: SparseRowsBuilder): void {
    let offset = 0;
    for (const v of this.vectorizers) {
      const { columns, values } = v.vector(record[v.s.field]);
      out.push(columns, values, offset);
      offset += v.width;
    }
    out.endRow();
  }
}

function fitEncoder(plan: FeaturePlan, values: unknown[], config: PreprocessConfig): ColumnEncoder {
  if (plan.type === 'numeric') {
    return NumericEncoder.fit(plan.name, values, { impute: config.clean.impute, fillValue: config.clean.fillValue, outliers: config.clean.outliers, scale: config.scale });
  }
  if (plan.type === 'categorical') return CategoricalEncoder.fit(plan.name, values, config.categorical);
  return PixelsEncoder.fit(plan.name, values);
}

/** Constant features teach nothing, and a duplicate of an earlier one adds only weight. */
function uselessReason(values: unknown[], plan: FeaturePlan, seen: Map<string, string>): string | null {
  if (plan.type === 'pixels') return null;
  const first = values.find((v) => !isMissing(v));
  const hasMissing = values.some(isMissing);
  if (!hasMissing && values.every((v) => String(v) === String(first))) return 'constant in the training split';
  const fingerprint = `${plan.type}:${values.map((v) => (isMissing(v) ? '' : String(v))).join('\u0001')}`;
  const twin = seen.get(fingerprint);
  if (twin) return `duplicate of "${twin}"`;
  seen.set(fingerprint, plan.name);
  return null;
}
