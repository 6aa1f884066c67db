import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { InputError } from './errors.js';
import type { Redactor } from './redact.js';
import { insertNewItems } from './item-insert.js';
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

interface PreparedItem {
  key: string;
  url: string | null;
  text: string | null;
  fields: string;
  content_hash: string;
  blob_hash: string | null;
  fetched_at: Timestamp;
}

export interface IngestOptions {
  sourceId: number;
  runId: number | null;
  batchSize?: number;
  listeners?: IngestListener[];
  /** Opt-in PII redaction, applied before anything is hashed or stored. */
  redactor?: Redactor;
}

/** Rows per lookup or knex insert (bounded by SQLite's bound-parameter limit). */
const INSERT_CHUNK = 1000;
/** New items go through insertNewItems, which binds arrays, not one parameter per value. */
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

  constructor(
    private readonly store: Store,
    private readonly opts: IngestOptions,
  ) {
    // PostgreSQL pays a round trip and a statement per batch, so it gets bigger ones.
    this.batchSize = opts.batchSize ?? (store.dialect === 'pg' ? 5000 : 1000);
  }

  async add(input: RecordInput): Promise<void> {
    const record = this.opts.redactor ? this.opts.redactor.redactRecord(input) : input;
    const blobHash = record.raw === undefined ? null : await this.store.blobs.put(record.raw);
    const item = prepareItem(record, blobHash);
    this.counts.seen++;
    const pending = this.buffer.get(item.key);
    if (pending) {
      if (pending.content_hash === item.content_hash) {
        this.counts.unchanged++;
        return;
      }
      // The same key twice in one batch: store the first before the second replaces it.
      await this.flush();
    }
    this.buffer.set(item.key, item);
    if (this.buffer.size >= this.batchSize) await this.flush();
  }

  /** Commits buffered records; `alongside` runs in the same transaction (checkpoints use it). */
  async flush(alongside?: (trx: Knex.Transaction) => Promise<void>): Promise<void> {
    const batch = [...this.buffer.values()];
    this.buffer = new Map();
    if (batch.length === 0 && !alongside) return;
    const delta = emptyCounts();
    await this.store.db.transaction(async (trx) => {
      const event = await this.upsert(trx, batch, delta);
      if (event.inserted.length || event.updated.length) {
        for (const listener of this.opts.listeners ?? []) await listener(trx, event);
      }
      if (alongside) await alongside(trx);
    });
    this.counts.inserted += delta.inserted;
    this.counts.updated += delta.updated;
    this.counts.unchanged += delta.unchanged;
  }

  private async upsert(trx: Knex.Transaction, batch: PreparedItem[], delta: RunCounts): Promise<IngestEvent> {
    const { sourceId, runId } = this.opts;
    const event: IngestEvent = { sourceId, runId, inserted: [], updated: [] };
    const now = nowIso();
    const conflicted: PreparedItem[] = [];
    for (let i = 0; i < batch.length; i += NEW_ITEMS_CHUNK) {
      const chunk = batch.slice(i, i + NEW_ITEMS_CHUNK);
      const inserted = await insertNewItems(trx, this.store.dialect, chunk, { sourceId, runId, now });
      if (inserted.length === chunk.length) {
        for (const r of inserted) event.inserted.push(r.id);
        continue;
      }
      const insertedKeys = new Set(inserted.map((r) => r.key));
      for (const r of inserted) event.inserted.push(r.id);
      for (const it of chunk) if (!insertedKeys.has(it.key)) conflicted.push(it);
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
      await trx('items').where({ id: old.id }).update({ ...it, run_id: runId, updated_at: now });
      versions.push({ item_id: old.id, content_hash: old.content_hash, blob_hash: old.blob_hash, run_id: runId, replaced_at: now });
      event.updated.push(old.id);
      delta.updated++;
    }
    for (let i = 0; i < versions.length; i += INSERT_CHUNK) await trx('item_versions').insert(versions.slice(i, i + INSERT_CHUNK));
  }
}

/**
 * Normalises a record and hashes its content: url, text, fields (as serialised, in the source's own
 * key order) and the raw payload's hash. Serialising once and hashing that keeps ingest fast.
 */
function prepareItem(record: RecordInput, blobHash: string | null): PreparedItem {
  const key = typeof record.key === 'string' ? record.key.trim() : String(record.key ?? '').trim();
  if (!key) throw new InputError('record has an empty key');
  const url = record.url ? String(record.url) : null;
  const text = record.text === undefined || record.text === null ? null : normalizeText(String(record.text));
  const fields = serializeFields(record.fields ?? {});
  const contentHash = createHash('sha256')
    .update(`${url ?? NULL_MARK}${SEP}${text ?? NULL_MARK}${SEP}${fields}${SEP}${blobHash ?? NULL_MARK}`)
    .digest('hex');
  return { key, url, text, fields, content_hash: contentHash, blob_hash: blobHash, fetched_at: record.fetchedAt ?? nowIso() };
}

const SEP = '\u0000';
const NULL_MARK = '\u0001';

function serializeFields(fields: Record<string, unknown>): string {
  try {
    return JSON.stringify(fields);
  } catch (err) {
    // JSON.stringify throws on bigint; only then pay for a replacer on every value.
    if (err instanceof TypeError) return JSON.stringify(fields, jsonReplacer);
    throw err;
  }
}

function normalizeText(text: string): string {
  return text.replace(/\r\n?/g, '\n').normalize('NFC');
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  return value;
}
