import fs from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { RemoteError } from '../../core/errors.js';
import { describeUrl, type HttpClient, type RequestInit } from './http-client.js';

export interface DownloadProgress {
  bytes: number;
  totalBytes?: number;
}

/** Streams a response body to a file, reporting bytes as they arrive; never held in memory whole. */
export async function downloadToFile(
  client: HttpClient,
  url: string,
  dest: string,
  opts: { init?: RequestInit; onProgress?: (p: DownloadProgress) => void } = {},
): Promise<DownloadProgress> {
  const response = await client.request(url, opts.init);
  if (!response.body) throw new RemoteError(`GET ${describeUrl(url)}: empty answer`);
  const length = Number(response.headers.get('content-length') ?? NaN);
  const progress: DownloadProgress = { bytes: 0, totalBytes: Number.isFinite(length) ? length : undefined };
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      progress.bytes += chunk.length;
      opts.onProgress?.(progress);
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), counter, fs.createWriteStream(dest));
  } catch (err) {
    throw new RemoteError(`GET ${describeUrl(url)}: download broke off after ${progress.bytes} bytes (${(err as Error).message})`, {
      transient: true,
      cause: err,
    });
  }
  return progress;
}
