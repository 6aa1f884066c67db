import fs from 'node:fs';
import { z } from 'zod';
import { InputError } from '../../core/errors.js';
import type { PreparedRecords } from '../../core/prepare-item.js';
import type { RecordInput, SourceContext, SourceKind } from '../../core/source.js';
import { checkLocalPath } from '../local-paths.js';
import { envName, sourceOptionsShape } from '../source-options.js';
import { arffColumns } from './arff-reader.js';
import { headerPrefix, quotePrefix } from './content-quote.js';
import { parseDatasetRef, refFileName } from './dataset-ref.js';
import { readHeader, type TabularRow } from './delimited-reader.js';
import { fetchInput } from './fetch-input.js';
import { DEFAULT_MAX_RECORD_BYTES, FILE_FORMATS, oneRowChunks, readRows, recordsOf, RowsError, type FileFormat, type RowMapping } from './file-rows.js';
import { readHfRows } from './hf-rows.js';
import { formatFromPath, openLocalInput } from './open-input.js';
import { prepareOnThread } from './prepare-thread.js';
import { isTroveExport } from './trove-export.js';

export { FILE_FORMATS, type FileFormat };

/**
 * Files at least this large (on disk, so compressed for .gz) are read and prepared on a thread of
 * their own while the import's thread stores them. Starting the thread costs about 0.1 s of CPU
 * and 12 MB; a 4 MB CSV (~50,000 rows) takes about a second on one thread, so below this it
 * would barely pay.
 */
const THREAD_MIN_BYTES = 4 << 20;

export const fileConfigSchema = z
  .object({
    kind: z.literal('file').optional(),
    /** A local path, an http(s) URL, kaggle:OWNER/DATASET[/FILE] or hf:OWNER/NAME. */
    path: z.string().min(1),
    format: z.enum(FILE_FORMATS).optional(),
    key: z.string().min(1).optional(),
    text: z.string().min(1).optional(),
    label: z.string().min(1).optional(),
    /** The member of a zip archive to read. */
    entry: z.string().min(1).optional(),
    /** Hugging Face: the dataset's config and split. */
    hfConfig: z.string().min(1).optional(),
    split: z.string().min(1).optional(),
    /** Kaggle or Hugging Face API base URL (mirrors, tests). */
    apiBase: z.url({ protocol: /^https?$/ }).optional(),
    tokenEnv: envName.optional(),
    /** The longest record (a CSV record, a JSON or ARFF line) read; a longer one stops the import with its file and line. */
    maxRecordBytes: z.number().int().positive().optional(),
    ...sourceOptionsShape,
  })
  .strict();
export type FileConfig = z.infer<typeof fileConfigSchema>;

export function resolveFormat(config: FileConfig, name: string | undefined = refFileName(parseDatasetRef(config.path))): FileFormat {
  if (config.format) return config.format;
  const ext = name === undefined ? undefined : formatFromPath(name);
  if (ext && (FILE_FORMATS as readonly string[]).includes(ext)) return ext as FileFormat;
  if (ext === 'ndjson' || ext === 'json') return 'jsonl';
  if (ext === 'pq') return 'parquet';
  throw new InputError(`${name ?? config.path}: cannot tell the format from the file name; give --format (${FILE_FORMATS.join('|')})`);
}

async function columnsOf(file: string, format: FileFormat, label: string, maxRecordBytes = DEFAULT_MAX_RECORD_BYTES): Promise<string[]> {
  if (format === 'parquet') return (await import('./parquet-reader.js')).parquetColumns(file);
  if (format === 'arff') return arffColumns(openLocalInput(file, undefined, maxRecordBytes).stream, label);
  if (format === 'jsonl') {
    const rows = readRows(file, format, label, { trackLines: false, maxRecordBytes });
    const first = await rows.next();
    await rows.return(undefined);
    return first.done ? [] : Object.keys(first.value[0].values);
  }
  return readHeader(openLocalInput(file).stream, { file: label, delimiter: format === 'tsv' ? '\t' : ',', maxRecordBytes });
}

/** Checks that the named key, text and label columns exist before anything is written. */
function checkNamedColumns(config: FileConfig, columns: string[], label: string): void {
  for (const flag of ['key', 'text', 'label'] as const) {
    const column = config[flag];
    if (column !== undefined && !columns.includes(column)) {
      throw new InputError(`${label}: --${flag} column ${quotePrefix(column)} does not exist (${headerPrefix(columns)})`);
    }
  }
}

async function preflight(config: FileConfig): Promise<void> {
  const ref = parseDatasetRef(config.path);
  if (ref.type !== 'local') return;
  const file = checkLocalPath(ref.path, 'path');
  if (ref.path.endsWith('.zip') || (config.key ?? config.text ?? config.label) === undefined) return;
  const format = resolveFormat(config);
  checkNamedColumns(config, await columnsOf(file, format, ref.path, config.maxRecordBytes), ref.path);
}

function localPaths(config: FileConfig): Array<{ field: string; path: string }> {
  const ref = parseDatasetRef(config.path);
  return ref.type === 'local' ? [{ field: 'path', path: ref.path }] : [];
}

/** Rows to records, a chunk at a time; a Trove export (and nothing named otherwise) comes back as the items it holds. */
async function* toRecords(chunks: AsyncIterable<TabularRow[]>, mapping: RowMapping, label: string, ctx: SourceContext) {
  let done = 0;
  let reported = 0;
  for await (const rows of chunks) {
    if (ctx.signal.aborted) return;
    try {
      yield recordsOf(rows, mapping, label);
    } catch (err) {
      if (!(err instanceof RowsError)) throw err;
      // The rows before a bad one are stored, as if they had been read one by one.
      if (err.before.length > 0) yield err.before;
      throw err.error;
    }
    done += rows.length;
    if (done - reported >= 2000) {
      reported = done;
      ctx.progress({ done });
    }
  }
  ctx.progress({ done });
}

/** The prepared batches of a file read on a thread of its own. */
async function* preparedOnThread(file: string, format: FileFormat, label: string, config: FileConfig, mapping: RowMapping, ctx: SourceContext) {
  const totalBytes = fs.statSync(file).size;
  let done = 0;
  const batches = prepareOnThread({ file, format, label, mapping, trackLines: config.key === undefined, redact: config.redact ?? [], maxRecordBytes: config.maxRecordBytes });
  for await (const { records, bytes } of batches) {
    if (ctx.signal.aborted) return;
    yield records;
    done += records.size;
    ctx.progress({ done, bytes, totalBytes });
  }
}

function rowMapping(config: FileConfig, columns: string[] | undefined): RowMapping {
  return { key: config.key, text: config.text, restore: columns !== undefined && !config.key && !config.text && isTroveExport(columns) };
}

async function* runFile(config: FileConfig, ctx: SourceContext): AsyncGenerator<RecordInput[] | PreparedRecords> {
  const ref = parseDatasetRef(config.path);
  if (ref.type === 'hf') {
    const rows = readHfRows(
      { dataset: ref.dataset, config: config.hfConfig, split: config.split, apiBase: config.apiBase, tokenEnv: config.tokenEnv, userAgent: config.userAgent },
      ctx,
    );
    yield* toRecords(oneRowChunks(rows), rowMapping(config, undefined), `hf:${ref.dataset}`, ctx);
    return;
  }
  const input = await fetchInput(ref, { entry: config.entry, apiBase: config.apiBase, userAgent: config.userAgent }, ctx);
  try {
    const format = resolveFormat(config, input.name);
    const columns = await columnsOf(input.file, format, input.label, config.maxRecordBytes);
    checkNamedColumns(config, columns, input.label);
    const mapping = rowMapping(config, columns);
    const totalBytes = fs.statSync(input.file).size;
    if (format !== 'parquet' && totalBytes >= THREAD_MIN_BYTES) {
      yield* preparedOnThread(input.file, format, input.label, config, mapping, ctx);
      return;
    }
    let bytes = 0;
    const rows = readRows(input.file, format, input.label, {
      trackLines: config.key === undefined,
      maxRecordBytes: config.maxRecordBytes,
      onBytes: (n) => {
        bytes += n;
        if (bytes % (1 << 20) < n) ctx.progress({ bytes, totalBytes });
      },
    });
    yield* toRecords(rows, mapping, input.label, ctx);
  } finally {
    input.cleanup();
  }
}

/** Datasets: CSV, TSV, JSON Lines, Parquet and ARFF, gzip and zip, from a path, a URL, Kaggle or Hugging Face. */
export const fileSource: SourceKind<FileConfig> = {
  kind: 'file',
  description: 'a dataset file (CSV, TSV, JSONL, Parquet, ARFF; gzip, zip) from a path, URL, Kaggle or Hugging Face',
  configSchema: fileConfigSchema,
  preflight,
  localPaths,
  run: runFile,
};
