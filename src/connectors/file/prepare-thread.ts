import { InputError } from '../../core/errors.js';
import { startModuleWorker } from '../../core/module-worker.js';
import { transferablesOf, type PackedItems } from '../../core/packed-items.js';
import { PreparedRecords } from '../../core/prepare-item.js';
import { BATCH_TAKEN, type PrepareJob, type PrepareMessage, type PrepareReply } from './prepare-protocol.js';

/** One batch from the prepare thread, with how far into the file it is. */
export interface PreparedBatch {
  records: PreparedRecords;
  bytes: number;
}

/**
 * A young generation of 8 MB instead of V8's default: about 30 MB less peak RSS on a PostgreSQL
 * import for about 10% more of this thread's CPU (docs/benchmarks.md, "Ingest").
 *
 * A limit on the old generation below 2 GB lowers how far V8 lets it grow between full collections
 * (from 4× to about 1.6× what survived the last one): about 25 MB less peak RSS, for no CPU we could
 * measure. The CLI sets 2× for every heap (bin/load-trove.js), which then takes precedence; the
 * limit keeps this thread small where Trove runs without it. The thread holds a few batches of
 * bounded size (see prepare-worker.ts), far below 1 GB; only a single record of hundreds of MB
 * would not fit.
 */
const PREPARE_THREAD_LIMITS = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 1024 };

/**
 * Reads and prepares a file on a thread of its own, yielding the prepared batches in order: the
 * calling thread only stores them, so an import uses two cores. The thread reads ahead a few
 * batches at most, waiting while the caller has not taken them. Leaving early stops the thread;
 * a read that fails throws the same error the import on one thread would, after the batches
 * read before it.
 */
export async function* prepareOnThread(job: PrepareJob): AsyncGenerator<PreparedBatch> {
  const worker = startModuleWorker(new URL('./prepare-worker.ts', import.meta.url), job, PREPARE_THREAD_LIMITS);
  const inbox: PrepareMessage[] = [];
  // undefined while the thread runs; its failure once it died.
  let died: Error | undefined;
  let wake: () => void = () => undefined;
  worker.on('message', (message: PrepareMessage) => {
    inbox.push(message);
    wake();
  });
  worker.on('error', (err) => {
    died ??= new Error(`the import's prepare thread failed: ${err.message}`, { cause: err });
    wake();
  });
  let exited = false;
  worker.on('exit', (code) => {
    exited = true;
    died ??= new Error(`the import's prepare thread exited with code ${code}`);
    wake();
  });
  // The last batches are stored after the thread is gone; their buffers are then garbage.
  const reply = (message: PrepareReply, transfer?: ArrayBuffer[]) => {
    if (!exited) worker.postMessage(message, transfer);
  };
  const giveBack = (packed: PackedItems) => reply({ type: 'stored', packed }, transferablesOf(packed));
  try {
    for (;;) {
      const message = inbox.shift();
      if (message === undefined) {
        if (died) throw died;
        await new Promise<void>((resolve) => (wake = resolve));
      } else if (message.type === 'batch') {
        yield { records: new PreparedRecords(message.packed, message.redacted, giveBack), bytes: message.bytes };
        reply(BATCH_TAKEN);
      } else if (message.type === 'done') {
        return;
      } else {
        throw message.input ? new InputError(message.message) : new Error(message.message);
      }
    }
  } finally {
    await worker.terminate();
  }
}
