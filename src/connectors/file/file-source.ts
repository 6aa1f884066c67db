import fs from 'node:fs';
import { z } from 'zod';
import { InputError } from '../../core/errors.js';
import type { RecordInput, SourceContext, SourceKind } from '../../core/source.js';
import { envName, sourceOptionsShape } from '../source-options.js';
import { arffColumns, readArff } from './arff-reader.js';
import { parseDatasetRef, refFileName } from './dataset-ref.js';
import { readDelimited, readHeader, type TabularRow } from './delimited-reader.js';
import { fetchInput } from './fetch-input.js';
import { readHfRows } from './hf-rows.js';
import { readJsonl } from './jsonl-reader.js';
import { formatFromPath, openLocalInput } from './open-input.js';
import { isTroveExport, recordFromExport } from './trove-export.js';

export const FILE_FORMATS = ['csv', 'tsv', 'jsonl', 'parquet', 'arff'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

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

/** The Parquet reader loads only when a Parquet file is read, keeping CLI start-up short. */
async function* readParquetLazily(file: string): AsyncGenerator<TabularRow> {
  yield* (await import('./parquet-reader.js')).readParquet(file);
}

function readRows(file: string, format: FileFormat, label: string, opts: { trackLines: boolean; onBytes?: (n: number) => void }): AsyncGenerator<TabularRow> {
  if (format === 'parquet') return readParquetLazily(file);
  const input = openLocalInput(file, opts.onBytes);
  if (format === 'jsonl') return readJsonl(input.stream, { file: label });
  if (format === 'arff') return readArff(input.stream, { file: label });
  return readDelimited(input.stream, { file: label, delimiter: format === 'tsv' ? '\t' : ',', trackLines: opts.trackLines });
}

async function columnsOf(file: string, format: FileFormat, label: string): Promise<string[]> {
  if (format === 'parquet') return (await import('./parquet-reader.js')).parquetColumns(file);
  if (format === 'arff') return arffColumns(openLocalInput(file).stream, label);
  if (format === 'jsonl') {
    const rows = readRows(file, format, label, { trackLines: false });
    const first = await rows.next();
    await rows.return(undefined);
    return first.done ? [] : Object.keys(first.value.values);
  }
  return readHeader(openLocalInput(file).stream, { file: label, delimiter: format === 'tsv' ? '\t' : ',' });
}

/** Checks that the named key, text and label columns exist before anything is written. */
function checkNamedColumns(config: FileConfig, columns: string[], label: string): void {
  for (const flag of ['key', 'text', 'label'] as const) {
    const column = config[flag];
    if (column !== undefined && !columns.includes(column)) {
      throw new InputError(`${label}: --${flag} column "${column}" does not exist (columns: ${columns.join(', ')})`);
    }
  }
}

async function preflight(config: FileConfig): Promise<void> {
  const ref = parseDatasetRef(config.path);
  if (ref.type !== 'local' || ref.path.endsWith('.zip') || (config.key ?? config.text ?? config.label) === undefined) return;
  const format = resolveFormat(config);
  checkNamedColumns(config, await columnsOf(ref.path, format, ref.path), ref.path);
}

function toRecord(row: TabularRow, config: FileConfig, label: string): RecordInput {
  const { values } = row;
  let key: string;
  if (config.key) {
    const k = values[config.key];
    if (k === null || k === undefined || k === '') throw new InputError(`${label}:${row.line}: key column "${config.key}" is empty`);
    key = String(k);
  } else {
    key = String(row.line);
  }
  let text: string | null = null;
  let fields = values;
  if (config.text) {
    const t = values[config.text];
    text = t === null || t === undefined ? null : String(t);
    fields = without(values, config.text);
  }
  return { key, text, fields };
}

/** A copy without one key (delete would turn the object into a slow dictionary). */
function without(values: Record<string, unknown>, omit: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in values) if (k !== omit) out[k] = values[k];
  return out;
}

/** Rows to records; a Trove export (and nothing named otherwise) comes back as the items it holds. */
async function* toRecords(rows: AsyncIterable<TabularRow>, columns: string[] | undefined, config: FileConfig, label: string, ctx: SourceContext) {
  const restore = columns !== undefined && !config.key && !config.text && isTroveExport(columns);
  let done = 0;
  for await (const row of rows) {
    if (ctx.signal.aborted) return;
    yield restore ? recordFromExport(row.values) : toRecord(row, config, label);
    if (++done % 2000 === 0) ctx.progress({ done });
  }
  ctx.progress({ done });
}

async function* runFile(config: FileConfig, ctx: SourceContext): AsyncGenerator<RecordInput> {
  const ref = parseDatasetRef(config.path);
  if (ref.type === 'hf') {
    const rows = readHfRows(
      { dataset: ref.dataset, config: config.hfConfig, split: config.split, apiBase: config.apiBase, tokenEnv: config.tokenEnv, userAgent: config.userAgent },
      ctx,
    );
    const keyed = config.key ? config : { ...config, key: undefined };
    yield* toRecords(rows, undefined, keyed, `hf:${ref.dataset}`, ctx);
    return;
  }
  const input = await fetchInput(ref, { entry: config.entry, apiBase: config.apiBase, userAgent: config.userAgent }, ctx);
  try {
    const format = resolveFormat(config, input.name);
    const columns = await columnsOf(input.file, format, input.label);
    checkNamedColumns(config, columns, input.label);
    const totalBytes = fs.statSync(input.file).size;
    let bytes = 0;
    const rows = readRows(input.file, format, input.label, {
      trackLines: config.key === undefined,
      onBytes: (n) => {
        bytes += n;
        if (bytes % (1 << 20) < n) ctx.progress({ bytes, totalBytes });
      },
    });
    yield* toRecords(rows, columns, config, input.label, ctx);
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
  run: runFile,
};
