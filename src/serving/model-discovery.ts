import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../core/errors.js';
import { PREPROCESSING_FILE } from '../ml/artifact.js';
import { MODEL_NAME_RE } from '../ml/model-registry.js';

/** One servable artifact folder: a version of a model, found on disk. */
export interface VersionSpec {
  model: string;
  version: number;
  dir: string;
}

const VERSION_DIR = /^[1-9][0-9]*$/;

/** Where a server finds its models: asked again at every reload, so new versions show up. */
export interface ModelDiscovery {
  /** The folders to watch for changes (asked again after every reload). */
  watchPaths(): string[];
  discover(): VersionSpec[];
}

/**
 * `trove serve-model DIR`: DIR is either one model's folder holding numeric version subfolders
 * (`DIR/1`, `DIR/2`, …, the model named after DIR) or a single artifact folder (served as version 1
 * of a model named after the folder).
 */
export function modelFolderDiscovery(dir: string, name?: string): ModelDiscovery {
  const root = path.resolve(dir);
  const stat = fs.statSync(root, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) throw new InputError(`model directory not found: ${dir}`);
  const model = name ?? path.basename(root);
  const versioned = versionFolders(root).length > 0;
  if (!versioned && !fs.existsSync(path.join(root, PREPROCESSING_FILE))) {
    throw new InputError(`${dir} holds neither version subfolders (1, 2, …) nor a model artifact (no ${PREPROCESSING_FILE})`);
  }
  return {
    watchPaths: () => (versioned ? [root] : []),
    discover: () => (versioned ? versionFolders(root).map((v) => ({ model, ...v })) : [{ model, version: 1, dir: root }]),
  };
}

/** The hub: every `<models-dir>/<NAME>/<VERSION>/` the registry holds. */
export function registryDiscovery(modelsDir: string): ModelDiscovery {
  const root = path.resolve(modelsDir);
  return {
    watchPaths: () => (fs.existsSync(root) ? [root, ...modelFolders(root)] : []),
    discover: () => {
      if (!fs.existsSync(root)) return [];
      return modelFolders(root).flatMap((dir) => versionFolders(dir).map((v) => ({ model: path.basename(dir), ...v })));
    },
  };
}

function modelFolders(root: string): string[] {
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && MODEL_NAME_RE.test(e.name))
    .map((e) => path.join(root, e.name));
}

function versionFolders(modelDir: string): Array<{ version: number; dir: string }> {
  return fs
    .readdirSync(modelDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && VERSION_DIR.test(e.name))
    .map((e) => ({ version: Number(e.name), dir: path.join(modelDir, e.name) }))
    .sort((a, b) => a.version - b.version);
}
