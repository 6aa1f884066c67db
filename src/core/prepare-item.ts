import { hash } from 'node:crypto';
import { InputError } from './errors.js';
import { PackedBatch, type PackedItems } from './packed-items.js';
import type { PiiKind } from './redact.js';
import type { RecordInput } from './source.js';
import { nowIso, type Timestamp } from './time.js';

/** A record as the ingest path stores it: normalised, its fields serialised, its content hashed. */
export interface PreparedItem {
  key: string;
  url: string | null;
  text: string | null;
  fields: string;
  content_hash: string;
  blob_hash: string | null;
  fetched_at: Timestamp;
}

/**
 * Records a source has already prepared (redacted first, when the source's config asks for it),
 * typically on another thread: the ingest path only stores them. They come as items or packed
 * (see packed-items.ts). `redacted` counts what the redaction replaced in them, for the run's stats.
 */
export class PreparedRecords {
  private readonly content: readonly PreparedItem[] | PackedBatch;

  /** `onStored` gets packed items' buffers back once they are stored (see PackedBatch). */
  constructor(
    content: readonly PreparedItem[] | PackedItems,
    readonly redacted?: Readonly<Record<PiiKind, number>>,
    onStored?: (packed: PackedItems) => void,
  ) {
    this.content = Array.isArray(content) ? content : new PackedBatch(content as PackedItems, onStored);
  }

  get size(): number {
    return this.content instanceof PackedBatch ? this.content.size : this.content.length;
  }

  /** The items as plain objects, as prepareItem makes them. */
  get items(): readonly PreparedItem[] {
    return this.content instanceof PackedBatch ? this.content.plainItems() : this.content;
  }

  /** The items for storing, to be asked for once: packed ones stay bytes, read when stored. */
  itemsToStore(): readonly PreparedItem[] {
    return this.content instanceof PackedBatch ? this.content.views() : this.content;
  }
}

/**
 * Normalises a record and hashes its content: url, text, fields (as serialised, in the source's own
 * key order) and the raw payload's hash. Serialising once and hashing that keeps ingest fast.
 * `readAt` is when a record without its own fetch time was read (default: now).
 */
export function prepareItem(record: RecordInput, blobHash: string | null, readAt?: Timestamp): PreparedItem {
  const key = withoutNul(typeof record.key === 'string' ? record.key.trim() : String(record.key ?? '').trim());
  if (!key) throw new InputError('record has an empty key');
  const url = record.url ? withoutNul(String(record.url)) : null;
  const text = record.text === undefined || record.text === null ? null : normalizeText(String(record.text));
  const fields = fieldsWithoutNul(serializeFields(record.fields ?? {}));
  return { key, url, text, fields, content_hash: contentHash(url, text, fields, blobHash), blob_hash: blobHash, fetched_at: record.fetchedAt ?? readAt ?? nowIso() };
}

/**
 * prepareItem for a record whose fields a reader serialised itself (a file's cells straight to
 * JSON, no object in between): the same checks, normalisation and hash. `fields` must be the
 * bytes JSON.stringify gives for the object prepareItem would have been given.
 */
export function prepareSerialized(key: string, text: string | null, fields: string, fetchedAt: Timestamp): PreparedItem {
  const trimmed = withoutNul(key.trim());
  if (!trimmed) throw new InputError('record has an empty key');
  const normalText = text === null ? null : normalizeText(text);
  const cleanFields = fieldsWithoutNul(fields);
  return { key: trimmed, url: null, text: normalText, fields: cleanFields, content_hash: contentHash(null, normalText, cleanFields, null), blob_hash: null, fetched_at: fetchedAt };
}

/** SHA-256 over url, text, fields (as serialised, in the source's own key order) and the raw payload's hash. */
function contentHash(url: string | null, text: string | null, fields: string, blobHash: string | null): string {
  // crypto.hash is the one-shot form of createHash(…).update(…).digest(…): the same digest, cheaper.
  return hash('sha256', `${url ?? NULL_MARK}${SEP}${text ?? NULL_MARK}${SEP}${fields}${SEP}${blobHash ?? NULL_MARK}`, 'hex');
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

/** Printable ASCII, tabs and \n are already normal (NFC, no \r): most text skips both passes. */
const MAYBE_UNNORMAL = /[^\t\n\x20-\x7e]/;

function normalizeText(text: string): string {
  if (!MAYBE_UNNORMAL.test(text)) return text;
  return withoutNul(text.replace(/\r\n?/g, '\n').normalize('NFC'));
}

/**
 * PostgreSQL cannot store U+0000 in text or JSON, so on both stores it is stored as U+FFFD, the
 * character that also stands for bytes that are not UTF-8: an import never fails or differs by store over it.
 */
const NUL = '\u0000';
const REPLACEMENT = '\uFFFD';

function withoutNul(text: string): string {
  return text.includes(NUL) ? text.replaceAll(NUL, REPLACEMENT) : text;
}

/** Serialised fields with every U+0000 (in values and names, at any depth) as U+FFFD; untouched when there is none. */
function fieldsWithoutNul(json: string): string {
  if (!json.includes('\\u0000')) return json;
  return JSON.stringify(JSON.parse(json, (_key, value: unknown) => (typeof value === 'string' ? withoutNul(value) : renamedWithoutNul(value))));
}

function renamedWithoutNul(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const names = Object.keys(value);
  if (!names.some((name) => name.includes(NUL))) return value;
  return Object.fromEntries(names.map((name) => [withoutNul(name), (value as Record<string, unknown>)[name]]));
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  return value;
}
