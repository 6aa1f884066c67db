import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StoreError, errorMessage } from './errors.js';

/**
 * Pack files: blobs appended one after another, each behind a header that names it (magic, SHA-256,
 * length), so a pack can be read back without its index and a torn or damaged record is detected
 * rather than returned.
 */
const MAGIC = Buffer.from('TRVB');
const HASH_BYTES = 32;
const HEADER_BYTES = MAGIC.length + HASH_BYTES + 8;
export const PACK_SUFFIX = '.pack';

/** Where a blob's bytes are: a pack file (by name), the offset of its record, the length of its bytes. */
export interface BlobLocation {
  pack: string;
  offset: number;
  length: number;
}

export function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

function headerFor(hash: Buffer, length: number): Buffer {
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  MAGIC.copy(header, 0);
  hash.copy(header, MAGIC.length);
  header.writeBigUInt64LE(BigInt(length), MAGIC.length + HASH_BYTES);
  return header;
}

/** The hash and length a header names, or undefined when the bytes are not a record header. */
function parseHeader(header: Buffer): { hash: Buffer; length: number } | undefined {
  if (header.length < HEADER_BYTES || !header.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const length = header.readBigUInt64LE(MAGIC.length + HASH_BYTES);
  if (length > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return { hash: header.subarray(MAGIC.length, MAGIC.length + HASH_BYTES), length: Number(length) };
}

/**
 * Appends records to pack files this writer alone creates (one writer per process and store, so
 * processes sharing a data directory never interleave writes), starting a new pack past `maxBytes`.
 * Writes are synchronous: appending to the page cache costs tens of microseconds, less than a
 * round trip through libuv's thread pool.
 */
export class PackWriter {
  private fd: number | undefined;
  private name = '';
  private size = 0;

  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
  ) {}

  append(hash: Buffer, data: Buffer): BlobLocation {
    if (this.fd === undefined || this.size + HEADER_BYTES + data.length > this.maxBytes) this.startPack();
    const fd = this.fd as number;
    const offset = this.size;
    try {
      const written = fs.writevSync(fd, [headerFor(hash, data.length), data], offset);
      if (written !== HEADER_BYTES + data.length) throw new Error(`short write (${written} bytes)`);
    } catch (err) {
      // The record may be partly written: start the next one in a fresh pack.
      const pack = this.name;
      this.close();
      throw new StoreError(`cannot write blob to ${path.join(this.dir, pack)}: ${errorMessage(err)}`, err);
    }
    this.size += HEADER_BYTES + data.length;
    return { pack: this.name, offset, length: data.length };
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private startPack(): void {
    this.close();
    this.name = `${Date.now().toString(36)}-${process.pid}-${randomBytes(4).toString('hex')}${PACK_SUFFIX}`;
    this.fd = fs.openSync(path.join(this.dir, this.name), 'wx');
    this.size = 0;
  }
}

/** Reads one blob back, checking that the record is the one the index promised and is intact. */
export async function readRecord(dir: string, location: BlobLocation, hash: Buffer): Promise<Buffer> {
  const file = path.join(dir, location.pack);
  const record = Buffer.allocUnsafe(HEADER_BYTES + location.length);
  const handle = await fs.promises.open(file, 'r');
  let read: number;
  try {
    ({ bytesRead: read } = await handle.read(record, 0, record.length, location.offset));
  } finally {
    await handle.close();
  }
  const header = parseHeader(record.subarray(0, HEADER_BYTES));
  const data = record.subarray(HEADER_BYTES);
  const intact = read === record.length && header?.hash.equals(hash) && header.length === location.length && sha256(data).equals(hash);
  if (!intact) throw new StoreError(`blob ${hash.toString('hex')} is damaged in ${file} at offset ${location.offset}`);
  return data;
}

/**
 * The intact records of a pack, in order, for rebuilding a lost index. Reading stops at the first
 * record that is torn or damaged: a pack is only ever appended to, so that is where its writer died.
 */
export function* scanPack(dir: string, pack: string): Generator<{ hash: Buffer; location: BlobLocation }> {
  const fd = fs.openSync(path.join(dir, pack), 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const headerBytes = Buffer.allocUnsafe(HEADER_BYTES);
    let offset = 0;
    while (offset + HEADER_BYTES <= size) {
      fs.readSync(fd, headerBytes, 0, HEADER_BYTES, offset);
      const header = parseHeader(headerBytes);
      if (!header || offset + HEADER_BYTES + header.length > size) return;
      const data = Buffer.allocUnsafe(header.length);
      fs.readSync(fd, data, 0, header.length, offset + HEADER_BYTES);
      if (!sha256(data).equals(header.hash)) return;
      yield { hash: Buffer.from(header.hash), location: { pack, offset, length: header.length } };
      offset += HEADER_BYTES + header.length;
    }
  } finally {
    fs.closeSync(fd);
  }
}
