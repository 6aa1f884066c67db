import type { Command } from 'commander';
import { DEFAULT_SEED, readTrainConfig } from '../../ml/config.js';
import { nextVersionDir } from '../../ml/model-registry.js';
import { loadSnapshotRows } from '../../ml/snapshots/snapshot-store.js';
import { output, parseIntOption, withHub } from '../context.js';
import { table } from '../table.js';

export function registerTuneCommand(program: Command): void {
  program
    .command('tune')
    .description('random search + successive halving over learning rate, batch size, layers, dropout and L2, K seeds each')
    .requiredOption('--snapshot <name>', 'snapshot to learn from')
    .option('--config <file>', 'training config (JSON); its "tune" key holds trials, seeds and the search space')
    .option('--trials <n>', 'configurations to sample', parseIntOption('--trials'))
    .option('--seeds <k>', 'seeds per configuration', parseIntOption('--seeds'))
    .option('--seed <n>', 'seed for the split and the search', parseIntOption('--seed'), DEFAULT_SEED)
    .option('--out <dir>', "write the winner's artifact here (default: the model registry)")
    .option('--name <name>', 'model name in the registry (default: the snapshot name)')
    .action(async (flags: { snapshot: string; config?: string; trials?: number; seeds?: number; seed: number; out?: string; name?: string }, cmd: Command) => {
      const config = readTrainConfig(flags.config);
      const result = await withHub(cmd, async (hub) => {
        const { snapshot, rows } = await loadSnapshotRows(hub.store.db, flags.snapshot);
        const name = flags.name ?? snapshot.name;
        const target = flags.out ? { dir: flags.out, version: null } : nextVersionDir(hub.config.dataDir, name);
        // TensorFlow.js takes seconds to load: only commands that train pay for it.
        const { tune } = await import('../../ml/tune.js');
        const tuned = await tune(rows, config, {
          seed: flags.seed, trials: flags.trials, seeds: flags.seeds, outDir: target.dir, name,
          snapshot: { name: snapshot.name, hash: snapshot.contentHash },
          onTrial: (t, rung) => process.stderr.write(`rung ${rung + 1} trial ${t.id}: val macro F1 ${t.mean.toFixed(4)} ± ${t.std.toFixed(4)} (${t.epochs} epochs) ${JSON.stringify(t.params)}\n`),
        });
        return { ...tuned, dir: target.dir, version: target.version };
      });
      const doc = { trials: result.trials, best: result.best, test: result.winner.metrics.test, dir: result.dir, version: result.version };
      output(cmd, doc, () =>
        [
          table(['TRIAL', 'LR', 'BATCH', 'LAYERS', 'DROPOUT', 'L2', 'EPOCHS', 'VAL MACRO F1'], result.trials.map((t) => [
            t.id === result.best.id ? `${t.id} *` : t.id, t.params.learningRate.toPrecision(3), t.params.batchSize, t.params.layers.join('-'),
            t.params.dropout.toFixed(2), t.params.l2.toPrecision(2), t.epochs, `${t.mean.toFixed(4)} ± ${t.std.toFixed(4)}`,
          ])),
          `best: trial ${result.best.id}; test accuracy ${result.winner.metrics.test?.accuracy.toFixed(4)}, macro F1 ${result.winner.metrics.test?.macroF1.toFixed(4)}`,
          `artifact: ${result.dir}`,
        ].join('\n'),
      );
    });
}
