import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from './module-worker.js';
import type { Store } from './store.js';

/** Checkpoints a SQLite store's write-ahead log from another thread until stopped. */
export interface WalCheckpointer {
  stop(): Promise<void>;
}

interface PragmaConnection {
  pragma(sql: string): unknown;
}

/** The checkpoint thread keeps no data, so its heap stays small (every MB of it is RSS). */
const CHECKPOINTER_LIMITS = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 };

/** SQLite's default, which the store never changes: checkpoint after about 1,000 pages of log. */
const AUTOCHECKPOINT_PAGES = 1000;

/** One checkpoint thread per store, shared by the runs writing to it at the same time. */
const running = new WeakMap<Store, { users: number; thread: Promise<WalCheckpointer> }>();

/**
 * During a bulk write, SQLite's automatic checkpoints run inside the committing transaction: the
 * writer copies the log back into the database and waits for two fsyncs about once per 4 MB
 * written, a third of an import's time on the writing thread. Here the writer's connection stops
 * checkpointing, and a thread with a connection of its own checkpoints (PASSIVE: it never blocks
 * the writer) while the writer goes on. When the last user stops it, it checkpoints once more and
 * the writer's automatic checkpoints are back (should the thread die early, the log grows until
 * then).
 */
export async function startWalCheckpointer(store: Store): Promise<WalCheckpointer> {
  let entry = running.get(store);
  if (!entry) {
    const thread = startThread(store);
    entry = { users: 0, thread };
    running.set(store, entry);
    // Its users see the failure; the next run tries afresh.
    thread.catch(() => running.delete(store));
  }
  const shared = entry;
  shared.users++;
  const thread = await shared.thread;
  let stopped = false;
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      if (--shared.users > 0) return;
      running.delete(store);
      await thread.stop();
    },
  };
}

async function startThread(store: Store): Promise<WalCheckpointer> {
  await withConnection(store, (conn) => conn.pragma('wal_autocheckpoint = 0'));
  const worker: Worker = startModuleWorker(new URL('./wal-checkpoint-worker.ts', import.meta.url), { file: store.location }, CHECKPOINTER_LIMITS);
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', () => resolve());
    // An error ends the thread too; stop() still gives the writer its own checkpoints back.
    worker.once('error', () => resolve());
  });
  return {
    async stop() {
      worker.postMessage('stop');
      await exited;
      // A store closed first has no connection left to hand the checkpoints back to.
      if (!storeIsOpen(store)) return;
      await withConnection(store, (conn) => conn.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`));
    },
  };
}

/** knex drops its connection pool when the store is destroyed. */
function storeIsOpen(store: Store): boolean {
  return (store.db.client as { pool?: unknown }).pool !== undefined;
}

async function withConnection<T>(store: Store, use: (conn: PragmaConnection) => T): Promise<T> {
  const conn = (await store.db.client.acquireConnection()) as PragmaConnection;
  try {
    return use(conn);
  } finally {
    await store.db.client.releaseConnection(conn);
  }
}
