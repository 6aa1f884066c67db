import fs from 'node:fs';
import path from 'node:path';
import { ConflictError, InputError } from '../core/errors.js';
import { packageRoot } from '../core/package-root.js';
import type { TrainConfig } from './config.js';
import type { Architecture, Task } from './model-builder.js';
import type { PreprocessorState } from './preprocess/pipeline.js';

/**
 * A model artifact directory:
 *   model.json + weights.bin   the network (tfjs layers format)
 *   preprocessing.json         the fitted preprocessing, labels, task and architecture
 *   metrics.json               val and test metrics, learning curves, diagnosis
 *   lineage.json               snapshot name and hash, config, seed, code version
 *   splits.json                the item ids of each split (so evaluation reuses the exact test set)
 *   report.html                a self-contained report with plots
 *   label-issues.json          likely mislabeled items (only with the label-noise finder)
 */
export const PREPROCESSING_FILE = 'preprocessing.json';
export const METRICS_FILE = 'metrics.json';
export const LINEAGE_FILE = 'lineage.json';
export const SPLITS_FILE = 'splits.json';
export const REPORT_FILE = 'report.html';
export const LABEL_ISSUES_FILE = 'label-issues.json';

export interface PreprocessingFile {
  format: 'trove-model/1';
  name: string;
  task: Task;
  architecture: Architecture;
  labels: string[];
  imageSide: number | null;
  preprocessing: PreprocessorState;
}

export interface Lineage {
  name: string;
  snapshot: { name: string; hash: string } | null;
  config: TrainConfig;
  seed: number;
  networkSeed: number;
  codeVersion: string;
  backend: string;
  createdAt: string;
  rows: { train: number; val: number; test: number };
}

export interface SplitIds {
  train: number[];
  val: number[];
  test: number[];
}

export function readJsonFile<T>(dir: string, file: string): T {
  const full = path.join(dir, file);
  if (!fs.existsSync(full)) throw new InputError(`${dir}: no ${file} (not a Trove model artifact)`);
  try {
    return JSON.parse(fs.readFileSync(full, 'utf8')) as T;
  } catch (err) {
    throw new InputError(`${full}: not valid JSON (${(err as Error).message})`);
  }
}

export function writeJsonFile(dir: string, file: string, value: unknown): void {
  fs.writeFileSync(path.join(dir, file), JSON.stringify(value, null, 2) + '\n');
}

/** Refuses an output directory that already holds something, before any work starts. */
export function checkOutputDir(dir: string): void {
  if (fs.existsSync(dir) && (!fs.statSync(dir).isDirectory() || fs.readdirSync(dir).length > 0)) {
    throw new ConflictError(`--out ${dir} already exists and is not empty`);
  }
}

/**
 * Builds the artifact in a sibling staging directory and moves it into place only when complete,
 * so a failed run never leaves a half-written model at `dir`.
 */
export async function writeAtomically(dir: string, write: (staging: string) => Promise<void>): Promise<void> {
  checkOutputDir(dir);
  const staging = `${dir.replace(/[\\/]+$/, '')}.partial-${process.pid}-${Date.now()}`;
  fs.mkdirSync(staging, { recursive: true });
  try {
    await write(staging);
    if (fs.existsSync(dir)) fs.rmdirSync(dir);
    fs.mkdirSync(path.dirname(path.resolve(dir)), { recursive: true });
    fs.renameSync(staging, dir);
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

/** The package version plus the git commit when the code runs from a checkout. */
export function codeVersion(): string {
  let version = 'unknown';
  try {
    version = (JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
    const head = fs.readFileSync(path.join(packageRoot, '.git', 'HEAD'), 'utf8').trim();
    const commit = head.startsWith('ref: ') ? fs.readFileSync(path.join(packageRoot, '.git', head.slice(5)), 'utf8').trim() : head;
    return `${version}+${commit.slice(0, 12)}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return version;
    throw err;
  }
}
