import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withCredentialHint } from '../../core/errors.js';
import type { SourceContext } from '../../core/source.js';
import { readServiceCredential } from '../env-secret.js';
import { checkLocalPath } from '../local-paths.js';
import { downloadToFile } from '../http/download.js';
import { HttpClient } from '../http/http-client.js';
import { DEFAULT_USER_AGENT } from '../source-options.js';
import type { DatasetRef } from './dataset-ref.js';
import { extractZipEntry, isZipFile } from './zip-entry.js';

export const KAGGLE_API = 'https://www.kaggle.com/api/v1';

export interface LocalInput {
  /** A local file to read (downloaded or extracted when the input was remote or zipped). */
  file: string;
  /** The name that tells the format: the zip member, the URL path or the local path. */
  name: string;
  /** What messages call the input. */
  label: string;
  cleanup(): void;
}

export interface FetchOptions {
  entry?: string;
  apiBase?: string;
  userAgent?: string;
}

/**
 * Turns a local path, URL or Kaggle dataset into a local file: downloads are streamed to a
 * temporary directory with progress, zip archives give up the member asked for.
 */
export async function fetchInput(ref: DatasetRef, opts: FetchOptions, ctx: Pick<SourceContext, 'progress' | 'signal' | 'log'>): Promise<LocalInput> {
  if (ref.type === 'hf') throw new Error('Hugging Face datasets are read by rows, not downloaded as a file');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trove-import-'));
  const cleanup = () => fs.rmSync(tmp, { recursive: true, force: true });
  try {
    let file: string;
    let name: string;
    let label: string;
    if (ref.type === 'local') {
      file = checkLocalPath(ref.path, 'path');
      name = ref.path;
      label = ref.path;
    } else {
      const client = new HttpClient({ userAgent: opts.userAgent ?? DEFAULT_USER_AGENT, signal: ctx.signal, log: ctx.log, timeoutMs: 120_000 });
      const { url, headers } = downloadRequest(ref, opts);
      label = ref.type === 'kaggle' ? `kaggle:${ref.owner}/${ref.dataset}` : ref.url;
      name = ref.type === 'url' ? decodeURIComponent(new URL(ref.url).pathname) : `${ref.dataset}.zip`;
      file = path.join(tmp, 'download');
      ctx.progress({ message: `downloading ${label}` });
      await downloadToFile(client, url, file, {
        init: { headers },
        onProgress: (p) => ctx.progress({ bytes: p.bytes, totalBytes: p.totalBytes }),
      }).catch((err: unknown) => {
        throw ref.type === 'kaggle' ? withCredentialHint(err, 'check KAGGLE_USERNAME and KAGGLE_KEY') : err;
      });
      ctx.progress({ message: `importing ${label}` });
    }
    const member = ref.type === 'kaggle' ? (ref.file ?? opts.entry) : opts.entry;
    if (fs.existsSync(file) && fs.statSync(file).isFile() && isZipFile(file)) {
      const extracted = await extractZipEntry(file, member, tmp, label);
      return { file: extracted.path, name: extracted.name, label: `${label}!${extracted.name}`, cleanup };
    }
    return { file, name, label, cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}

/** The API base: given as the bare host too (`https://www.kaggle.com`), it gets its `/api/v1`. */
export function kaggleApiBase(given: string | undefined): string {
  const base = (given ?? KAGGLE_API).replace(/\/+$/, '');
  return /\/api\/v1$/.test(base) ? base : `${base}/api/v1`;
}

function downloadRequest(ref: Exclude<DatasetRef, { type: 'hf' | 'local' }>, opts: FetchOptions): { url: string; headers: Record<string, string> } {
  if (ref.type === 'kaggle') {
    const toKaggle = opts.apiBase === undefined;
    const user = readServiceCredential('KAGGLE_USERNAME', 'kaggle', toKaggle);
    const key = readServiceCredential('KAGGLE_KEY', 'kaggle', toKaggle);
    const base = kaggleApiBase(opts.apiBase);
    return {
      url: `${base}/datasets/download/${encodeURIComponent(ref.owner)}/${encodeURIComponent(ref.dataset)}`,
      headers: { authorization: `Basic ${Buffer.from(`${user}:${key}`).toString('base64')}` },
    };
  }
  return { url: ref.url, headers: {} };
}
