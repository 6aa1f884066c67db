import os from 'node:os';
import { CancelledError, errorMessage, TroveError } from './errors.js';
import { Ingestor, type IngestListener } from './ingest.js';
import { fromJsonColumn, toJsonColumn } from './json-column.js';
import { PreparedRecords } from './prepare-item.js';
import { redactorFor } from './redact.js';
import type { Logger } from './log.js';
import { addRunError, getRun, type Run, type RunCounts } from './runs.js';
import { beatAs, claimRunAs, finishAs, joinRun } from './run-workers.js';
import type { Checkpoint, RecordInput, RunProgress, SourceContext } from './source.js';
import type { SourceKinds } from './source-kinds.js';
import { getSourceById } from './sources.js';
import type { Store } from './store.js';
import { nowIso } from './time.js';

export interface ExecuteOptions {
  kinds: SourceKinds;
  log: Logger;
  listeners?: IngestListener[];
  /** Stops the run from this process (Ctrl-C, shutdown); a cancel request in the store does too. */
  signal?: AbortSignal;
  onProgress?: (progress: RunProgress, counts: RunCounts) => void;
  heartbeatMs?: number;
  worker?: string;
  batchSize?: number;
  /**
   * Take part in the run even when another process already runs it (its kind shares runs, as a
   * crawl shares its frontier); the last participant to finish closes it.
   */
  join?: boolean;
  /** Called once this process has claimed or joined the run, before the source starts. */
  onTaken?: () => Promise<void>;
}

export const workerName = `${os.hostname()}:${process.pid}`;

/**
 * Runs a queued run to its end: claims it, hands the source a context, feeds every record through
 * the ingest path, beats a heartbeat (which also notices cancel requests) and records the outcome.
 * Whatever happens, what was stored stays stored.
 */
export async function executeRun(store: Store, runId: number, opts: ExecuteOptions): Promise<Run> {
  const run = await getRun(store.db, runId);
  const source = await getSourceById(store.db, run.sourceId);
  const kind = opts.kinds.get(source.kind);
  const worker = opts.worker ?? workerName;
  const taken = (await claimRunAs(store.db, runId, worker)) || (opts.join === true && (await joinRun(store.db, runId, worker)));
  if (!taken) return getRun(store.db, runId);
  await opts.onTaken?.();

  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(new CancelledError('interrupted'));
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const log = opts.log.child({ run: runId, source: source.name });
  const redactor = redactorFor(source.config);
  const ingestor = new Ingestor(store, { sourceId: source.id, runId, listeners: opts.listeners, batchSize: opts.batchSize, redactor, backgroundCheckpoints: true });
  let progress: RunProgress = {};
  const sourceStats: Record<string, number> = {};
  const runStats = () => ({ ...sourceStats, ...redactor?.stats() });
  const pendingWrites: Array<Promise<void>> = [];

  const beat = async () => {
    const { cancelRequested } = await beatAs(store.db, runId, worker, { counts: ingestor.counts, progress, stats: runStats() });
    if (cancelRequested && !abort.signal.aborted) abort.abort(new CancelledError('cancelled by request'));
  };
  const timer = setInterval(() => {
    beat().catch((err: unknown) => log.warn('heartbeat failed', { error: errorMessage(err) }));
  }, opts.heartbeatMs ?? 1000);

  const ctx: SourceContext = {
    source: { id: source.id, name: source.name, kind: source.kind },
    runId,
    store,
    log,
    signal: abort.signal,
    checkpoint: makeCheckpoint(store, source.id, ingestor),
    progress(update) {
      progress = { ...progress, ...update };
      opts.onProgress?.(progress, ingestor.counts);
    },
    flush: (alongside) => ingestor.flush(alongside),
    async recordFailure(location, reason) {
      ingestor.counts.failed++;
      const write = addRunError(store.db, runId, location, reason);
      pendingWrites.push(write);
      await write;
    },
    addStats(delta) {
      for (const [k, v] of Object.entries(delta)) sourceStats[k] = (sourceStats[k] ?? 0) + v;
    },
  };

  let status: 'succeeded' | 'failed' | 'cancelled' = 'succeeded';
  let error: string | undefined;
  try {
    const config = opts.kinds.parseConfig(source.kind, source.config, `source ${source.name}`);
    for await (const yielded of kind.run(config, ctx)) {
      const pending = yielded instanceof PreparedRecords ? ingestor.addPrepared(yielded) : isRecordChunk(yielded) ? ingestor.addMany(yielded) : ingestor.add(yielded);
      if (pending) await pending;
      if (abort.signal.aborted) break;
    }
    await ingestor.flush();
    if (abort.signal.aborted) throw abort.signal.reason;
  } catch (err) {
    const cancelled = abort.signal.aborted && (err === abort.signal.reason || err instanceof CancelledError || isAbortError(err));
    status = cancelled ? 'cancelled' : 'failed';
    error = cancelled ? errorMessage(abort.signal.reason) : errorMessage(err);
    await flushQuietly(ingestor, log);
    if (!cancelled && !(err instanceof TroveError)) log.debug('run failed', { stack: (err as Error)?.stack });
  } finally {
    clearInterval(timer);
    opts.signal?.removeEventListener('abort', onOuterAbort);
    await Promise.allSettled(pendingWrites);
    await ingestor.close().catch((err: unknown) => log.warn('could not stop the ingest checkpoint thread', { error: errorMessage(err) }));
  }
  await finishAs(store.db, runId, worker, { status, counts: ingestor.counts, progress, stats: runStats(), error });
  opts.onProgress?.(progress, ingestor.counts);
  return getRun(store.db, runId);
}

/** After a failure, keep every record that was read before it. */
async function flushQuietly(ingestor: Ingestor, log: Logger): Promise<void> {
  try {
    await ingestor.flush();
  } catch (err) {
    log.error('could not store the last batch of the failed run', { error: errorMessage(err) });
  }
}

function isRecordChunk(yielded: RecordInput | readonly RecordInput[]): yielded is readonly RecordInput[] {
  return Array.isArray(yielded);
}

function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || (err as NodeJS.ErrnoException).code === 'ABORT_ERR');
}

function makeCheckpoint(store: Store, sourceId: number, ingestor: Ingestor): Checkpoint {
  return {
    async load<T>() {
      const row = await store.db('checkpoints').where({ source_id: sourceId }).first('state');
      return row ? fromJsonColumn<T | undefined>(row.state, undefined) : undefined;
    },
    async save(state) {
      await ingestor.flush(async (trx) => {
        await trx('checkpoints')
          .insert({ source_id: sourceId, state: toJsonColumn(state), updated_at: nowIso() })
          .onConflict('source_id')
          .merge();
      });
    },
    async clear() {
      await ingestor.flush(async (trx) => {
        await trx('checkpoints').where({ source_id: sourceId }).delete();
      });
    },
  };
}
