import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readArff } from '../../src/connectors/file/arff-reader.js';
import type { LabeledRow } from '../../src/ml/dataset.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DATASETS = process.env.BENCH_DATASETS ?? path.resolve(repoRoot, '../../shared/datasets');
export const CORN_TRAIN = path.join(DATASETS, 'ReutersCorn-train.arff');
export const CORN_TEST = path.join(DATASETS, 'ReutersCorn-test.arff');
export const TEXT_FIELD = 'Text';
export const LABEL_FIELD = 'class-att';
export const POSITIVE = '1';

/** An ARFF file's rows as training sees them, read with Trove's own ARFF reader. */
export async function arffRows(file: string): Promise<LabeledRow[]> {
  const rows: LabeledRow[] = [];
  for await (const row of readArff(fs.createReadStream(file), { file })) {
    const { [LABEL_FIELD]: label, ...features } = row.values;
    rows.push({ id: rows.length + 1, features, label: label === null || label === undefined ? null : String(label) });
  }
  return rows;
}
