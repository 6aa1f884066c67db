import type { Knex } from 'knex';
import type { PiiKind, Redactor } from './redact.js';
import { insertNewItems } from './item-insert.js';
import { startWalCheckpointer, type WalCheckpointer } from './wal-checkpointer.js';
import { itemDone, plainItem } from './packed-items.js';
import { prepareItem, type PreparedItem, type PreparedRecords } from './prepare-item.js';
import type { RunCounts } from './runs.js';
import type { RecordInput } from './source.js';
import type { Store } from './store.js';
import { nowIso, type Timestamp } from './time.js';

/** What one committed batch changed; listeners (e.g. labeling projects) react inside the same transaction. */
export interface IngestEvent {
  sourceId: number;
  runId: number | null;
  inserted: number[];
  updated: number[];
}
export type IngestListener = (trx: Knex.Transaction, event: IngestEvent) => Promise<void>;

export interface IngestOptions {
  sourceId: number;
  runId: number | null;
  batchSize?: number;
  listeners?: IngestListener[];
  /** Opt-in PII redaction, applied before anything is hashed or stored. */
  redactor?: Redactor;
  /**
   * On SQLite, once the run has taken BULK_ROWS records, checkpoint the log from another thread
   * (see wal-checkpointer.ts). The owner must then call close().
   */
  backgroundCheckpoints?: boolean;
}

/**
 * A run that has taken this many records is a bulk write, however small its batches: a crawl
 * commits every 50 pages, and SQLite's own checkpoints would stall it on every 4 MB of log.
 */
const BULK_ROWS = 1000;
/** Rows per lookup or knex insert (bounded by SQLite's bound-parameter limit). */
const INSERT_CHUNK = 1000;
/** New items go through insertNewItems, which is not bound by the parameter limit (COPY, or 100 rows per SQLite statement). */
const NEW_ITEMS_CHUNK = 5000;

export function emptyCounts(): RunCounts {
  return { seen: 0, inserted: 0, updated: 0, unchanged: 0, failed: 0 };
}

/**
 * The one ingest path every source shares: normalise, hash, dedupe, batched upserts in
 * transactions. Re-ingesting an unchanged record changes nothing; a changed record keeps its id
 * and its previous content hash is recorded in item_versions.
 */
export class Ingestor {
  readonly counts: RunCounts = emptyCounts();
  private buffer = new Map<string, PreparedItem>();
  private readonly batchSize: number;
  private checkpointer: Promise<WalCheckpointer> | undefined;

  constructor(
    private readonly store: Store,
    private readonly opts: IngestOptions,
  ) {
    // Every batch is a transaction; fewer, larger ones write each touched index page less often.
    this.batchSize = opts.batchSize ?? 5000;
  }

  /**
   * Buffers one record, storing the buffer when it is full. Returns a promise only when there is
   * something to wait for (a raw payload to store, a batch to commit): awaiting every record
   * would cost more than the rest of the ingest path for small records.
   */
  add(input: RecordInput): Promise<void> | undefined {
    const record = this.opts.redactor ? this.opts.redactor.redactRecord(input) : input;
    if (record.raw !== undefined) return this.addWithRaw(record, record.raw);
    return this.take(prepareItem(record, null));
  }

  /** Buffers records in order, as add() does for each; whole chunks from a source take no await per record. */
  addMany(records: readonly RecordInput[], from = 0): Promise<void> | undefined {
    for (let i = from; i < records.length; i++) {
      const pending = this.add(records[i]);
      if (pending) return pending.then(() => this.addMany(records, i + 1));
    }
    return undefined;
  }

  /** Buffers records a source prepared itself (on another thread), as add() does for each. */
  addPrepared(records: PreparedRecords): Promise<void> | undefined {
    if (records.redacted && this.opts.redactor) {
      for (const [kind, n] of Object.entries(records.redacted) as Array<[PiiKind, number]>) this.opts.redactor.counts[kind] += n;
    }
    return this.takeAll(records.itemsToStore(), 0);
  }

  private takeAll(items: readonly PreparedItem[], from: number): Promise<void> | undefined {
    for (let i = from; i < items.length; i++) {
      const pending = this.take(items[i]);
      if (pending) return pending.then(() => this.takeAll(items, i + 1));
    }
    return undefined;
  }

  private async addWithRaw(record: RecordInput, raw: Buffer | string): Promise<void> {
    const blobHash = await this.store.blobs.put(raw);
    await this.take(prepareItem(record, blobHash));
  }

  private take(item: PreparedItem): Promise<void> | undefined {
    this.counts.seen++;
    const pending = this.buffer.get(item.key);
    if (pending && pending.content_hash === item.content_hash) {
      this.counts.unchanged++;
      itemDone(item);
      return undefined;
    }
    // A full buffer is committed when the next record arrives, not when it fills: a source that
    // saves a checkpoint after a full chunk then commits rows and checkpoint in one transaction.
    // The same key twice in one batch: the first is stored before the second replaces it.
    if (pending || this.buffer.size >= this.batchSize) {
      return this.flush().then(() => {
        this.buffer.set(item.key, item);
      });
    }
    this.buffer.set(item.key, item);
    return undefined;
  }

  /** Commits buffered records; `alongside` runs in the same transaction (checkpoints use it). */
  async flush(alongside?: (trx: Knex.Transaction) => Promise<void>): Promise<void> {
    const batch = [...this.buffer.values()];
    this.buffer = new Map();
    if (batch.length === 0 && !alongside) return;
    if (this.counts.seen >= BULK_ROWS && this.opts.backgroundCheckpoints && this.store.dialect === 'sqlite') this.checkpointer ??= startWalCheckpointer(this.store);
    await this.checkpointer;
    const delta = emptyCounts();
    try {
      await this.store.db.transaction(async (trx) => {
        const event = await this.upsert(trx, batch, delta);
        if (event.inserted.length || event.updated.length) {
          for (const listener of this.opts.listeners ?? []) await listener(trx, event);
        }
        if (alongside) await alongside(trx);
      });
    } finally {
      // Stored or failed, the batch is not read again.
      for (const item of batch) itemDone(item);
    }
    this.counts.inserted += delta.inserted;
    this.counts.updated += delta.updated;
    this.counts.unchanged += delta.unchanged;
  }

  /** Stops what the ingest started besides writing (the checkpoint thread); buffered records are not stored. */
  async close(): Promise<void> {
    const checkpointer = this.checkpointer;
    this.checkpointer = undefined;
    if (checkpointer) await (await checkpointer).stop();
  }

  private async upsert(trx: Knex.Transaction, batch: PreparedItem[], delta: RunCounts): Promise<IngestEvent> {
    const { sourceId, runId } = this.opts;
    const event: IngestEvent = { sourceId, runId, inserted: [], updated: [] };
    const now = nowIso();
    const conflicted: PreparedItem[] = [];
    for (let i = 0; i < batch.length; i += NEW_ITEMS_CHUNK) {
      const outcome = await insertNewItems(trx, this.store.dialect, batch.slice(i, i + NEW_ITEMS_CHUNK), { sourceId, runId, now });
      for (const id of outcome.insertedIds) event.inserted.push(id);
      for (const it of outcome.conflicted) conflicted.push(it);
    }
    delta.inserted += event.inserted.length;
    if (conflicted.length) await this.updateExisting(trx, conflicted, delta, event, now);
    return event;
  }

  private async updateExisting(trx: Knex.Transaction, items: PreparedItem[], delta: RunCounts, event: IngestEvent, now: Timestamp) {
    const { sourceId, runId } = this.opts;
    const existing = new Map<string, { id: number; content_hash: string; blob_hash: string | null }>();
    for (let i = 0; i < items.length; i += INSERT_CHUNK) {
      const keys = items.slice(i, i + INSERT_CHUNK).map((it) => it.key);
      const rows = await trx('items').select('id', 'key', 'content_hash', 'blob_hash').where('source_id', sourceId).whereIn('key', keys);
      for (const r of rows) existing.set(r.key, r);
    }
    const versions = [];
    for (const it of items) {
      const old = existing.get(it.key);
      if (!old) throw new Error(`item ${it.key} conflicted on insert but cannot be found`);
      if (old.content_hash === it.content_hash) {
        delta.unchanged++;
        continue;
      }
      await trx('items').where({ id: old.id }).update({ ...plainItem(it), run_id: runId, updated_at: now });
      versions.push({ item_id: old.id, content_hash: old.content_hash, blob_hash: old.blob_hash, run_id: runId, replaced_at: now });
      event.updated.push(old.id);
      delta.updated++;
    }
    for (let i = 0; i < versions.length; i += INSERT_CHUNK) await trx('item_versions').insert(versions.slice(i, i + INSERT_CHUNK));
  }
}
