import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCsvRows, type LabeledRow } from '../../src/ml/dataset.js';
import { datasetsDir } from '../helpers/shared-data.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const GARDENS = ['north', 'south', 'east'];

/** Iris plus a categorical field, so a served model has numbers and categories to preprocess. */
export function flowerRows(): LabeledRow[] {
  return readCsvRows(path.join(datasetsDir, 'iris.csv'), 'species').map((row, i) => ({
    ...row,
    features: { ...row.features, garden: GARDENS[i % GARDENS.length] },
  }));
}

export const FLOWER_TRAIN_CONFIG = {
  features: { garden: 'categorical' },
  model: { architecture: 'mlp', layers: [8], epochs: 3, earlyStopping: 0 },
};
