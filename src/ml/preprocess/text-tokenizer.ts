import { isMissing } from './feature-types.js';

export const PAD = 0;
export const OOV = 1;

export interface TokenizerOptions {
  minFrequency: number;
  maxVocabulary: number;
  maxLength: number;
  lowercase: boolean;
}

export interface TokenizerState {
  fields: string[];
  lowercase: boolean;
  maxLength: number;
  /** Index i+2 is vocabulary[i]; 0 pads, 1 stands for every word outside the vocabulary. */
  vocabulary: string[];
}

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

export function tokenize(text: string, lowercase: boolean): string[] {
  return (lowercase ? text.toLowerCase() : text).match(WORD) ?? [];
}

/**
 * Turns the text fields of a row into a fixed-length sequence of word indices: words seen at
 * least `minFrequency` times in training (at most `maxVocabulary`), the OOV index for the rest,
 * truncated or padded (at the end) to `maxLength`.
 */
export class TextTokenizer {
  private readonly index: Map<string, number>;
  constructor(readonly s: TokenizerState) {
    this.index = new Map(s.vocabulary.map((w, i) => [w, i + 2]));
  }

  get vocabularySize(): number {
    return this.s.vocabulary.length + 2;
  }

  get length(): number {
    return this.s.maxLength;
  }

  static fit(fields: string[], rows: Array<Record<string, unknown>>, opts: TokenizerOptions): TextTokenizer {
    const counts = new Map<string, number>();
    for (const row of rows) for (const word of wordsOf(row, fields, opts.lowercase)) counts.set(word, (counts.get(word) ?? 0) + 1);
    const vocabulary = [...counts.entries()]
      .filter(([, c]) => c >= opts.minFrequency)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, opts.maxVocabulary - 2)
      .map(([w]) => w);
    return new TextTokenizer({ fields, lowercase: opts.lowercase, maxLength: opts.maxLength, vocabulary });
  }

  problem(value: unknown): string | null {
    return isMissing(value) || typeof value === 'string' ? null : 'is not text';
  }

  encode(row: Record<string, unknown>, out: Int32Array, offset: number): void {
    let n = 0;
    for (const word of wordsOf(row, this.s.fields, this.s.lowercase)) {
      if (n === this.s.maxLength) break;
      out[offset + n++] = this.index.get(word) ?? OOV;
    }
    for (; n < this.s.maxLength; n++) out[offset + n] = PAD;
  }
}

function* wordsOf(row: Record<string, unknown>, fields: string[], lowercase: boolean): Generator<string> {
  for (const field of fields) {
    const value = row[field];
    if (typeof value === 'string') yield* tokenize(value, lowercase);
  }
}
