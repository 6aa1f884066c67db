import { f1OptimalThreshold } from '../../src/ml/decision.js';
import { densify, SparseRowsBuilder } from '../../src/ml/preprocess/sparse-rows.js';
import { TfidfVectorizer, type TfidfOptions } from '../../src/ml/preprocess/tfidf.js';

const OPTIONS: TfidfOptions = {
  wordNgrams: [1, 2], charNgrams: null, minDocumentFrequency: 1, maxFeatures: 1000, sublinearTf: true, hashing: null, lowercase: true, maxCharacters: 1000,
};
const DOCS = ['Corn prices rise', 'corn exports rise again', 'bank rates fall'];

test('TF-IDF learns its vocabulary from the training texts only, with bigrams, and rows of unit norm', () => {
  const v = TfidfVectorizer.fit('body', DOCS, [1, 2, 3], OPTIONS);
  expect(v.s.terms).toEqual(expect.arrayContaining(['corn', 'rise', 'corn prices', 'bank rates']));
  const { columns, values } = v.vector('corn rise unseenword');
  expect(columns).toHaveLength(2);
  expect(values.reduce((s, x) => s + x * x, 0)).toBeCloseTo(1, 6);
  expect(v.vector('unseenword only').columns).toHaveLength(0);
});

test('rarer terms weigh more (smooth idf), and a repeated word counts sublinearly', () => {
  const v = TfidfVectorizer.fit('body', DOCS, [1, 2, 3], { ...OPTIONS, wordNgrams: [1, 1] });
  const { columns, values } = v.vector('corn bank');
  const weight = (term: string) => values[Array.from(columns).indexOf((v.s.terms as string[]).indexOf(term))];
  expect(weight('bank')).toBeGreaterThan(weight('corn'));
  const once = v.vector('corn bank');
  const thrice = v.vector('corn corn corn bank');
  expect(thrice.values[0] / thrice.values[1]).toBeCloseTo((1 + Math.log(3)) * (once.values[0] / once.values[1]), 5);
});

test('feature hashing keeps no vocabulary and maps a term to the same column every time', () => {
  const v = TfidfVectorizer.fit('body', DOCS, [1, 2, 3], { ...OPTIONS, wordNgrams: [1, 1], hashing: 64 });
  expect(v.s.terms).toBeNull();
  expect(v.width).toBe(64);
  expect(Array.from(v.vector('corn prices').columns)).toEqual(Array.from(v.vector('prices corn').columns));
});

test('sparse rows become dense one chosen batch at a time', () => {
  const rows = new SparseRowsBuilder(4, 3);
  rows.push([1], [0.5]);
  rows.endRow();
  rows.endRow();
  rows.push([0, 3], [1, 2]);
  rows.endRow();
  expect(Array.from(densify(rows.build(), [2, 0]))).toEqual([1, 0, 0, 2, 0, 0.5, 0, 0]);
});

test('the F1-optimal threshold lies between the lowest score taken and the highest left out', () => {
  const scores = Float32Array.from([0.9, 0.8, 0.35, 0.3, 0.1]);
  expect(f1OptimalThreshold(scores, Uint8Array.from([1, 1, 1, 0, 0]))).toBeCloseTo(0.325, 6);
  expect(f1OptimalThreshold(scores, Uint8Array.from([0, 0, 0, 0, 0]))).toBeNull();
});
