import { loadConfig, type ConfigOverrides, type TroveConfig } from './core/config.js';
import type { IngestListener } from './core/ingest.js';
import { createLogger, type Logger } from './core/log.js';
import { executeRun, type ExecuteOptions } from './core/run-executor.js';
import { queueRun, type Run, type RunTrigger } from './core/runs.js';
import { SourceKinds } from './core/source-kinds.js';
import { getSource } from './core/sources.js';
import { openStore, type Store } from './core/store.js';
import { allSourceKinds } from './kinds.js';
import { labelingIngestListener } from './labeling/projects.js';

/**
 * The composition root: one store, the source kinds and the listeners every part of Trove plugs
 * in. The CLI and the HTTP server are thin shells over a Hub.
 */
export interface Hub {
  readonly config: TroveConfig;
  readonly store: Store;
  readonly kinds: SourceKinds;
  readonly log: Logger;
  /** Called inside each ingest transaction (labeling projects pick up new items here). */
  readonly ingestListeners: IngestListener[];
  close(): Promise<void>;
}

export interface OpenHubOptions extends ConfigOverrides {
  migrate?: boolean;
  log?: Logger;
}

export async function openHub(opts: OpenHubOptions = {}): Promise<Hub> {
  const config = loadConfig(opts);
  const log = opts.log ?? createLogger({ level: config.logLevel });
  const store = await openStore(config, { migrate: opts.migrate, log });
  return {
    config,
    store,
    kinds: new SourceKinds(allSourceKinds),
    log,
    ingestListeners: [labelingIngestListener],
    close: () => store.close(),
  };
}

export interface RunSourceOptions extends Pick<ExecuteOptions, 'signal' | 'onProgress' | 'batchSize'> {
  trigger?: RunTrigger;
}

/** Queues a run of the named source and carries it out in this process. */
export async function runSource(hub: Hub, name: string, opts: RunSourceOptions = {}): Promise<Run> {
  const source = await getSource(hub.store.db, name);
  const runId = await queueRun(hub.store.db, source.id, opts.trigger ?? 'manual');
  return executeRun(hub.store, runId, {
    kinds: hub.kinds,
    log: hub.log,
    listeners: hub.ingestListeners,
    signal: opts.signal,
    onProgress: opts.onProgress,
    batchSize: opts.batchSize,
  });
}
