// Loads a Trove module from the compiled dist/ when it is up to date (plain Node, no loader), else
// from the TypeScript sources through tsx, so a checkout with edited sources never runs stale code.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';

// After a full collection V8 lets the heap grow to up to 4x what survived before collecting again
// (on a machine with a few GB of memory). A crawl or an import keeps ~25 MB alive and allocates
// fast, so the main thread's heap swung up to ~150 MB; at 2x it peaks ~30 MB lower for no
// measurable CPU (a 20,000-page crawl: 284–306 → 257–271 MB). V8 reads this flag at every
// collection, so setting it here, before Trove loads, works like the command-line flag.
v8.setFlagsFromString('--heap-growing-percent=100');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['src', 'migrations'];

function newestSourceMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

function distIsFresh() {
  if (process.env.TROVE_FROM_SOURCE === '1') return false;
  let built;
  try {
    built = fs.statSync(path.join(root, 'dist', 'BUILD_STAMP')).mtimeMs;
  } catch (err) {
    if (err.code === 'ENOENT') return false;
    throw err;
  }
  return SOURCE_DIRS.every((d) => newestSourceMtime(path.join(root, d)) <= built);
}

let compiled;

/** Imports `relative` (e.g. 'src/hub.ts') from dist/ as .js when fresh, else the .ts through tsx. */
export async function importTrove(relative) {
  compiled ??= distIsFresh();
  if (compiled) return import(pathToFileURL(path.join(root, 'dist', relative.replace(/\.ts$/, '.js'))).href);
  const { register } = await import('tsx/esm/api');
  register();
  return import(pathToFileURL(path.join(root, relative)).href);
}
