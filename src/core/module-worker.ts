import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * Starts a worker thread running the Trove module at `module` (a URL ending in .ts, as written in
 * the sources), from the compiled dist/ or the TypeScript sources alike. The module reads `data`
 * as `workerData.data`.
 */
export function startModuleWorker(module: URL, data: unknown, resourceLimits?: ResourceLimits): Worker {
  return new Worker(new URL('./module-worker-entry.mjs', import.meta.url), { workerData: { module: module.href, data }, resourceLimits });
}
