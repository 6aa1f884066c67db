import fs from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { loadSnapshotRows } from '../../ml/snapshots/snapshot-store.js';
import { output, withHub } from '../context.js';

export function registerEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description("reload a model artifact and score it on a snapshot (its own test split reproduces training's test metrics)")
    .requiredOption('--model <dir>', 'model artifact directory')
    .requiredOption('--snapshot <name>', 'snapshot to evaluate on')
    .action(async (flags: { model: string; snapshot: string }, cmd: Command) => {
      if (!fs.existsSync(flags.model)) throw new InputError(`--model ${flags.model}: no such directory`);
      if (!fs.statSync(flags.model).isDirectory()) throw new InputError(`--model ${flags.model}: not a directory (give the model's artifact directory)`);
      const result = await withHub(cmd, async (hub) => {
        const { snapshot, rows } = await loadSnapshotRows(hub.store.db, flags.snapshot);
        const { evaluateArtifact } = await import('../../ml/evaluate.js');
        return evaluateArtifact(flags.model, rows, snapshot.contentHash);
      });
      const t = result.test;
      output(cmd, result, () =>
        [
          `evaluated on ${result.on === 'test' ? 'the recorded test split' : 'rows the model never saw'} (${result.rows} rows)`,
          `accuracy ${t.accuracy.toFixed(4)}  macro F1 ${t.macroF1.toFixed(4)}  weighted F1 ${t.weightedF1.toFixed(4)}  ROC AUC ${t.rocAuc?.toFixed(4) ?? '—'}`,
        ].join('\n'),
      );
    });
}
