// The inference thread's entry. Compiled (dist/) the worker module sits beside it as .js; from the
// TypeScript sources, worker threads do not inherit the tsx loader registered by the CLI (or jest's
// transform), so the thread registers it before loading the worker.
import fs from 'node:fs';

const compiled = new URL('./inference-worker.js', import.meta.url);
if (fs.existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./inference-worker.ts');
}
