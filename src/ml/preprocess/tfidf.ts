import { InputError } from '../../core/errors.js';
import { isMissing } from './feature-types.js';
import { tokenize } from './text-tokenizer.js';

export interface TfidfOptions {
  /** Word n-gram lengths, lowest and highest (1–2: unigrams and bigrams). */
  wordNgrams: [number, number];
  /** Character n-gram lengths within word boundaries, or null for none. */
  charNgrams: [number, number] | null;
  /** A term must occur in at least this many training documents. */
  minDocumentFrequency: number;
  /** At most this many terms, the most frequent by document frequency. */
  maxFeatures: number;
  /** tf is 1 + ln(count) instead of the raw count. */
  sublinearTf: boolean;
  /** Hash terms into this many columns instead of keeping a vocabulary; null keeps one. */
  hashing: number | null;
  lowercase: boolean;
  /** Longest text accepted, in characters. */
  maxCharacters: number;
}

/** A fitted vectorizer as plain JSON: the terms (unless hashing) and each column's idf. */
export interface TfidfState {
  field: string;
  options: TfidfOptions;
  terms: string[] | null;
  idf: number[];
}

/** What one text becomes: column indexes in increasing order and their L2-normalised weights. */
export interface SparseVector {
  columns: Int32Array;
  values: Float32Array;
}

const CHAR_MARK = '\u0001';

/**
 * TF-IDF over one text field: word n-grams (and optionally character n-grams), document
 * frequencies counted on the training split only, smooth idf ln((1+n)/(1+df))+1, optional
 * sublinear tf, every row scaled to unit L2 norm. With `hashing`, terms map to columns by hash and
 * only the per-column idf is kept.
 */
export class TfidfVectorizer {
  private readonly index: Map<string, number> | null;
  private readonly idf: Float32Array;

  constructor(readonly s: TfidfState) {
    this.index = s.terms ? new Map(s.terms.map((t, i) => [t, i])) : null;
    this.idf = Float32Array.from(s.idf);
  }

  get width(): number {
    return this.s.idf.length;
  }

  static fit(field: string, values: unknown[], ids: number[], options: TfidfOptions): TfidfVectorizer {
    let withText = 0;
    values.forEach((v, i) => {
      const problem = textProblem(v, options.maxCharacters);
      if (problem) throw new InputError(`item ${ids[i]}: field "${field}" ${problem}`);
      if (typeof v === 'string' && v.trim() !== '') withText++;
    });
    if (withText === 0) throw new InputError(`field "${field}" is empty on every training row: nothing to learn from its text`);
    const n = values.length;
    return options.hashing ? fitHashed(field, values, n, options) : fitVocabulary(field, values, n, options);
  }

  problem(value: unknown): string | null {
    return textProblem(value, this.s.options.maxCharacters);
  }

  vector(value: unknown): SparseVector {
    const counts = new Map<number, number>();
    if (typeof value === 'string') {
      for (const term of termsOf(value, this.s.options)) {
        const column = this.columnOf(term);
        if (column !== undefined) counts.set(column, (counts.get(column) ?? 0) + 1);
      }
    }
    const columns = Int32Array.from(counts.keys()).sort();
    const values = new Float32Array(columns.length);
    let norm = 0;
    for (let j = 0; j < columns.length; j++) {
      const c = counts.get(columns[j]) as number;
      const w = (this.s.options.sublinearTf ? 1 + Math.log(c) : c) * this.idf[columns[j]];
      values[j] = w;
      norm += w * w;
    }
    if (norm > 0) {
      const scale = 1 / Math.sqrt(norm);
      for (let j = 0; j < values.length; j++) values[j] *= scale;
    }
    return { columns, values };
  }

  private columnOf(term: string): number | undefined {
    return this.index ? this.index.get(term) : hashOf(term) % this.width;
  }
}

/** Why a value cannot be a text field's value (a number, an object, too long), or null. */
export function textProblem(value: unknown, maxCharacters: number): string | null {
  if (isMissing(value)) return null;
  if (typeof value === 'number' || typeof value === 'boolean') return `is a ${typeof value} (${String(value)}), not text`;
  if (typeof value !== 'string') return `is ${Array.isArray(value) ? 'an array' : 'an object'}, not text`;
  if (value.length > maxCharacters) return `is ${value.length} characters long, more than the ${maxCharacters} a text may have (tfidf.maxCharacters)`;
  return null;
}

function fitVocabulary(field: string, values: unknown[], n: number, options: TfidfOptions): TfidfVectorizer {
  const df = new Map<string, number>();
  for (const v of values) {
    if (typeof v !== 'string') continue;
    for (const term of new Set(termsOf(v, options))) df.set(term, (df.get(term) ?? 0) + 1);
  }
  const kept = [...df.entries()]
    .filter(([, d]) => d >= options.minDocumentFrequency)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, options.maxFeatures);
  if (kept.length === 0) {
    throw new InputError(`field "${field}": no term occurs in at least ${options.minDocumentFrequency} training documents (tfidf.minDocumentFrequency), so its vocabulary is empty`);
  }
  return new TfidfVectorizer({ field, options, terms: kept.map(([t]) => t), idf: kept.map(([, d]) => smoothIdf(n, d)) });
}

function fitHashed(field: string, values: unknown[], n: number, options: TfidfOptions): TfidfVectorizer {
  const width = options.hashing as number;
  const df = new Int32Array(width);
  for (const v of values) {
    if (typeof v !== 'string') continue;
    for (const column of new Set(termsOf(v, options).map((t) => hashOf(t) % width))) df[column]++;
  }
  return new TfidfVectorizer({ field, options, terms: null, idf: Array.from(df, (d) => smoothIdf(n, d)) });
}

function smoothIdf(n: number, df: number): number {
  return Math.log((1 + n) / (1 + df)) + 1;
}

/** Every term of a text, repeats included: word n-grams (of words of two or more characters) joined by a space, then marked character n-grams. */
export function termsOf(text: string, options: Pick<TfidfOptions, 'wordNgrams' | 'charNgrams' | 'lowercase'>): string[] {
  // One-letter words ("a", "s" of "corn's") are stop words in all but name.
  const words = tokenize(text, options.lowercase).filter((w) => w.length > 1);
  const out: string[] = [];
  const [lo, hi] = options.wordNgrams;
  for (let size = lo; size <= hi; size++) {
    for (let i = 0; i + size <= words.length; i++) out.push(size === 1 ? words[i] : words.slice(i, i + size).join(' '));
  }
  if (options.charNgrams) {
    const [clo, chi] = options.charNgrams;
    for (const word of words) {
      const padded = ` ${word} `;
      for (let size = clo; size <= chi; size++) {
        for (let i = 0; i + size <= padded.length; i++) out.push(CHAR_MARK + padded.slice(i, i + size));
      }
    }
  }
  return out;
}

function hashOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
