// Entry of every worker thread that runs a Trove module (workerData.module: its URL). Compiled
// (dist/), the module sits beside its .ts name as .js; from the TypeScript sources, a worker thread
// does not inherit the tsx loader of the CLI (or jest's transform), so it registers tsx first.
import fs from 'node:fs';
import { workerData } from 'node:worker_threads';

const source = new URL(workerData.module);
const compiled = new URL(source.href.replace(/\.ts$/, '.js'));
if (fs.existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
}
