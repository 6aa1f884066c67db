import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../core/errors.js';

/** Kernel and device trees: reading them yields the process's environment, memory maps or endless streams, never a dataset. */
const NEVER_READ = ['/proc', '/sys', '/dev'];

/** Where sources made over the API may read local files: the operator's import roots, never the hub's data directory. */
export interface ImportRoots {
  roots: readonly string[];
  dataDir: string;
}

export const IMPORT_ROOTS_SETTING = 'TROVE_IMPORT_ROOTS';

/**
 * The real path of a local file a source reads, after symlinks and `..`: refused under /proc,
 * /sys and /dev for every source; for sources made over the API (`roots` given), refused outside
 * the import roots and inside the hub's data directory (its database, blobs and models).
 */
export function checkLocalPath(file: string, field: string, roots?: ImportRoots): string {
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch (err) {
    throw new InputError(`${field}: ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { field });
  }
  if (NEVER_READ.some((dir) => isInside(real, dir))) throw new InputError(`${field}: ${file}: system folders (/proc, /sys, /dev) are never read`, { field });
  if (!roots) return real;
  if (isInside(real, realOrResolved(roots.dataDir))) throw new InputError(`${field}: ${file}: the hub's data directory is never read by a source`, { field });
  if (!roots.roots.some((root) => isInside(real, realOrResolved(root)))) {
    const why = roots.roots.length === 0 ? `none are configured (${IMPORT_ROOTS_SETTING})` : `it is outside them (${IMPORT_ROOTS_SETTING})`;
    throw new InputError(`${field}: ${file}: sources made over the API read local files only under the operator's import roots, and ${why}`, { field });
  }
  return real;
}

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function realOrResolved(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return path.resolve(dir);
    throw err;
  }
}
