import type { Command } from 'commander';
import { DEFAULT_SEED, readTrainConfig } from '../../ml/config.js';
import type { EpochLog } from '../../ml/diagnosis.js';
import { nextVersionDir } from '../../ml/model-registry.js';
import { reviewProjectOf, sendLabelIssuesToReview } from '../../ml/send-to-review.js';
import { loadSnapshotRows } from '../../ml/snapshots/snapshot-store.js';
import { output, parseIntOption, withHub } from '../context.js';

export function epochLine(log: EpochLog, epochs: number): string {
  return `epoch ${String(log.epoch).padStart(String(epochs).length)}/${epochs}  loss ${log.loss.toFixed(4)}  acc ${log.accuracy.toFixed(4)}  val_loss ${log.valLoss.toFixed(4)}  val_acc ${log.valAccuracy.toFixed(4)}  ${log.seconds.toFixed(2)}s\n`;
}

interface TrainFlags {
  snapshot: string;
  config?: string;
  seed: number;
  out?: string;
  name?: string;
  labelNoise?: boolean;
  sendToReview?: boolean;
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train a model on a snapshot (registered as models/NAME/VERSION in the data dir unless --out)')
    .requiredOption('--snapshot <name>', 'snapshot to learn from')
    .option('--config <file>', 'training config (JSON)')
    .option('--seed <n>', 'seed for split, sampling and weights', parseIntOption('--seed'), DEFAULT_SEED)
    .option('--out <dir>', 'write the artifact to this (new or empty) directory')
    .option('--name <name>', 'model name in the registry (default: the snapshot name)')
    .option('--label-noise', 'also find likely mislabeled items (5-fold confident learning) and list them')
    .option('--send-to-review', 'flag the likely mislabeled items for review in the labeling project the snapshot came from (implies --label-noise)')
    .action(async (flags: TrainFlags, cmd: Command) => {
      const config = readTrainConfig(flags.config);
      const findLabelNoise = flags.labelNoise || flags.sendToReview;
      const result = await withHub(cmd, async (hub) => {
        const { snapshot, rows } = await loadSnapshotRows(hub.store.db, flags.snapshot);
        // Refused before training, which takes minutes, not after it.
        if (flags.sendToReview) reviewProjectOf(snapshot);
        const name = flags.name ?? snapshot.name;
        const target = flags.out ? { dir: flags.out, version: null } : nextVersionDir(hub.config.dataDir, name);
        // TensorFlow.js takes seconds to load: only commands that train pay for it.
        const { trainModel } = await import('../../ml/train.js');
        const trained = await trainModel(rows, config, {
          seed: flags.seed,
          outDir: target.dir,
          name,
          snapshot: { name: snapshot.name, hash: snapshot.contentHash },
          onEpoch: (log, epochs) => process.stderr.write(epochLine(log, epochs)),
          findLabelNoise,
        });
        const review = flags.sendToReview && trained.labelIssues ? await sendLabelIssuesToReview(hub.store.db, snapshot, trained.labelIssues, target.version ? `${name} v${target.version}` : name) : undefined;
        return { ...trained, name, version: target.version, review };
      });
      const { metrics } = result;
      output(cmd, { dir: result.dir, name: result.name, version: result.version, val: metrics.val, test: metrics.test, diagnosis: metrics.diagnosis, bestEpoch: metrics.bestEpoch, backend: metrics.backend, architecture: metrics.architecture, leakCheck: metrics.leakCheck, labelIssues: result.labelIssues, review: result.review }, () =>
        [
          `model ${result.name}${result.version ? ` version ${result.version}` : ''} written to ${result.dir}`,
          `validation accuracy ${metrics.val.accuracy.toFixed(4)}  macro F1 ${metrics.val.macroF1.toFixed(4)}`,
          metrics.test ? `test       accuracy ${metrics.test.accuracy.toFixed(4)}  macro F1 ${metrics.test.macroF1.toFixed(4)}  ROC AUC ${metrics.test.rocAuc?.toFixed(4) ?? '—'}` : '',
          ...metrics.diagnosis.text,
          metrics.leakCheck.ok ? '' : `leak check: ${metrics.leakCheck.overlaps.map((o) => `${o.between} items ${o.items} groups ${o.groups} identical ${o.identicalFeatures}`).join('; ')}`,
          ...(result.labelIssues ? [`likely mislabeled: ${result.labelIssues.length} items (label-issues.json)`, ...result.labelIssues.slice(0, 20).map((i) => `  item ${i.itemId}: labeled ${i.givenLabel} (p ${i.selfConfidence.toFixed(3)}), looks like ${i.suggestedLabel} (p ${i.suggestedProbability.toFixed(3)})`)] : []),
          result.review ? `sent to review: ${result.review.flagged} items flagged, ${result.review.reopened} reviewed annotations back in the queue${result.review.notInProject.length ? `, ${result.review.notInProject.length} no longer in the project` : ''}` : '',
          `report: ${result.dir}/report.html`,
        ].filter(Boolean).join('\n'),
      );
    });
}
