import path from 'node:path';
import type { Command } from 'commander';
import { ConflictError } from '../../core/errors.js';
import { createSource, findSource, updateSource } from '../../core/sources.js';
import { runSource, type Hub } from '../../hub.js';
import { output, withHub } from '../context.js';
import { progressReporter } from '../progress-bar.js';
import { describeRun } from '../run-output.js';
import { runUntilInterrupted } from '../interrupt.js';

interface ImportFlags {
  source: string;
  format?: string;
  key?: string;
  text?: string;
  label?: string;
}

/** Creates the file source on first import, or points it at the new file; then runs it. */
async function importFile(hub: Hub, file: string, flags: ImportFlags) {
  const config = hub.kinds.parseConfig(
    'file',
    { kind: 'file', path: path.resolve(file), format: flags.format, key: flags.key, text: flags.text, label: flags.label },
    'import',
  ) as Record<string, unknown>;
  await hub.kinds.get('file').preflight?.(config, { log: hub.log });
  const existing = await findSource(hub.store.db, flags.source);
  if (existing && existing.kind !== 'file') throw new ConflictError(`source "${flags.source}" is a ${existing.kind} source, not a file source`);
  if (existing) await updateSource(hub.store.db, flags.source, { config });
  else await createSource(hub.store.db, { name: flags.source, kind: 'file', config });
  const progress = progressReporter();
  try {
    return await runUntilInterrupted((signal) => runSource(hub, flags.source, { signal, onProgress: progress.update }));
  } finally {
    progress.stop();
  }
}

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description('import a CSV, TSV or JSON Lines file (gzip too) as items of a source')
    .argument('<path>', 'file to import')
    .requiredOption('--source <name>', 'source the items belong to (created if missing)')
    .option('--format <format>', 'csv | tsv | jsonl (default: from the file name)')
    .option('--key <column>', 'column that identifies a record (default: its line number)')
    .option('--text <column>', 'column that becomes the item text')
    .option('--label <column>', "column that holds the dataset's given label")
    .action(async (file: string, flags: ImportFlags, cmd: Command) => {
      const run = await withHub(cmd, (hub) => importFile(hub, file, flags));
      output(cmd, run, () => describeRun(run));
      if (run.status !== 'succeeded') process.exitCode = 1;
    });
}
