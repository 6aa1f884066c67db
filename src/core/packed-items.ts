import type { PreparedItem } from './prepare-item.js';

/**
 * Prepared items packed as bytes: the lines PostgreSQL's COPY (text format) reads, one per item.
 * A thread that prepares items sends them this way (the buffers are transferred, not copied), and
 * they stay bytes until stored: COPY sends the lines as they are, and SQLite's statements decode
 * a line as they bind it. Items held as objects until their batch is stored outlive the young
 * generation and pile up in the old one until a full collection; their bytes do not weigh on the
 * heap, and go back to the thread that packed them once stored (PackedBatch).
 */
export interface PackedItems {
  /** UTF-8, one COPY line per item, its fields in PACKED_COLUMNS order. */
  bytes: Uint8Array;
  /** Per item, the offset just past its line. */
  lineEnds: Int32Array;
}

/** The columns of a packed line, in order. */
export const PACKED_COLUMNS = ['key', 'url', 'text', 'fields', 'content_hash', 'blob_hash', 'fetched_at'] as const satisfies ReadonlyArray<keyof PreparedItem>;
const [URL, TEXT, FIELDS, CONTENT_HASH, BLOB_HASH, FETCHED_AT] = [1, 2, 3, 4, 5, 6];

const TAB = 9;
const NULL_FIELD = '\\N';

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIALS = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const COPY_ESCAPED = /\\([\\tnr])/g;
const COPY_UNESCAPES: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r' };

/** A value in COPY's text format: \N is NULL; backslash, tab and line breaks are escaped. */
export function copyText(value: string | null): string {
  if (value === null) return NULL_FIELD;
  return COPY_SPECIAL.test(value) ? value.replace(COPY_SPECIALS, (ch) => COPY_ESCAPES[ch]) : value;
}

/**
 * An item's COPY line (PACKED_COLUMNS), newline included. The hashes are hex digests, nothing to
 * escape; items read together share their read time, escaped once.
 */
export function copyLine(item: PreparedItem): string {
  return `${copyText(item.key)}\t${copyText(item.url)}\t${copyText(item.text)}\t${copyText(item.fields)}\t${item.content_hash}\t${item.blob_hash ?? NULL_FIELD}\t${copyTimestamp(item.fetched_at)}\n`;
}

let lastTimestamp = '';
let lastTimestampText = '';

function copyTimestamp(value: string): string {
  if (value !== lastTimestamp) {
    lastTimestamp = value;
    lastTimestampText = copyText(value);
  }
  return lastTimestampText;
}

/** A field of a COPY line as its value. */
function fieldValue(field: string): string | null {
  if (field === NULL_FIELD) return null;
  return field.includes('\\') ? field.replace(COPY_ESCAPED, (_, ch: string) => COPY_UNESCAPES[ch]) : field;
}

/** Room a new buffer leaves for the next batches, which a buffer given back may then hold. */
const SPARE_ROOM = 1.25;

/**
 * Packs items one by one; take() hands over what was packed and starts afresh. Buffers given back
 * (reuse()) once their items are stored are filled again instead of allocating new ones.
 */
export class PackedItemsWriter {
  private buffer = Buffer.allocUnsafeSlow(1 << 20);
  private length = 0;
  private lineEnds = new Int32Array(4096);
  private count = 0;
  private readonly spareBytes: ArrayBuffer[] = [];
  private readonly spareLineEnds: ArrayBuffer[] = [];

  /** Items packed since the last take(). */
  get size(): number {
    return this.count;
  }

  /** Bytes packed since the last take(). */
  get byteLength(): number {
    return this.length;
  }

  add(item: PreparedItem): void {
    const line = copyLine(item);
    // A UTF-16 code unit takes at most 3 bytes of UTF-8.
    this.reserve(line.length * 3);
    this.length += this.buffer.write(line, this.length);
    if (this.count === this.lineEnds.length) {
      const grown = new Int32Array(this.count * 2);
      grown.set(this.lineEnds);
      this.lineEnds = grown;
    }
    this.lineEnds[this.count++] = this.length;
  }

  /** The items packed so far, in buffers of their own (to be transferred). */
  take(): PackedItems {
    const bytes = new Uint8Array(spareFor(this.spareBytes, this.length), 0, this.length);
    bytes.set(this.buffer.subarray(0, this.length));
    const lineEnds = new Int32Array(spareFor(this.spareLineEnds, this.count * Int32Array.BYTES_PER_ELEMENT), 0, this.count);
    lineEnds.set(this.lineEnds.subarray(0, this.count));
    this.length = 0;
    this.count = 0;
    return { bytes, lineEnds };
  }

  /** Takes back the buffers of packed items that are stored, to fill them again. */
  reuse(packed: PackedItems): void {
    this.spareBytes.push(packed.bytes.buffer as ArrayBuffer);
    this.spareLineEnds.push(packed.lineEnds.buffer as ArrayBuffer);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

/** A spare buffer of at least `bytes`, or a new one with room to spare; a spare too small is dropped. */
function spareFor(spares: ArrayBuffer[], bytes: number): ArrayBuffer {
  const spare = spares.pop();
  return spare && spare.byteLength >= bytes ? spare : new ArrayBuffer(Math.ceil(bytes * SPARE_ROOM));
}

/** The buffers to transfer with a message carrying `packed`. */
export function transferablesOf(packed: PackedItems): ArrayBuffer[] {
  return [packed.bytes.buffer as ArrayBuffer, packed.lineEnds.buffer as ArrayBuffer];
}

/**
 * Packed items read in place. Once the ingest is done with every view it handed out (see
 * itemDone), `onDone` gets the buffers back: they may be reused, and the batch is not to be read
 * again. Without it, or when the ingest stops early, they are collected as garbage, which can take
 * a while for buffers that outlived the young generation.
 */
export class PackedBatch {
  private readonly bytes: Buffer;
  private readonly lineEnds: Int32Array;
  private pending = 0;

  constructor(
    private readonly packed: PackedItems,
    private readonly onDone?: (packed: PackedItems) => void,
  ) {
    this.bytes = Buffer.from(packed.bytes.buffer, packed.bytes.byteOffset, packed.bytes.byteLength);
    this.lineEnds = packed.lineEnds;
  }

  get size(): number {
    return this.lineEnds.length;
  }

  /** Views of the items: each decodes its line when a field is read. */
  views(): PackedItem[] {
    const views: PackedItem[] = new Array(this.size);
    for (let i = 0; i < views.length; i++) views[i] = new PackedItem(this, i, this.key(i));
    this.pending += views.length;
    return views;
  }

  /** The items as plain objects, decoded now: unlike views, they do not hold the batch's buffers. */
  plainItems(): PreparedItem[] {
    const items: PreparedItem[] = new Array(this.size);
    for (let i = 0; i < items.length; i++) items[i] = itemOfValues(this.values(i));
    return items;
  }

  /** One view is done with. */
  viewDone(): void {
    if (--this.pending === 0) this.onDone?.(this.packed);
  }

  /** Where item `at`'s line starts. */
  lineStart(at: number): number {
    return at === 0 ? 0 : this.lineEnds[at - 1];
  }

  /** Where item `at`'s line ends (past its newline). */
  lineEnd(at: number): number {
    return this.lineEnds[at];
  }

  /** Item `at`'s values, in PACKED_COLUMNS order. */
  values(at: number): Array<string | null> {
    const values: Array<string | null> = this.bytes.toString('utf8', this.lineStart(at), this.lineEnd(at) - 1).split('\t');
    for (let f = 0; f < values.length; f++) values[f] = fieldValue(values[f] as string);
    return values;
  }

  /** Bytes `start` to `end`, not copied. */
  slice(start: number, end: number): Buffer {
    return this.bytes.subarray(start, end);
  }

  private key(at: number): string {
    const start = this.lineStart(at);
    return fieldValue(this.bytes.toString('utf8', start, this.bytes.indexOf(TAB, start))) as string;
  }
}

/**
 * One packed item, as a PreparedItem whose fields are decoded from its line at each read. Only
 * the key, which deduplication reads for every item, is decoded once.
 */
export class PackedItem implements PreparedItem {
  private done = false;

  constructor(
    readonly batch: PackedBatch,
    readonly at: number,
    readonly key: string,
  ) {}

  /** The ingest is done with this item; it is not to be read again. */
  markDone(): void {
    if (this.done) return;
    this.done = true;
    this.batch.viewDone();
  }

  get url(): string | null {
    return this.batch.values(this.at)[URL];
  }

  get text(): string | null {
    return this.batch.values(this.at)[TEXT];
  }

  get fields(): string {
    return this.batch.values(this.at)[FIELDS] as string;
  }

  get content_hash(): string {
    return this.batch.values(this.at)[CONTENT_HASH] as string;
  }

  get blob_hash(): string | null {
    return this.batch.values(this.at)[BLOB_HASH];
  }

  get fetched_at(): string {
    return this.batch.values(this.at)[FETCHED_AT] as string;
  }

  /** All values at once, in PACKED_COLUMNS order: one decode instead of one per field. */
  values(): Array<string | null> {
    return this.batch.values(this.at);
  }
}

/**
 * The ingest is done with `item`: stored, or dropped as unchanged. A packed batch goes back to
 * whoever packed it once the ingest is done with all its items.
 */
export function itemDone(item: PreparedItem): void {
  if (item instanceof PackedItem) item.markDone();
}

/** An item as a plain object, whatever holds it (a packed item's line is decoded once). */
export function plainItem(item: PreparedItem): PreparedItem {
  if (item instanceof PackedItem) return itemOfValues(item.values());
  return { key: item.key, url: item.url, text: item.text, fields: item.fields, content_hash: item.content_hash, blob_hash: item.blob_hash, fetched_at: item.fetched_at };
}

/** An item from its values in PACKED_COLUMNS order. */
function itemOfValues(values: Array<string | null>): PreparedItem {
  const [key, url, text, fields, contentHash, blobHash, fetchedAt] = values;
  return { key: key as string, url, text, fields: fields as string, content_hash: contentHash as string, blob_hash: blobHash, fetched_at: fetchedAt as string };
}

/**
 * The COPY lines of `items`, in order: packed items' lines as they are (consecutive ones in one
 * piece), other items' lines encoded.
 */
export function copyLines(items: readonly PreparedItem[]): Buffer[] {
  const pieces: Buffer[] = [];
  let encoded = '';
  for (let i = 0; i < items.length; ) {
    const item = items[i];
    if (!(item instanceof PackedItem)) {
      encoded += copyLine(item);
      i++;
      continue;
    }
    if (encoded) {
      pieces.push(Buffer.from(encoded));
      encoded = '';
    }
    let last = i;
    while (last + 1 < items.length && isNextOf(items[last + 1], items[last] as PackedItem)) last++;
    pieces.push(item.batch.slice(item.batch.lineStart(item.at), item.batch.lineEnd((items[last] as PackedItem).at)));
    i = last + 1;
  }
  if (encoded) pieces.push(Buffer.from(encoded));
  return pieces;
}

function isNextOf(item: PreparedItem, previous: PackedItem): boolean {
  return item instanceof PackedItem && item.batch === previous.batch && item.at === previous.at + 1;
}
