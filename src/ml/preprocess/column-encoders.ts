import { InputError } from '../../core/errors.js';
import type { InputField } from '../predictor-contract.js';
import { isMissing, numericValue } from './feature-types.js';
import { mean, mostFrequent, quantileSorted, std } from './stats.js';

/**
 * Fitted encoders of one raw field into a slice of the dense feature vector. Each is built by
 * `fit` from training values only, and its whole state is plain JSON (`state`), so the server
 * rebuilds exactly the encoder training used.
 */
export interface ColumnEncoder {
  readonly field: string;
  readonly width: number;
  /** Why a raw value cannot be encoded, or null. */
  problem(value: unknown): string | null;
  encode(value: unknown, out: Float32Array, offset: number): void;
  input(): InputField;
  state(): EncoderState;
}

export interface NumericOptions {
  impute: 'mean' | 'median' | 'most_frequent' | 'constant';
  fillValue: number;
  outliers: { method: 'none' | 'iqr' | 'zscore'; action: 'clip' | 'drop'; threshold?: number };
  scale: 'standard' | 'minmax' | 'none';
}

export interface NumericState {
  kind: 'numeric';
  field: string;
  fill: number;
  bounds: [number, number] | null;
  clip: boolean;
  shift: number;
  divide: number;
}

export interface CategoricalState {
  kind: 'categorical';
  field: string;
  categories: string[];
  encoding: 'onehot' | 'ordinal';
  unknown: 'ignore' | 'error';
  fill: string;
}

export interface PixelsState {
  kind: 'pixels';
  field: string;
  length: number;
  divide: number;
}

export type EncoderState = NumericState | CategoricalState | PixelsState;

function finiteProblem(n: number | null): string | null {
  if (n === null) return 'is not a number';
  if (!Number.isFinite(n)) return `is ${n} (not a finite number)`;
  return null;
}

export class NumericEncoder implements ColumnEncoder {
  readonly width = 1;
  constructor(private readonly s: NumericState) {}

  get field(): string {
    return this.s.field;
  }

  static fit(field: string, raw: unknown[], opts: NumericOptions): NumericEncoder {
    const values: number[] = [];
    for (const [i, v] of raw.entries()) {
      if (isMissing(v)) continue;
      const n = numericValue(v);
      const problem = finiteProblem(n);
      if (problem) throw new InputError(`training row ${i + 1}: field "${field}" ${problem}: ${JSON.stringify(v)}`);
      values.push(n as number);
    }
    const sorted = [...values].sort((a, b) => a - b);
    const fill = imputeValue(values, sorted, opts);
    const bounds = outlierBounds(values, sorted, opts.outliers);
    const kept = bounds ? (opts.outliers.action === 'clip' ? values.map((v) => clamp(v, bounds)) : values.filter((v) => v >= bounds[0] && v <= bounds[1])) : values;
    let shift = 0;
    let divide = 1;
    if (opts.scale === 'standard') {
      shift = mean(kept);
      divide = std(kept, shift) || 1;
    } else if (opts.scale === 'minmax' && kept.length) {
      shift = Math.min(...kept);
      divide = Math.max(...kept) - shift || 1;
    }
    return new NumericEncoder({ kind: 'numeric', field, fill, bounds, clip: opts.outliers.action === 'clip', shift, divide });
  }

  /** Whether a training value lies outside the fitted outlier bounds (for the drop action). */
  isOutlier(value: unknown): boolean {
    const b = this.s.bounds;
    if (!b || this.s.clip || isMissing(value)) return false;
    const n = numericValue(value) as number;
    return n < b[0] || n > b[1];
  }

  problem(value: unknown): string | null {
    return isMissing(value) ? null : finiteProblem(numericValue(value));
  }

  encode(value: unknown, out: Float32Array, offset: number): void {
    let n = isMissing(value) ? this.s.fill : (numericValue(value) as number);
    if (this.s.bounds && this.s.clip) n = clamp(n, this.s.bounds);
    out[offset] = (n - this.s.shift) / this.s.divide;
  }

  input(): InputField {
    return { name: this.s.field, type: 'numeric', optional: true };
  }

  state(): NumericState {
    return this.s;
  }
}

function clamp(v: number, [lo, hi]: [number, number]): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function imputeValue(values: number[], sorted: number[], opts: NumericOptions): number {
  if (values.length === 0 || opts.impute === 'constant') return opts.fillValue;
  if (opts.impute === 'median') return quantileSorted(sorted, 0.5);
  if (opts.impute === 'most_frequent') return mostFrequent(values) ?? opts.fillValue;
  return mean(values);
}

function outlierBounds(values: number[], sorted: number[], o: NumericOptions['outliers']): [number, number] | null {
  if (o.method === 'none' || values.length < 4) return null;
  if (o.method === 'iqr') {
    const q1 = quantileSorted(sorted, 0.25);
    const q3 = quantileSorted(sorted, 0.75);
    const k = (o.threshold ?? 1.5) * (q3 - q1);
    return [q1 - k, q3 + k];
  }
  const mu = mean(values);
  const k = (o.threshold ?? 3) * std(values, mu);
  return [mu - k, mu + k];
}

export class CategoricalEncoder implements ColumnEncoder {
  private readonly index: Map<string, number>;
  constructor(private readonly s: CategoricalState) {
    this.index = new Map(s.categories.map((c, i) => [c, i]));
  }

  get field(): string {
    return this.s.field;
  }

  get width(): number {
    return this.s.encoding === 'onehot' ? this.s.categories.length : 1;
  }

  static fit(field: string, raw: unknown[], opts: { encoding: 'onehot' | 'ordinal'; unknown: 'ignore' | 'error'; maxCategories?: number }): CategoricalEncoder {
    const counts = new Map<string, number>();
    for (const v of raw) if (!isMissing(v)) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
    const categories = [...counts.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, opts.maxCategories ?? 1000)
      .map(([c]) => c);
    return new CategoricalEncoder({ kind: 'categorical', field, categories, encoding: opts.encoding, unknown: opts.unknown, fill: categories[0] ?? '' });
  }

  problem(value: unknown): string | null {
    if (isMissing(value)) return null;
    if (typeof value === 'object') return 'is not a category (an object or array)';
    if (this.s.unknown === 'error' && !this.index.has(String(value))) return `has an unknown category ${JSON.stringify(value)}`;
    return null;
  }

  encode(value: unknown, out: Float32Array, offset: number): void {
    const at = this.index.get(isMissing(value) ? this.s.fill : String(value));
    if (this.s.encoding === 'ordinal') out[offset] = at === undefined ? -1 : at;
    else {
      for (let i = 0; i < this.s.categories.length; i++) out[offset + i] = 0;
      if (at !== undefined) out[offset + at] = 1;
    }
  }

  input(): InputField {
    return { name: this.s.field, type: 'categorical', categories: this.s.categories, unknownPolicy: this.s.unknown, optional: true };
  }

  state(): CategoricalState {
    return this.s;
  }
}

/** A fixed-length array of intensities, scaled to [0,1] by the largest training intensity. */
export class PixelsEncoder implements ColumnEncoder {
  constructor(private readonly s: PixelsState) {}

  get field(): string {
    return this.s.field;
  }

  get width(): number {
    return this.s.length;
  }

  static fit(field: string, raw: unknown[]): PixelsEncoder {
    let length = -1;
    let max = 0;
    for (const [i, v] of raw.entries()) {
      if (!Array.isArray(v)) throw new InputError(`training row ${i + 1}: field "${field}" is not a pixel array`);
      if (length === -1) length = v.length;
      if (v.length !== length) throw new InputError(`training row ${i + 1}: field "${field}" has ${v.length} pixels, expected ${length}`);
      for (const p of v) {
        if (typeof p !== 'number' || !Number.isFinite(p)) throw new InputError(`training row ${i + 1}: field "${field}" holds a non-finite pixel ${JSON.stringify(p)}`);
        if (Math.abs(p) > max) max = Math.abs(p);
      }
    }
    return new PixelsEncoder({ kind: 'pixels', field, length: Math.max(length, 0), divide: max || 1 });
  }

  problem(value: unknown): string | null {
    if (!Array.isArray(value)) return 'is not a pixel array';
    if (value.length !== this.s.length) return `has ${value.length} pixels, expected ${this.s.length}`;
    if (!value.every((p) => typeof p === 'number' && Number.isFinite(p))) return 'holds a pixel that is not a finite number';
    return null;
  }

  encode(value: unknown, out: Float32Array, offset: number): void {
    const pixels = value as number[];
    for (let i = 0; i < this.s.length; i++) out[offset + i] = pixels[i] / this.s.divide;
  }

  input(): InputField {
    return { name: this.s.field, type: 'pixels', length: this.s.length, optional: false };
  }

  state(): PixelsState {
    return this.s;
  }
}

export function encoderFromState(state: EncoderState): ColumnEncoder {
  if (state.kind === 'numeric') return new NumericEncoder(state);
  if (state.kind === 'categorical') return new CategoricalEncoder(state);
  return new PixelsEncoder(state);
}
