/**
 * The memory part of `npm run bench:ml`'s text part, in a process of its own so its peak RSS is
 * its own: ReutersCorn-train repeated with noise to 100,000 documents (each copy has a tenth of
 * its words swapped for words drawn from a large pool, so the vocabulary outgrows 50,000 terms),
 * trained as text-tfidf over a 50,000-term vocabulary for one epoch. Prints one JSON line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PREPROCESSING_FILE, readJsonFile, type PreprocessingFile } from '../../src/ml/artifact.js';
import type { LabeledRow } from '../../src/ml/dataset.js';
import { seededRandom } from '../../src/ml/random.js';
import { trainModel } from '../../src/ml/train.js';
import { arffRows, CORN_TRAIN, TEXT_FIELD } from './text-data.js';

const DOCUMENTS = Number(process.env.BENCH_TEXT_DOCUMENTS ?? 100_000);
const TERMS = 50_000;
const POOL = 200_000;

function noisyCopies(base: LabeledRow[], n: number): LabeledRow[] {
  const random = seededRandom(5);
  return Array.from({ length: n }, (_, i) => {
    const source = base[i % base.length];
    const words = String(source.features[TEXT_FIELD]).split(/\s+/);
    for (let w = 0; w < words.length; w++) if (random() < 0.1) words[w] = `w${Math.floor(random() * POOL)}`;
    return { id: i + 1, features: { [TEXT_FIELD]: words.join(' ') }, label: source.label };
  });
}

const rows = noisyCopies(await arffRows(CORN_TRAIN), DOCUMENTS);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'trove-bench-text-scale-'));
const outDir = path.join(root, 'model');
const started = performance.now();
const result = await trainModel(rows, {
  clean: { duplicates: 'keep', nearDuplicates: 'keep' },
  tfidf: { maxFeatures: TERMS, epochs: 1 },
}, { outDir });
const seconds = (performance.now() - started) / 1000;
const vocabulary = readJsonFile<PreprocessingFile>(outDir, PREPROCESSING_FILE).preprocessing.tfidf?.[0]?.terms?.length ?? 0;
fs.rmSync(root, { recursive: true, force: true });
console.log(JSON.stringify({
  documents: DOCUMENTS, terms: vocabulary, seconds, maxRssMb: process.resourceUsage().maxRSS / 1024,
  valF1: result.metrics.val.perClass['1']?.f1 ?? null,
}));
