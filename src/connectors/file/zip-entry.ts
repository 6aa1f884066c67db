import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type yauzl from 'yauzl';
import { InputError } from '../../core/errors.js';

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const DATA_EXTENSIONS = /\.(csv|tsv|jsonl|ndjson|json|parquet|arff)(\.gz)?$/i;

export function isZipFile(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    return fs.readSync(fd, head, 0, 4, 0) === 4 && head.equals(ZIP_MAGIC);
  } finally {
    fs.closeSync(fd);
  }
}

/** yauzl loads with the first archive: an import of a plain file does not pay for it. */
let zipReader: Promise<typeof yauzl> | undefined;

async function openZip(file: string, label: string): Promise<yauzl.ZipFile> {
  zipReader ??= import('yauzl').then((loaded) => loaded.default);
  const reader = await zipReader;
  return new Promise((resolve, reject) =>
    reader.open(file, { lazyEntries: true, autoClose: false }, (err, zip) =>
      err ? reject(new InputError(`${label}: not a readable zip archive (${err.message})`)) : resolve(zip),
    ),
  );
}

async function listEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  const entries: yauzl.Entry[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      if (!entry.fileName.endsWith('/')) entries.push(entry);
      zip.readEntry();
    });
    zip.on('end', resolve);
    zip.on('error', reject);
    zip.readEntry();
  });
  return entries;
}

/**
 * Extracts one member of a zip archive to `destDir`: the one named (by full path or file name),
 * or the only data file in the archive. Returns the extracted path and the member's name.
 */
export async function extractZipEntry(file: string, wanted: string | undefined, destDir: string, label: string): Promise<{ path: string; name: string }> {
  const zip = await openZip(file, label);
  try {
    const entries = await listEntries(zip);
    const entry = pickEntry(entries, wanted, label);
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      zip.openReadStream(entry, (err, s) => (err ? reject(new InputError(`${label}: cannot read ${entry.fileName} (${err.message})`)) : resolve(s))),
    );
    const dest = path.join(destDir, path.basename(entry.fileName));
    await pipeline(stream, fs.createWriteStream(dest));
    return { path: dest, name: entry.fileName };
  } finally {
    zip.close();
  }
}

function pickEntry(entries: yauzl.Entry[], wanted: string | undefined, label: string): yauzl.Entry {
  const names = entries.map((e) => e.fileName);
  if (wanted !== undefined) {
    const found = entries.find((e) => e.fileName === wanted) ?? entries.find((e) => path.posix.basename(e.fileName) === wanted);
    if (!found) throw new InputError(`${label}: the archive has no file "${wanted}" (files: ${names.join(', ')})`);
    return found;
  }
  const data = entries.filter((e) => DATA_EXTENSIONS.test(e.fileName));
  if (data.length === 1) return data[0];
  if (data.length === 0) throw new InputError(`${label}: the archive holds no CSV, TSV, JSONL, Parquet or ARFF file (files: ${names.join(', ')})`);
  throw new InputError(`${label}: the archive holds several data files; pick one with --entry (files: ${data.map((e) => e.fileName).join(', ')})`);
}
