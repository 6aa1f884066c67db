import fs from 'node:fs';
import path from 'node:path';
import { BlobIndex } from './blob-index.js';
import { PACK_SUFFIX, PackWriter, readRecord, scanPack, sha256 } from './blob-pack.js';
import { NotFoundError, StoreError, errorMessage } from './errors.js';

/** A pack file is closed and the next one started past this size. */
const PACK_BYTES = 1024 ** 3;

const HASH_PATTERN = /^[0-9a-f]{64}$/;

/**
 * Content-addressed storage for raw payloads (HTML pages, API responses), keyed by SHA-256. A blob
 * is written once; writing the same bytes again is free.
 *
 * Blobs are appended to pack files under `<root>/packs/`, found through an index in
 * `<root>/index.db`: a crawl stores hundreds of pages a second, and creating a file per page cost
 * more than the rest of storing it. Blobs from older versions, one file each at
 * `<root>/<first two hex>/<sha256>`, are still read.
 */
export class BlobStore {
  private index: BlobIndex | undefined;
  private writer: PackWriter | undefined;
  private looseLayout: boolean | undefined;

  constructor(
    readonly root: string,
    private readonly opts: { packBytes?: number } = {},
  ) {}

  async put(data: Buffer | string): Promise<string> {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const hash = sha256(bytes);
    const hex = hash.toString('hex');
    const index = this.openIndex();
    if (index.find(hash) || this.looseFileOf(hex)) return hex;
    this.writer ??= new PackWriter(this.packsDir, this.opts.packBytes ?? PACK_BYTES);
    index.add(hash, this.writer.append(hash, bytes));
    return hex;
  }

  async get(hex: string): Promise<Buffer> {
    const hash = hashBytes(hex);
    const location = this.openIndex().find(hash);
    if (location) return readRecord(this.packsDir, location, hash);
    const loose = this.looseFileOf(hex);
    if (loose) return fs.promises.readFile(loose);
    throw new NotFoundError('blob', hex);
  }

  has(hex: string): boolean {
    return this.openIndex().find(hashBytes(hex)) !== undefined || this.looseFileOf(hex) !== undefined;
  }

  close(): void {
    this.writer?.close();
    this.writer = undefined;
    this.index?.close();
    this.index = undefined;
  }

  private get packsDir(): string {
    return path.join(this.root, 'packs');
  }

  /** Opened on first use, so commands that never touch a blob never create the blob directory. */
  private openIndex(): BlobIndex {
    if (this.index) return this.index;
    const file = path.join(this.root, 'index.db');
    try {
      fs.mkdirSync(this.packsDir, { recursive: true });
      const fresh = !fs.existsSync(file);
      this.index = new BlobIndex(file);
      if (fresh) this.reindexPacks(this.index);
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw new StoreError(`cannot open the blob index ${file}: ${errorMessage(err)}`, err);
    }
    return this.index;
  }

  /** A missing index is rebuilt from the packs, whose records name their blobs. */
  private reindexPacks(index: BlobIndex): void {
    for (const pack of fs.readdirSync(this.packsDir)) {
      if (pack.endsWith(PACK_SUFFIX)) index.addAll(scanPack(this.packsDir, pack));
    }
  }

  /** The file of a blob stored one file per blob by an older version, if there is one. */
  private looseFileOf(hex: string): string | undefined {
    this.looseLayout ??= fs.readdirSync(this.root).some((name) => /^[0-9a-f]{2}$/.test(name));
    if (!this.looseLayout) return undefined;
    const file = path.join(this.root, hex.slice(0, 2), hex);
    return fs.existsSync(file) ? file : undefined;
  }
}

function hashBytes(hex: string): Buffer {
  if (!HASH_PATTERN.test(hex)) throw new NotFoundError('blob', hex);
  return Buffer.from(hex, 'hex');
}
