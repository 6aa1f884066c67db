import { InputError } from '../core/errors.js';
import { PREPROCESSING_FILE, readJsonFile, type PreprocessingFile } from '../ml/artifact.js';
import type { InputField, RecordProblem } from '../ml/predictor-contract.js';
import { encoderFromState, NumericEncoder } from '../ml/preprocess/column-encoders.js';
import { Preprocessor, type EncodedRows, type PreprocessorState } from '../ml/preprocess/pipeline.js';
import { concatSparseRows, type SparseRows } from '../ml/preprocess/sparse-rows.js';
import type { RawRecord } from './inference-protocol.js';

/** The first record of a request the model cannot take: where it was, which field, and why. */
export type IndexedProblem = RecordProblem & { index: number };

/** A request's records, encoded, or the first of them the model cannot take. */
export type EncodeResult = { rows: EncodedRows } | { problem: IndexedProblem };

/**
 * One model version's preprocessing on the HTTP thread: checks raw records and encodes them into
 * the dense rows the network takes, so only a Float32Array crosses to the inference thread. It is
 * the artifact's own fitted Preprocessor, so the server and `trove evaluate` encode alike.
 *
 * Clean records take the quick road: for a model of numeric fields only, records whose values are
 * all finite numbers go straight through the fitted encoders (see FiniteNumbersEncoder); otherwise
 * the preprocessor checks every value as it encodes, and a record whose keys are those of a record
 * already seen whole needs no look for absent fields (JSON.parse gives the records of one client
 * the same key list). Only when something is wrong does the full check run, to name the first
 * record and field at fault.
 */
export class RecordEncoder {
  /** The key list of the last record found to hold every input field. */
  private wholeKeys: string[] = [];
  private readonly numericFields: string[];

  private constructor(
    private readonly pre: Preprocessor,
    private readonly inputs: InputField[],
    private readonly numbers: FiniteNumbersEncoder | null,
  ) {
    this.numericFields = inputs.filter((f) => f.type === 'numeric').map((f) => f.name);
  }

  static fromArtifact(dir: string): RecordEncoder {
    const spec = readJsonFile<PreprocessingFile>(dir, PREPROCESSING_FILE);
    const pre = Preprocessor.fromState(spec.preprocessing);
    return new RecordEncoder(pre, pre.inputs(), FiniteNumbersEncoder.of(spec.preprocessing));
  }

  encode(records: RawRecord[]): EncodeResult {
    const rows = this.numbers?.encode(records);
    if (rows) return { rows };
    if (records.every((record) => this.holdsEveryField(record) && !this.textForNumber(record))) {
      try {
        return { rows: this.pre.transform(records) };
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
      }
    }
    const problem = this.firstProblem(records);
    if (!problem) throw new Error('the preprocessor refused records that pass its own checks');
    return { problem };
  }

  /** The first record the model cannot take, and why: an absent field first, then the preprocessor's checks. */
  private firstProblem(records: RawRecord[]): IndexedProblem | null {
    for (let index = 0; index < records.length; index++) {
      const problem = this.absentField(records[index]) ?? this.textForNumber(records[index]) ?? this.pre.problem(records[index]);
      if (problem) return { ...problem, index };
    }
    return null;
  }

  private holdsEveryField(record: RawRecord): boolean {
    const keys = Object.keys(record);
    if (sameKeys(keys, this.wholeKeys)) return true;
    if (this.absentField(record)) return false;
    this.wholeKeys = keys;
    return true;
  }

  /**
   * A field left out of a record is a client mistake (a typo, an old schema), so it is a 400 even
   * where training would impute it; an explicit null is a missing value, imputed as in training.
   */
  private absentField(record: RawRecord): RecordProblem | null {
    const field = this.inputs.find((f) => !(f.name in record));
    return field ? { field: field.name, reason: 'is missing (send null to have it imputed as in training)' } : null;
  }

  /**
   * A numeric field sent as a string ("1") is refused: JSON has numbers, and a client that quotes
   * them is sending something other than it thinks (training reads CSV text, the server does not).
   */
  private textForNumber(record: RawRecord): RecordProblem | null {
    const field = this.numericFields.find((f) => typeof record[f] === 'string');
    return field ? { field, reason: `is a string (${JSON.stringify(String(record[field]).slice(0, 20))}), not a number` } : null;
  }
}

/**
 * The fitted encoders of a model whose inputs are all numeric fields, applied to records whose
 * values are all finite JSON numbers. For such a value every check of the preprocessor passes by
 * construction (it is present, not missing, a finite number), so the rows are encoded by the very
 * same encoders without the checks; anything else (null, a string, an absent field) leaves the
 * request to the preprocessor's full path.
 */
class FiniteNumbersEncoder {
  private readonly fields: string[];
  /**
   * The key list of the last record layout seen, and where each field's value sits in it: the
   * values are read by position (Object.values) rather than looked up by name one by one.
   */
  private layout: { keys: string[]; at: number[] } = { keys: [], at: [] };

  private constructor(private readonly encoders: NumericEncoder[]) {
    this.fields = encoders.map((e) => e.field);
  }

  /** Null for a model with any input that is not a numeric field (text, categories, pixels). */
  static of(state: PreprocessorState): FiniteNumbersEncoder | null {
    if (state.tokenizer || state.tfidf?.length) return null;
    const encoders = state.encoders.map(encoderFromState);
    const numeric = encoders.filter((e): e is NumericEncoder => e instanceof NumericEncoder);
    return numeric.length === encoders.length && numeric.length > 0 ? new FiniteNumbersEncoder(numeric) : null;
  }

  /** The encoded rows, or null as soon as a field is absent or a value is not a finite number. */
  encode(records: RawRecord[]): EncodedRows | null {
    const width = this.encoders.length;
    const dense = new Float32Array(records.length * width);
    for (let i = 0; i < records.length; i++) {
      const at = this.positions(records[i]);
      if (!at) return null;
      const values = Object.values(records[i]);
      for (let j = 0; j < width; j++) {
        const value = values[at[j]];
        if (typeof value !== 'number' || !Number.isFinite(value)) return null;
        this.encoders[j].encode(value, dense, i * width + j);
      }
    }
    return { n: records.length, dense, denseWidth: width, tokens: null, sequenceLength: 0 };
  }

  /** Where each field's value sits among the record's values (Object.values follows the key order), or null when one is absent. */
  private positions(record: RawRecord): number[] | null {
    const keys = Object.keys(record);
    if (sameKeys(keys, this.layout.keys)) return this.layout.at;
    const at = this.fields.map((field) => keys.indexOf(field));
    if (at.includes(-1)) return null;
    this.layout = { keys, at };
    return at;
  }
}

function sameKeys(a: string[], b: string[]): boolean {
  if (a.length !== b.length || a.length === 0) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Rows of several requests, one after another, as one tensor call's input. */
export function concatRows(parts: EncodedRows[]): EncodedRows {
  if (parts.length === 1) return parts[0];
  const { denseWidth, sequenceLength } = parts[0];
  const n = parts.reduce((sum, p) => sum + p.n, 0);
  const dense = new Float32Array(n * denseWidth);
  const tokens = parts[0].tokens ? new Int32Array(n * sequenceLength) : null;
  let row = 0;
  for (const part of parts) {
    dense.set(part.dense, row * denseWidth);
    if (tokens && part.tokens) tokens.set(part.tokens, row * sequenceLength);
    row += part.n;
  }
  const rows: EncodedRows = { n, dense, denseWidth, tokens, sequenceLength };
  if (parts[0].sparse) rows.sparse = concatSparseRows(parts.map((p) => p.sparse as SparseRows));
  return rows;
}
