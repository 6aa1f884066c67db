// Trains the serving tests' model in a plain Node process (tfjs loads there in a fraction of the
// time it takes inside jest's module sandbox). Usage: node --import tsx train-flowers.ts OUT_DIR
import { trainModel } from '../../src/ml/train.js';
import { FLOWER_TRAIN_CONFIG, flowerRows } from './flower-data.js';

const outDir = process.argv[2];
if (!outDir) throw new Error('usage: train-flowers.ts OUT_DIR');
await trainModel(flowerRows(), FLOWER_TRAIN_CONFIG, { outDir, name: 'flowers', seed: 7 });
