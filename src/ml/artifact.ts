import fs from 'node:fs';
import path from 'node:path';
import { ConflictError, InputError } from '../core/errors.js';
import { packageRoot } from '../core/package-root.js';
import type { TrainConfig } from './config.js';
import type { Decision } from './decision.js';
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
  /** A binary model's decision threshold (absent or null: the most probable class). */
  decision?: Decision | null;
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
  const base = dir.replace(/[\\/]+$/, '');
  removeAbandonedStaging(path.dirname(path.resolve(base)));
  const staging = `${base}.partial-${process.pid}-${Date.now()}`;
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

const STAGING_NAME = /\.partial-(\d+)-\d+$/;

/**
 * A training killed outright (SIGKILL, a crash) cannot remove its staging directory: the next
 * write into the same folder removes those whose process no longer exists.
 */
function removeAbandonedStaging(parent: string): void {
  if (!fs.existsSync(parent)) return;
  for (const name of fs.readdirSync(parent)) {
    const pid = STAGING_NAME.exec(name)?.[1];
    if (pid !== undefined && Number(pid) !== process.pid && !processExists(Number(pid))) fs.rmSync(path.join(parent, name), { recursive: true, force: true });
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** The package version plus the git commit when the code runs from a checkout (a worktree too). */
export function codeVersion(): string {
  const version = (JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const commit = gitCommit(path.join(packageRoot, '.git'));
  return commit ? `${version}+${commit.slice(0, 12)}` : version;
}

/**
 * HEAD's commit, read from the files git keeps: `.git` is a folder, or in a worktree a file naming
 * the real one, whose refs live in the shared folder named by `commondir`. Null outside a checkout
 * or when the ref is only in packed-refs.
 */
function gitCommit(dotGit: string): string | null {
  const gitDir = readIfExists(dotGit, true)?.match(/^gitdir: (.+)$/m)?.[1];
  const dir = gitDir ? path.resolve(packageRoot, gitDir) : dotGit;
  const head = readIfExists(path.join(dir, 'HEAD'))?.trim();
  if (!head?.startsWith('ref: ')) return head ?? null;
  const common = readIfExists(path.join(dir, 'commondir'))?.trim();
  const ref = head.slice(5);
  return (readIfExists(path.join(dir, ref)) ?? (common ? readIfExists(path.join(path.resolve(dir, common), ref)) : undefined))?.trim() ?? null;
}

/** A file's text, or undefined when it (or, with `fileOnly`, a file rather than a folder) is not there. */
function readIfExists(file: string, fileOnly = false): string | undefined {
  try {
    if (fileOnly && !fs.statSync(file).isFile()) return undefined;
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}
