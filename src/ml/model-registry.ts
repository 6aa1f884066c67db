import fs from 'node:fs';
import path from 'node:path';
import { InputError, NotFoundError } from '../core/errors.js';
import { METRICS_FILE, LINEAGE_FILE, PREPROCESSING_FILE, type Lineage } from './artifact.js';

/**
 * The model registry is a folder convention, TensorFlow Serving style:
 *
 *   <data-dir>/models/<NAME>/<VERSION>/     one artifact per version (model.json, weights.bin,
 *                                           preprocessing.json, metrics.json, lineage.json,
 *                                           splits.json, report.html)
 *
 * NAME matches [A-Za-z0-9][A-Za-z0-9._-]*, VERSION is a positive integer; the highest version is
 * the current one. `trove train --snapshot S [--name NAME]` registers its artifact as the next
 * version of NAME (default: the snapshot's name). A version directory appears only complete
 * (it is staged beside it and renamed), so a reader listing the registry never sees half a model.
 */
export const MODEL_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export interface RegisteredModel {
  name: string;
  version: number;
  dir: string;
  createdAt: string | null;
  snapshot: { name: string; hash: string } | null;
  metrics: { val?: { accuracy: number; macroF1: number }; test?: { accuracy: number; macroF1: number } | null } | null;
}

export function modelsRoot(dataDir: string): string {
  return path.join(dataDir, 'models');
}

export function checkModelName(name: string): string {
  if (!MODEL_NAME_RE.test(name)) throw new InputError(`model name "${name}" is invalid: use letters, digits, ".", "_" or "-"`);
  return name;
}

export function listVersions(dataDir: string, name: string): number[] {
  const dir = path.join(modelsRoot(dataDir), name);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((v) => /^\d+$/.test(v) && fs.existsSync(path.join(dir, v, PREPROCESSING_FILE)))
    .map(Number)
    .sort((a, b) => a - b);
}

/** The directory the next version of NAME goes to (it does not exist yet). */
export function nextVersionDir(dataDir: string, name: string): { version: number; dir: string } {
  checkModelName(name);
  const root = path.join(modelsRoot(dataDir), name);
  const taken = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => /^\d+/.test(v)).map((v) => parseInt(v, 10)) : [];
  const version = Math.max(0, ...taken) + 1;
  return { version, dir: path.join(root, String(version)) };
}

export function modelDir(dataDir: string, name: string, version?: number): string {
  const versions = listVersions(dataDir, checkModelName(name));
  const chosen = version ?? versions[versions.length - 1];
  if (chosen === undefined || !versions.includes(chosen)) throw new NotFoundError('model', version ? `${name}/${version}` : name);
  return path.join(modelsRoot(dataDir), name, String(chosen));
}

export function describeModel(dataDir: string, name: string, version: number): RegisteredModel {
  const dir = path.join(modelsRoot(dataDir), name, String(version));
  const read = <T>(file: string): T | null => (fs.existsSync(path.join(dir, file)) ? (JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as T) : null);
  const lineage = read<Lineage>(LINEAGE_FILE);
  const metrics = read<RegisteredModel['metrics'] & object>(METRICS_FILE);
  return {
    name,
    version,
    dir,
    createdAt: lineage?.createdAt ?? null,
    snapshot: lineage?.snapshot ?? null,
    metrics: metrics ? { val: metrics.val, test: metrics.test } : null,
  };
}

/** Every registered version of every model, newest version first within a name. */
export function listModels(dataDir: string): RegisteredModel[] {
  const root = modelsRoot(dataDir);
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .filter((name) => MODEL_NAME_RE.test(name))
    .sort()
    .flatMap((name) => listVersions(dataDir, name).reverse().map((v) => describeModel(dataDir, name, v)));
}
