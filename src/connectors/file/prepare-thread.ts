import { InputError } from '../../core/errors.js';
import { startModuleWorker } from '../../core/module-worker.js';
import { PreparedRecords, type PreparedItem } from '../../core/prepare-item.js';
import { BATCH_TAKEN, type PrepareJob, type PrepareMessage, type PreparedColumns } from './prepare-protocol.js';

/** One batch from the prepare thread, with how far into the file it is. */
export interface PreparedBatch {
  records: PreparedRecords;
  bytes: number;
}

const PREPARE_THREAD_LIMITS = { maxYoungGenerationSizeMb: 8 };

/**
 * Reads and prepares a file on a thread of its own, yielding the prepared batches in order: the
 * calling thread only stores them, so an import uses two cores. The thread reads ahead a few
 * batches at most, waiting while the caller has not taken them. Leaving early stops the thread;
 * a read that fails throws the same error the import on one thread would, after the batches
 * read before it.
 */
export async function* prepareOnThread(job: PrepareJob): AsyncGenerator<PreparedBatch> {
  // A young generation of 8 MB instead of V8's default: about 30 MB less peak RSS on a PostgreSQL
  // import for about 10% more of this thread's CPU (docs/benchmarks.md, "Ingest").
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
  worker.on('exit', (code) => {
    died ??= new Error(`the import's prepare thread exited with code ${code}`);
    wake();
  });
  try {
    for (;;) {
      const message = inbox.shift();
      if (message === undefined) {
        if (died) throw died;
        await new Promise<void>((resolve) => (wake = resolve));
      } else if (message.type === 'batch') {
        yield { records: new PreparedRecords(itemsOf(message.columns), message.redacted), bytes: message.bytes };
        worker.postMessage(BATCH_TAKEN);
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

function itemsOf(columns: PreparedColumns): PreparedItem[] {
  const items: PreparedItem[] = new Array(columns.key.length);
  let i = 0;
  for (let run = 0; run < columns.fetchedAt.length; run++) {
    const fetchedAt = columns.fetchedAt[run];
    for (const end = i + columns.fetchedAtRuns[run]; i < end; i++) {
      items[i] = {
        key: columns.key[i],
        url: columns.url[i],
        text: columns.text[i],
        fields: columns.fields[i],
        content_hash: columns.contentHash[i],
        blob_hash: null,
        fetched_at: fetchedAt,
      };
    }
  }
  return items;
}
