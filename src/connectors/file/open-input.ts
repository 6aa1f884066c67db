import fs from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import { InputError } from '../../core/errors.js';

export interface OpenedInput {
  stream: Readable;
  /** Size on disk (compressed size for .gz), for progress. */
  totalBytes: number;
  gzip: boolean;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** A line of the (decompressed) input is longer than the record size limit; the reader names its line. */
export class LineTooLongError extends Error {
  constructor(readonly maxBytes: number) {
    super(`a line is longer than ${formatBytes(maxBytes)} (maxRecordBytes)`);
  }
}

export function formatBytes(n: number): string {
  return n % (1 << 20) === 0 ? `${n / (1 << 20)} MiB` : `${n} bytes`;
}

/**
 * Opens a local file for streaming, gunzipping it when it is gzip-compressed (by content, not name).
 * With `maxLineBytes`, a line longer than that fails the stream as soon as it is seen, so a small
 * compressed file holding one endless line is refused at flat memory.
 */
export function openLocalInput(path: string, onBytes?: (bytes: number) => void, maxLineBytes?: number): OpenedInput {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch (err) {
    throw new InputError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!stat.isFile()) throw new InputError(`${path}: not a file`);
  const gzip = hasGzipMagic(path);
  const raw = fs.createReadStream(path, { highWaterMark: 256 * 1024 });
  const counted = onBytes ? raw.pipe(countBytes(onBytes)) : raw;
  const decoded = gzip ? counted.pipe(zlib.createGunzip()) : counted;
  if (gzip) raw.on('error', (err) => decoded.destroy(err));
  const stream = maxLineBytes === undefined ? decoded : decoded.pipe(lineLengthLimit(maxLineBytes));
  if (stream !== decoded) decoded.on('error', (err: Error) => stream.destroy(err));
  return { stream, totalBytes: stat.size, gzip };
}

/** Fails when a line grows past `maxBytes`; one lastIndexOf per chunk, so it costs nothing on ordinary files. */
function lineLengthLimit(maxBytes: number): Transform {
  let sinceNewline = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      const last = chunk.lastIndexOf(0x0a);
      sinceNewline = last === -1 ? sinceNewline + chunk.length : chunk.length - last - 1;
      if (sinceNewline > maxBytes) return done(new LineTooLongError(maxBytes));
      done(null, chunk);
    },
  });
}

function hasGzipMagic(path: string): boolean {
  const fd = fs.openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const n = fs.readSync(fd, head, 0, 2, 0);
    return n === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  } finally {
    fs.closeSync(fd);
  }
}

export function countBytes(onBytes: (bytes: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
}

/** The format named by a path's extension, ignoring a trailing .gz. */
export function formatFromPath(path: string): string | undefined {
  const m = /\.([a-z0-9]+)(\.gz)?$/i.exec(path);
  return m?.[1]?.toLowerCase();
}
