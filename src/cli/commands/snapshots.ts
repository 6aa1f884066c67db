import fs from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import type { AggregationPolicy } from '../../labeling/aggregate.js';
import { createSnapshot } from '../../ml/snapshots/create-snapshot.js';
import { SNAPSHOT_FORMATS, writeSnapshot, type SnapshotFormat } from '../../ml/snapshots/snapshot-export.js';
import { getSnapshot, listSnapshots, streamSnapshotRows, type Snapshot } from '../../ml/snapshots/snapshot-store.js';
import { output, withHub } from '../context.js';
import { table } from '../table.js';

interface CreateFlags {
  project?: string;
  policy?: string;
  minConfidence?: string;
  source?: string;
  labelField?: string;
}

function describe(s: Snapshot): string {
  const d = s.datasheet;
  return [
    `snapshot ${s.name} (${s.rowCount} rows, ${d.task === 'multi-label' ? `multi-label, ${d.classes} labels` : `${d.classes} classes`})`,
    `hash     ${s.contentHash}`,
    `created  ${s.createdAt}`,
    `origin   ${s.origin.kind === 'project' ? `project ${s.origin.project} (${s.origin.policy}${s.origin.minConfidence !== null ? `, min confidence ${s.origin.minConfidence}` : ''})` : `source ${s.origin.source}, label field ${s.origin.labelField}`}`,
    `labels   ${Object.entries(d.labelDistribution).map(([l, n]) => `${l}: ${n}`).join(', ')}`,
    `excluded unlabeled ${d.excluded.unlabeled}, low confidence ${d.excluded.lowConfidence}, spans ${d.excluded.spans}`,
    d.agreement ? `agreement mean confidence ${d.agreement.meanConfidence.toFixed(3)}, unanimous ${d.agreement.unanimous}/${d.agreement.annotatedItems}` : 'agreement (labels from the data, no annotators)',
    `fields   ${d.fields.join(', ')}`,
    ...d.sources.map((src) => `source   ${src.name} (${src.kind}, ${src.items} items) licence: ${src.licence ?? 'not recorded'}`),
  ].join('\n');
}

export function registerSnapshotsCommands(program: Command): void {
  const snapshots = program.command('snapshots').description('freeze labeled datasets: immutable, hashed, with a datasheet');

  snapshots
    .command('create <name>')
    .description('freeze a project (aggregated labels) or a labeled source')
    .option('--project <name>', 'labeling project to freeze')
    .option('--policy <policy>', 'aggregation: majority | dawid-skene', 'majority')
    .option('--min-confidence <x>', 'keep only items whose aggregated confidence is at least X (0..1)')
    .option('--source <name>', 'source whose items carry their label in a field')
    .option('--label-field <field>', 'the field holding the label (with --source)')
    .action(async (name: string, flags: CreateFlags, cmd: Command) => {
      if (Boolean(flags.project) === Boolean(flags.source)) throw new InputError('give either --project P or --source S --label-field F');
      if (flags.source && !flags.labelField) throw new InputError('--source needs --label-field F');
      const minConfidence = flags.minConfidence === undefined ? undefined : Number(flags.minConfidence);
      if (minConfidence !== undefined && !Number.isFinite(minConfidence)) throw new InputError(`--min-confidence must be a number, got "${flags.minConfidence}"`);
      const snapshot = await withHub(cmd, (hub) =>
        createSnapshot(hub.store, flags.project
          ? { name, project: flags.project, policy: flags.policy as AggregationPolicy, minConfidence }
          : { name, source: flags.source as string, labelField: flags.labelField as string }),
      );
      output(cmd, snapshot, () => describe(snapshot));
    });

  snapshots
    .command('list')
    .description('list snapshots')
    .action(async (_flags: unknown, cmd: Command) => {
      const all = await withHub(cmd, (hub) => listSnapshots(hub.store.db));
      output(cmd, all, () => table(['NAME', 'ROWS', 'CLASSES', 'HASH', 'CREATED'], all.map((s) => [s.name, s.rowCount, s.datasheet.classes, s.contentHash.slice(0, 12), s.createdAt])));
    });

  snapshots
    .command('show <name>')
    .description('show a snapshot and its datasheet')
    .action(async (name: string, _flags: unknown, cmd: Command) => {
      const snapshot = await withHub(cmd, (hub) => getSnapshot(hub.store.db, name));
      output(cmd, snapshot, () => describe(snapshot));
    });

  snapshots
    .command('export <name>')
    .description('export a snapshot (stdout unless --out)')
    .option('--format <format>', SNAPSHOT_FORMATS.join(' | '), 'jsonl')
    .option('--out <file>', 'write to this file')
    .option('--raw-cells', "csv: write cells as stored, even those a spreadsheet would run as formulas (=, +, -, @); for programs, not spreadsheets")
    .action(async (name: string, flags: { format: string; out?: string; rawCells?: boolean }, cmd: Command) => {
      if (!(SNAPSHOT_FORMATS as readonly string[]).includes(flags.format)) throw new InputError(`--format must be one of ${SNAPSHOT_FORMATS.join(', ')}, got "${flags.format}"`);
      const count = await withHub(cmd, async (hub) => {
        const snapshot = await getSnapshot(hub.store.db, name);
        const out = flags.out ? fs.createWriteStream(flags.out) : process.stdout;
        const n = await writeSnapshot(streamSnapshotRows(hub.store.db, snapshot.id), flags.format as SnapshotFormat, out, { rawCells: flags.rawCells });
        if (flags.out) {
          out.end();
          await once(out, 'finish');
        }
        return n;
      });
      if (flags.out) process.stderr.write(`exported ${count} rows to ${flags.out}\n`);
    });
}
