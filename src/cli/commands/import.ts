import path from 'node:path';
import type { Command } from 'commander';
import { parseDatasetRef } from '../../connectors/file/dataset-ref.js';
import { ConflictError } from '../../core/errors.js';
import { createSource, findSource, getSource, removeSource, updateSource } from '../../core/sources.js';
import { runSource, type Hub } from '../../hub.js';
import { output, parseIntOption, withHub } from '../context.js';
import { progressReporter } from '../progress-bar.js';
import { describeRun } from '../run-output.js';
import { runUntilInterrupted } from '../interrupt.js';

interface ImportFlags {
  source: string;
  format?: string;
  key?: string;
  text?: string;
  label?: string;
  entry?: string;
  config?: string;
  split?: string;
  apiBase?: string;
  tokenEnv?: string;
  redact?: string;
  licence?: string;
  maxRecordBytes?: number;
}

/** Local paths are stored absolute; URLs and kaggle:/hf: references as given. */
function inputPath(input: string): string {
  return parseDatasetRef(input).type === 'local' ? path.resolve(input) : input;
}

/** Creates the file source on first import, or points it at the new file; then runs it. */
async function importFile(hub: Hub, file: string, flags: ImportFlags) {
  const config = hub.kinds.parseConfig(
    'file',
    {
      kind: 'file',
      path: inputPath(file),
      format: flags.format,
      key: flags.key,
      text: flags.text,
      label: flags.label,
      entry: flags.entry,
      hfConfig: flags.config,
      split: flags.split,
      apiBase: flags.apiBase,
      tokenEnv: flags.tokenEnv,
      redact: flags.redact?.split(',').map((k) => k.trim()),
      licence: flags.licence,
      maxRecordBytes: flags.maxRecordBytes,
    },
    'import',
  ) as Record<string, unknown>;
  await hub.kinds.get('file').preflight?.(config, { log: hub.log });
  const existing = await findSource(hub.store.db, flags.source);
  if (existing && existing.kind !== 'file') throw new ConflictError(`source "${flags.source}" is a ${existing.kind} source, not a file source`);
  if (existing) await updateSource(hub.store.db, flags.source, { config });
  else await createSource(hub.store.db, { name: flags.source, kind: 'file', config });
  const progress = progressReporter();
  let run: Awaited<ReturnType<typeof runSource>>;
  try {
    run = await runUntilInterrupted((signal) => runSource(hub, flags.source, { signal, onProgress: progress.update }));
  } finally {
    progress.stop();
  }
  if (!existing && run.status === 'failed') await dropIfEmpty(hub, flags.source);
  return run;
}

/** A first import that failed before storing anything leaves no empty source behind to trip the next try. */
async function dropIfEmpty(hub: Hub, source: string): Promise<void> {
  const { id } = await getSource(hub.store.db, source);
  const item = await hub.store.db('items').where({ source_id: id }).first('id');
  if (item) return;
  await removeSource(hub.store.db, source);
  process.stderr.write(`source "${source}" was not kept: its first import failed before storing an item\n`);
}

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description('import a dataset (CSV, TSV, JSONL, Parquet, ARFF; gzip, zip) from a path, URL, Kaggle or Hugging Face')
    .argument('<input>', 'PATH | http(s)://URL | kaggle:OWNER/DATASET[/FILE] | hf:OWNER/NAME')
    .requiredOption('--source <name>', 'source the items belong to (created if missing)')
    .option('--format <format>', 'csv | tsv | jsonl | parquet | arff (default: from the file name)')
    .option('--key <column>', 'column that identifies a record (default: its line number)')
    .option('--text <column>', 'column that becomes the item text')
    .option('--label <column>', "column that holds the dataset's given label")
    .option('--entry <name>', 'the file to read inside a zip archive')
    .option('--config <name>', 'Hugging Face: the dataset config (default: the first)')
    .option('--split <name>', 'Hugging Face: the split (default: train)')
    .option('--api-base <url>', 'Kaggle or Hugging Face API base URL')
    .option('--token-env <var>', 'Hugging Face: environment variable holding the token (default HF_TOKEN)')
    .option('--redact <kinds>', 'replace PII before storing: email,phone,ip,card')
    .option('--licence <note>', "the dataset's terms or licence, kept with the source")
    .option('--max-record-bytes <n>', 'the longest record (CSV record, JSON or ARFF line) to read (default 64 MiB)', parseIntOption('--max-record-bytes'))
    .action(async (file: string, flags: ImportFlags, cmd: Command) => {
      const run = await withHub(cmd, (hub) => importFile(hub, file, flags));
      output(cmd, run, () => describeRun(run));
      if (run.status !== 'succeeded') process.exitCode = 1;
    });
}
