import fs, { type FSWatcher } from 'node:fs';
import { errorMessage, InputError, NotFoundError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { ModelMetadata } from '../ml/predictor-contract.js';
import type { EncodedRows } from '../ml/preprocess/pipeline.js';
import { DynamicBatcher, OverloadedError, type BatchingOptions } from './batcher.js';
import { InferenceThread } from './inference-thread.js';
import type { ModelDiscovery, VersionSpec } from './model-discovery.js';
import { PredictionWriter } from './prediction-json.js';
import { RecordEncoder } from './record-encoder.js';
import type { ServingMetrics } from './serving-metrics.js';

let nextCatalogId = 1;

export interface ServedVersion {
  model: string;
  version: number;
  dir: string;
  metadata: ModelMetadata;
  loadedAt: string;
  batcher: DynamicBatcher;
  /** Checks and encodes this version's records on the HTTP thread. */
  encoder: RecordEncoder;
  /** Writes this version's predictions as JSON. */
  writer: PredictionWriter;
}

export interface CatalogOptions {
  batching: BatchingOptions;
  /** Safety net behind the file watcher: how often the folders are rescanned. */
  pollIntervalMs: number;
  /** At start, refuse to open when a version cannot be loaded (serve-model) instead of skipping it (hub). */
  strict: boolean;
}

/**
 * The model versions a server holds. Versions of one model live side by side; the newest answers
 * when no version is named. A watcher (and a slow poll behind it) loads versions that appear and
 * retires versions that disappear; a retired version finishes the requests it has taken first.
 */
export class ModelCatalog {
  private readonly models = new Map<string, Map<number, ServedVersion>>();
  private readonly failures = new Map<string, string>();
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly thread = InferenceThread.acquire();
  private readonly id = nextCatalogId++;
  private poll: NodeJS.Timeout | undefined;
  private reloading: Promise<void> = Promise.resolve();
  private reloadQueued = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  private accepting = true;

  private constructor(
    private readonly discovery: ModelDiscovery,
    private readonly opts: CatalogOptions,
    private readonly metrics: ServingMetrics,
    private readonly log: Logger,
  ) {}

  static async open(discovery: ModelDiscovery, opts: CatalogOptions, metrics: ServingMetrics, log: Logger): Promise<ModelCatalog> {
    const catalog = new ModelCatalog(discovery, opts, metrics, log);
    try {
      await catalog.sync(opts.strict);
    } catch (err) {
      await catalog.close();
      throw err;
    }
    catalog.watch();
    return catalog;
  }

  /** False once shutdown has begun, so load balancers stop sending traffic while in-flight requests finish. */
  get ready(): boolean {
    return this.accepting && !this.closed && this.thread.healthy;
  }

  stopAccepting(): void {
    this.accepting = false;
  }

  modelNames(): string[] {
    return [...this.models.keys()].sort();
  }

  /** All served versions of a model, oldest first; 404 when the model is unknown. */
  versions(model: string): ServedVersion[] {
    const versions = this.models.get(model);
    if (!versions || versions.size === 0) throw new NotFoundError('model', model);
    return [...versions.values()].sort((a, b) => a.version - b.version);
  }

  /** The named version, or the newest; 404 when either is unknown. */
  resolve(model: string, version?: number): ServedVersion {
    const versions = this.versions(model);
    if (version === undefined) return versions[versions.length - 1];
    const found = versions.find((v) => v.version === version);
    if (!found) throw new NotFoundError(`version of model ${model}`, version);
    return found;
  }

  /** Queues encoded rows for the next batch of that version; resolves to their class probabilities. */
  async predict(served: ServedVersion, rows: EncodedRows): Promise<Float32Array> {
    try {
      return await served.batcher.submit(rows);
    } catch (err) {
      if (err instanceof OverloadedError) this.metrics.observeRejected(served.model);
      throw err;
    }
  }

  /** Rescans the folders now (the watcher calls this; tests and operators may too). */
  reload(): Promise<void> {
    if (this.reloadQueued) return this.reloading;
    this.reloadQueued = true;
    this.reloading = this.reloading.then(async () => {
      this.reloadQueued = false;
      if (this.closed) return;
      try {
        await this.sync(false);
        this.watch();
      } catch (err) {
        this.log.error('model reload failed', { error: errorMessage(err) });
      }
    });
    return this.reloading;
  }

  /** Stops watching, lets every queued request finish, unloads every version, then lets go of the inference thread. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.closed = true;
    if (this.poll) clearInterval(this.poll);
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
    await this.reloading;
    const all = [...this.models.values()].flatMap((versions) => [...versions.values()]);
    await Promise.all(all.map((served) => this.retire(served)));
    await this.thread.release();
  }

  private async sync(strict: boolean): Promise<void> {
    const found = this.discovery.discover();
    const onDisk = new Set(found.map((spec) => spec.dir));
    for (const spec of found) {
      if (this.models.get(spec.model)?.has(spec.version)) continue;
      await this.load(spec, strict);
    }
    for (const versions of this.models.values()) {
      for (const served of versions.values()) {
        if (!onDisk.has(served.dir)) this.retire(served).catch((err) => this.log.error('retiring a model version failed', { error: errorMessage(err) }));
      }
    }
  }

  private async load(spec: VersionSpec, strict: boolean): Promise<void> {
    const key = this.keyOf(spec);
    let metadata: ModelMetadata;
    let encoder: RecordEncoder;
    try {
      encoder = RecordEncoder.fromArtifact(spec.dir);
      metadata = await this.thread.load(key, spec.dir);
    } catch (err) {
      const reason = errorMessage(err);
      if (strict) throw new InputError(`cannot serve ${spec.dir}: ${reason}`);
      if (this.failures.get(spec.dir) !== reason) this.log.warn('model version not loaded', { dir: spec.dir, error: reason });
      this.failures.set(spec.dir, reason);
      return;
    }
    this.failures.delete(spec.dir);
    const batcher = new DynamicBatcher(
      this.opts.batching,
      (rows) => this.thread.predict(key, rows),
      this.metrics.batchObserver(spec.model, spec.version),
    );
    const writer = new PredictionWriter(metadata.labels, spec.version, metadata.task, metadata.decision);
    const served: ServedVersion = { ...spec, metadata, loadedAt: new Date().toISOString(), batcher, encoder, writer };
    let versions = this.models.get(spec.model);
    if (!versions) this.models.set(spec.model, (versions = new Map()));
    versions.set(spec.version, served);
    this.metrics.versionLoaded(spec.model, spec.version, () => batcher.depth);
    this.log.info('model version loaded', { model: spec.model, version: spec.version, dir: spec.dir });
  }

  private async retire(served: ServedVersion): Promise<void> {
    const versions = this.models.get(served.model);
    versions?.delete(served.version);
    if (versions?.size === 0) this.models.delete(served.model);
    this.metrics.versionLoaded(served.model, served.version, null);
    await served.batcher.drained();
    if (this.thread.healthy) await this.thread.unload(this.keyOf(served));
    this.log.info('model version retired', { model: served.model, version: served.version });
  }

  private keyOf(spec: { model: string; version: number }): string {
    return `${this.id}:${spec.model}/${spec.version}`;
  }

  private watch(): void {
    if (this.closed) return;
    for (const dir of this.discovery.watchPaths()) {
      if (this.watchers.has(dir)) continue;
      const watcher = fs.watch(dir, () => void this.reload());
      watcher.unref();
      watcher.on('error', (err) => {
        this.log.warn('stopped watching a model folder', { dir, error: errorMessage(err) });
        watcher.close();
        this.watchers.delete(dir);
      });
      this.watchers.set(dir, watcher);
    }
    if (!this.poll && this.opts.pollIntervalMs > 0) {
      this.poll = setInterval(() => void this.reload(), this.opts.pollIntervalMs);
      this.poll.unref();
    }
  }
}
