import { z } from 'zod';
import { InputError } from '../../core/errors.js';
import type { RecordInput, SourceContext, SourceKind } from '../../core/source.js';
import { readDelimited, readHeader, type TabularRow } from './delimited-reader.js';
import { readJsonl } from './jsonl-reader.js';
import { formatFromPath, openLocalInput } from './open-input.js';

export const FILE_FORMATS = ['csv', 'tsv', 'jsonl'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

export const fileConfigSchema = z
  .object({
    kind: z.literal('file').optional(),
    path: z.string().min(1),
    format: z.enum(FILE_FORMATS).optional(),
    key: z.string().min(1).optional(),
    text: z.string().min(1).optional(),
    label: z.string().min(1).optional(),
    licence: z.string().optional(),
  })
  .strict();
export type FileConfig = z.infer<typeof fileConfigSchema>;

export function resolveFormat(config: FileConfig): FileFormat {
  if (config.format) return config.format;
  const ext = formatFromPath(config.path);
  if (ext === 'csv' || ext === 'tsv' || ext === 'jsonl') return ext;
  if (ext === 'ndjson' || ext === 'json') return 'jsonl';
  throw new InputError(`${config.path}: cannot tell the format from the file name; give --format (${FILE_FORMATS.join('|')})`);
}

function readRows(config: FileConfig, onBytes?: (n: number) => void) {
  const format = resolveFormat(config);
  const input = openLocalInput(config.path, onBytes);
  const rows =
    format === 'jsonl'
      ? readJsonl(input.stream, { file: config.path })
      : readDelimited(input.stream, { file: config.path, delimiter: format === 'tsv' ? '\t' : ',', trackLines: config.key === undefined });
  return { rows, totalBytes: input.totalBytes };
}

/** Checks that the named key, text and label columns exist before anything is written. */
async function checkColumns(config: FileConfig): Promise<void> {
  const named = (['key', 'text', 'label'] as const).filter((f) => config[f] !== undefined);
  if (named.length === 0) return;
  const format = resolveFormat(config);
  let columns: string[];
  if (format === 'jsonl') {
    const { rows } = readRows(config);
    const first = await rows.next();
    await rows.return(undefined);
    columns = first.done ? [] : Object.keys(first.value.values);
  } else {
    columns = await readHeader(openLocalInput(config.path).stream, { file: config.path, delimiter: format === 'tsv' ? '\t' : ',' });
  }
  for (const flag of named) {
    const column = config[flag] as string;
    if (!columns.includes(column)) {
      throw new InputError(`${config.path}: --${flag} column "${column}" does not exist (columns: ${columns.join(', ')})`);
    }
  }
}

function toRecord(row: TabularRow, config: FileConfig): RecordInput {
  const { values } = row;
  let key: string;
  if (config.key) {
    const k = values[config.key];
    if (k === null || k === undefined || k === '') throw new InputError(`${config.path}:${row.line}: key column "${config.key}" is empty`);
    key = String(k);
  } else {
    key = String(row.line);
  }
  if (!config.text) return { key, text: null, fields: values };
  const t = values[config.text];
  return { key, text: t === null || t === undefined ? null : String(t), fields: without(values, config.text) };
}

/** A copy without one key (delete would turn the object into a slow dictionary). */
function without(values: Record<string, unknown>, omit: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in values) if (k !== omit) out[k] = values[k];
  return out;
}

/** Local CSV, TSV and JSON Lines files (gzip-compressed too), streamed. */
export const fileSource: SourceKind<FileConfig> = {
  kind: 'file',
  description: 'a local CSV, TSV or JSON Lines file (optionally gzip-compressed)',
  configSchema: fileConfigSchema,
  preflight: checkColumns,
  async *run(config: FileConfig, ctx: SourceContext) {
    let bytes = 0;
    const { rows, totalBytes } = readRows(config, (n) => {
      bytes += n;
    });
    let done = 0;
    for await (const row of rows) {
      if (ctx.signal.aborted) return;
      yield toRecord(row, config);
      if (++done % 2000 === 0) ctx.progress({ done, bytes, totalBytes });
    }
    ctx.progress({ done, bytes, totalBytes });
  },
};
