import { TroveError } from '../core/errors.js';
import type { EncodedRows } from '../ml/preprocess/pipeline.js';
import type { BatchOutcome } from './inference-thread.js';
import { concatRows } from './record-encoder.js';

export interface BatchingOptions {
  /** Rows in one tensor call; 1 turns batching off (every request is its own call). */
  maxBatchRows: number;
  /** How long the oldest waiting request may wait for the batch to fill. */
  maxWaitMs: number;
  /** Rows allowed to wait; past it requests are turned away with 503. */
  maxQueueRows: number;
}

export interface BatchObserver {
  onBatch(rows: number, inferenceMs: number): void;
}

/** The queue is full: the client should come back later (503 + Retry-After). */
export class OverloadedError extends TroveError {
  readonly retryAfterSeconds: number;
  constructor(queuedRows: number, retryAfterSeconds: number) {
    super(`the model is overloaded (${queuedRows} rows waiting); retry after ${retryAfterSeconds} s`, {
      status: 503,
      code: 'overloaded',
    });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** One request holds more rows than may ever wait: retrying cannot help, so it is a 413. */
export class TooManyRowsError extends TroveError {
  constructor(rows: number, maxQueueRows: number) {
    super(`the request holds ${rows} rows, more than the ${maxQueueRows} the server queues (--max-queue); send them in smaller requests`, {
      status: 413,
      code: 'too_many_rows',
      details: { rows, maxQueueRows },
    });
  }
}

interface Job {
  rows: EncodedRows;
  enqueuedAt: number;
  /** The job's own rows of the batch's probabilities. */
  resolve(probabilities: Float32Array): void;
  reject(err: unknown): void;
}

/** Batches of one version handed to the inference thread at once: one computing, one in its mailbox. */
const MAX_IN_FLIGHT = 2;

/**
 * Dynamic batching for one model version: requests that arrive together share one tensor call.
 * A batch leaves as soon as no batch of this version is out (the requests read in the same
 * event-loop turn leave together), and otherwise when it holds maxBatchRows rows or its oldest
 * request has waited maxWaitMs, while fewer than MAX_IN_FLIGHT batches are out. So an idle
 * inference thread is never kept waiting for a batch to fill, under load batches grow by
 * themselves while the previous one computes, and the next full batch already waits in the
 * inference thread's mailbox.
 */
export class DynamicBatcher {
  private readonly queue: Job[] = [];
  private queuedRows = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Immediate | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly opts: BatchingOptions,
    private readonly run: (rows: EncodedRows) => Promise<BatchOutcome>,
    private readonly observer: BatchObserver,
  ) {}

  /** Resolves to the rows' class probabilities, row-major. */
  submit(rows: EncodedRows): Promise<Float32Array> {
    if (rows.n > this.opts.maxQueueRows) return Promise.reject(new TooManyRowsError(rows.n, this.opts.maxQueueRows));
    if (this.queuedRows > 0 && this.queuedRows + rows.n > this.opts.maxQueueRows) {
      return Promise.reject(new OverloadedError(this.queuedRows, 1));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ rows, enqueuedAt: performance.now(), resolve, reject });
      this.queuedRows += rows.n;
      if (this.queuedRows >= this.opts.maxBatchRows) this.schedule();
      else this.scheduleSoon();
    });
  }

  /** Resolves once nothing is queued or running (used before unloading a version). */
  drained(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get depth(): number {
    return this.queuedRows;
  }

  /**
   * Looks at the queue once this turn's I/O is handled, so requests read in the same turn join
   * one batch rather than the first of them leaving alone.
   */
  private scheduleSoon(): void {
    if (this.soon) return;
    this.soon = setImmediate(() => {
      this.soon = undefined;
      this.schedule();
    });
  }

  private schedule(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0 && this.due()) {
      this.clearTimer();
      void this.flush();
    }
    if (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0 && !this.timer) {
      const waited = performance.now() - this.queue[0].enqueuedAt;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, this.opts.maxWaitMs - waited);
      this.timer.unref();
    }
  }

  /**
   * Whether the next batch should leave now: the inference thread has nothing of this version to
   * do (waiting longer would only leave it idle), the batch is full, or its oldest request has
   * waited maxWaitMs.
   */
  private due(): boolean {
    if (this.inFlight === 0 || this.queuedRows >= this.opts.maxBatchRows) return true;
    return performance.now() - this.queue[0].enqueuedAt >= this.opts.maxWaitMs;
  }

  private async flush(): Promise<void> {
    const batch = this.takeBatch();
    this.inFlight++;
    try {
      const rows = batch.reduce((n, job) => n + job.rows.n, 0);
      const { probabilities, inferenceMs } = await this.run(concatRows(batch.map((job) => job.rows)));
      this.observer.onBatch(rows, inferenceMs);
      const classes = probabilities.length / rows;
      let offset = 0;
      for (const job of batch) {
        job.resolve(probabilities.subarray(offset * classes, (offset + job.rows.n) * classes));
        offset += job.rows.n;
      }
    } catch (err) {
      for (const job of batch) job.reject(err);
    } finally {
      this.inFlight--;
      this.schedule();
      if (this.inFlight === 0 && this.queue.length === 0) this.notifyIdle();
    }
  }

  /** The oldest requests up to maxBatchRows; a request larger than that goes alone. */
  private takeBatch(): Job[] {
    const batch: Job[] = [];
    let rows = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0];
      if (batch.length > 0 && rows + next.rows.n > this.opts.maxBatchRows) break;
      batch.push(next);
      this.queue.shift();
      rows += next.rows.n;
    }
    this.queuedRows -= rows;
    return batch;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
