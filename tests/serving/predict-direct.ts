// Predicts records (JSON array on stdin) the way `trove evaluate` does — loadPredictor, then one
// predict call on the raw features — and prints the predictions. Usage: node --import tsx predict-direct.ts DIR
import fs from 'node:fs';
import { loadPredictor } from '../../src/ml/predictor.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: predict-direct.ts MODEL_DIR < records.json');
const records = JSON.parse(fs.readFileSync(0, 'utf8')) as Array<Record<string, unknown>>;
const predictor = await loadPredictor(dir);
process.stdout.write(JSON.stringify(await predictor.predict(records)));
predictor.dispose();
