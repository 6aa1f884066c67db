/**
 * Tabular parity (`npm run bench:ml`, or `BENCH_ML_PART=parity`): Trove's default model against
 * scikit-learn (StandardScaler + LogisticRegression, and + MLPClassifier) on iris, wine and digits,
 * over the same seeds and the same rows. Trove trains first and writes its split (splits.json, row
 * ids); scikit-learn then fits on that split's train + validation rows and scores the same test rows,
 * in the same invocation. Prints per-seed accuracies and the medians side by side.
 * `BENCH_PARITY_SEEDS` (5) sets the number of seeds; `BENCH_PARITY_CONFIG` (a JSON training config)
 * replaces Trove's default, to compare a candidate default against the current one;
 * `BENCH_PARITY_DATASETS` (e.g. `digits`) runs some of the datasets.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SPLITS_FILE } from '../../src/ml/artifact.js';
import { readCsvRows } from '../../src/ml/dataset.js';
import { trainModel } from '../../src/ml/train.js';
import { median } from '../median.js';
import { ensureSklearn, runPeer, sklearnVersion } from './sklearn-peer.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const datasetsDir = path.resolve(here, '../../tests/fixtures/datasets');

const ALL_DATASETS = [
  { name: 'iris', label: 'species' },
  { name: 'wine', label: 'cultivar' },
  { name: 'digits', label: 'digit' },
];
const chosen = process.env.BENCH_PARITY_DATASETS?.split(',');
const DATASETS = ALL_DATASETS.filter((d) => !chosen || chosen.includes(d.name));

interface Split {
  seed: number;
  train: number[];
  val: number[];
  test: number[];
}

interface TroveRun {
  accuracy: number;
  seconds: number;
  epochs: number;
}

type PeerResult = Record<string, Record<string, Record<'logreg' | 'mlp', { accuracy: number; seconds: number }>>>;

async function troveRuns(file: string, label: string, seeds: number[], config: unknown, scratch: string): Promise<{ runs: TroveRun[]; splits: Split[] }> {
  const rows = readCsvRows(file, label);
  const runs: TroveRun[] = [];
  const splits: Split[] = [];
  for (const seed of seeds) {
    const outDir = path.join(scratch, `${path.basename(file, '.csv')}-${seed}`);
    const started = performance.now();
    const result = await trainModel(rows, config, { seed, outDir });
    runs.push({ accuracy: result.metrics.test?.accuracy ?? NaN, seconds: (performance.now() - started) / 1000, epochs: result.metrics.history.length });
    splits.push({ seed, ...(JSON.parse(fs.readFileSync(path.join(outDir, SPLITS_FILE), 'utf8')) as Omit<Split, 'seed'>) });
  }
  return { runs, splits };
}

/**
 * One standard error of an accuracy measured on n test rows (the noise one split carries), with
 * the add-one estimate of p so a perfect score on a small split does not claim zero noise.
 */
function standardError(accuracy: number, n: number): number {
  const p = (accuracy * n + 1) / (n + 2);
  return Math.sqrt((p * (1 - p)) / n);
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export async function tabularParity(): Promise<void> {
  ensureSklearn();
  const seeds = Array.from({ length: Number(process.env.BENCH_PARITY_SEEDS ?? 5) }, (_, i) => i + 1);
  const configFile = process.env.BENCH_PARITY_CONFIG;
  const config: unknown = configFile ? JSON.parse(fs.readFileSync(configFile, 'utf8')) : {};
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'trove-parity-'));
  try {
    const trove = new Map<string, { runs: TroveRun[]; splits: Split[] }>();
    for (const d of DATASETS) trove.set(d.name, await troveRuns(path.join(datasetsDir, `${d.name}.csv`), d.label, seeds, config, scratch));
    const peer = runPeer<PeerResult>(path.join(here, 'tabular_peer.py'), {
      datasets: DATASETS.map((d) => ({ ...d, file: path.join(datasetsDir, `${d.name}.csv`), splits: trove.get(d.name)?.splits ?? [] })),
    });
    console.log(`tabular parity: Trove ${configFile ? `config ${configFile}` : 'default config'} vs scikit-learn ${sklearnVersion()} (fit on train + validation rows), same splits, seeds ${seeds.join(',')}`);
    for (const d of DATASETS) {
      const { runs, splits } = trove.get(d.name) ?? { runs: [], splits: [] };
      const logreg = seeds.map((s) => peer[d.name][String(s)].logreg.accuracy);
      const mlp = seeds.map((s) => peer[d.name][String(s)].mlp.accuracy);
      const accuracy = runs.map((r) => r.accuracy);
      for (const [i, seed] of seeds.entries()) {
        console.log(`  ${d.name} seed ${seed} (test ${splits[i].test.length} rows): trove ${pct(accuracy[i])} (${runs[i].epochs} epochs, ${runs[i].seconds.toFixed(1)} s), logreg ${pct(logreg[i])}, mlp ${pct(mlp[i])}`);
      }
      const best = seeds.map((_, i) => Math.max(logreg[i], mlp[i]));
      const gap = median(accuracy.map((a, i) => a - best[i]));
      const noise = standardError(median(best), median(splits.map((s) => s.test.length)));
      const verdict = gap >= -noise ? 'within noise' : 'BELOW beyond noise';
      console.log(
        `${d.name}: median test accuracy trove ${pct(median(accuracy))}, sklearn logreg ${pct(median(logreg))}, sklearn mlp ${pct(median(mlp))}; ` +
          `median paired gap to the better sklearn model ${(gap * 100).toFixed(1)} points (one standard error ${(noise * 100).toFixed(1)}): ${verdict}; ` +
          `median fit ${median(runs.map((r) => r.seconds)).toFixed(1)} s trove, ${median(seeds.map((s) => peer[d.name][String(s)].mlp.seconds)).toFixed(2)} s sklearn mlp`,
      );
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
