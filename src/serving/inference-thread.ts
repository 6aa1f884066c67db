import { Worker } from 'node:worker_threads';
import { TroveError } from '../core/errors.js';
import type { ModelMetadata } from '../ml/predictor-contract.js';
import type { EncodedRows } from '../ml/preprocess/pipeline.js';
import type { InferenceRequest, InferenceResponse } from './inference-protocol.js';

type Pending = { resolve: (reply: InferenceResponse & { ok: true }) => void; reject: (err: Error) => void };
type Payload<T> = T extends unknown ? Omit<T, 'id'> : never;

export interface BatchOutcome {
  /** Row-major class probabilities, one row per input row. */
  probabilities: Float32Array;
  inferenceMs: number;
}

/**
 * The HTTP thread's handle on the inference thread. Tensor work (preprocessing and predict) runs
 * there, so a large batch never stalls the event loop that parses and answers requests.
 */
export class InferenceThread {
  private static current: InferenceThread | undefined;

  /**
   * The process's inference thread, shared by every model catalog in it (one thread per process
   * suits a small machine, and tfjs loads once); each user calls release() when done, and the
   * last one stops it. A thread that died is replaced on the next call.
   */
  static acquire(): InferenceThread {
    if (!InferenceThread.current?.healthy) InferenceThread.current = new InferenceThread();
    InferenceThread.current.users++;
    return InferenceThread.current;
  }

  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private users = 0;
  private failure: Error | undefined;

  private constructor() {
    this.worker = new Worker(new URL('./inference-worker-entry.mjs', import.meta.url));
    this.worker.unref();
    this.worker.on('message', (reply: InferenceResponse) => this.settle(reply));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`inference thread exited with code ${code}`)));
  }

  async load(key: string, dir: string): Promise<ModelMetadata> {
    const reply = await this.send({ op: 'load', key, dir });
    if (!('metadata' in reply)) throw new Error('inference thread answered a load without metadata');
    return reply.metadata;
  }

  /** The rows' buffers move to the inference thread: the caller must not touch them afterwards. */
  async predict(key: string, rows: EncodedRows): Promise<BatchOutcome> {
    // Encoded rows always live in plain ArrayBuffers of their own (never shared memory).
    const transfer = [rows.dense.buffer, rows.tokens?.buffer, rows.sparse?.indptr.buffer, rows.sparse?.indices.buffer, rows.sparse?.values.buffer].filter((b) => b !== undefined) as ArrayBuffer[];
    const reply = await this.send({ op: 'predict', key, rows }, transfer);
    if (!('probabilities' in reply)) throw new Error('inference thread answered a predict without probabilities');
    return { probabilities: reply.probabilities, inferenceMs: reply.inferenceMs };
  }

  async unload(key: string): Promise<void> {
    await this.send({ op: 'unload', key });
  }

  async release(): Promise<void> {
    this.users--;
    if (this.users > 0) return;
    if (InferenceThread.current === this) InferenceThread.current = undefined;
    this.failure ??= new Error('inference thread stopped');
    await this.worker.terminate();
  }

  get healthy(): boolean {
    return this.failure === undefined;
  }

  private send(request: Payload<InferenceRequest>, transfer: ArrayBuffer[] = []): Promise<InferenceResponse & { ok: true }> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage({ ...request, id } as InferenceRequest, transfer);
    });
  }

  private settle(reply: InferenceResponse): void {
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.ok) waiter.resolve(reply);
    else waiter.reject(new TroveError(reply.error, { status: 500, code: 'inference_failed' }));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const waiter of this.pending.values()) waiter.reject(this.failure);
    this.pending.clear();
  }
}
