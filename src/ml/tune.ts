import { initBackend } from './backend.js';
import { modelSettings, parseTrainConfig, type ModelConfig, type TrainConfig } from './config.js';
import type { LabeledRow } from './dataset.js';
import { chooseArchitecture } from './model-builder.js';
import { seededRandom, type Random } from './random.js';
import { DEFAULT_SEED } from './config.js';
import { balanceTargets, encodeTargets, evaluateEncoded, fitNetwork, fitPreprocessing, modelShape, prepareData, trainModel, type TrainOptions, type TrainResult } from './train.js';

export interface TrialParams {
  learningRate: number;
  batchSize: number;
  layers: number[];
  dropout: number;
  l2: number;
}

export interface Trial {
  id: number;
  params: TrialParams;
  /** Validation macro F1 over the seeds at the trial's last rung. */
  mean: number;
  std: number;
  scores: number[];
  epochs: number;
}

export interface TuneResult {
  trials: Trial[];
  best: Trial;
  winner: TrainResult;
}

const DEFAULT_LAYERS = [[64], [128, 64], [256, 128], [128, 64, 32], [512, 256, 128]];
/** Searched log-uniformly unless the space says otherwise; `[0, 0]` turns L2 off. */
export const DEFAULT_L2_RANGE: [number, number] = [1e-6, 1e-2];

function logUniform(random: Random, [lo, hi]: [number, number]): number {
  return Math.exp(Math.log(lo) + random() * (Math.log(hi) - Math.log(lo)));
}

function sampleParams(random: Random, space: TrainConfig['tune']['space']): TrialParams {
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];
  const [d0, d1] = space.dropout ?? [0, 0.5];
  const l2 = space.l2 ?? DEFAULT_L2_RANGE;
  return {
    learningRate: logUniform(random, space.learningRate ?? [0.001, 0.1]),
    batchSize: pick(space.batchSize ?? [16, 32, 64]),
    layers: pick(space.layers ?? DEFAULT_LAYERS),
    dropout: d0 + random() * (d1 - d0),
    l2: l2[1] > 0 ? (l2[0] > 0 ? logUniform(random, [l2[0], l2[1]]) : random() * l2[1]) : 0,
  };
}

function stats(xs: number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, std: Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length) };
}

/**
 * Random search with successive halving: every sampled configuration trains over K seeds on a
 * small epoch budget, the best third goes on with three times the budget, and so on up to the
 * full `model.epochs`. Candidates are ranked by mean validation macro F1; the test split is
 * touched once, by the winner, when it is trained again into an artifact.
 */
export async function tune(rows: LabeledRow[], configInput: unknown, opts: TrainOptions & { trials?: number; seeds?: number; onTrial?: (t: Trial, rung: number) => void } = {}): Promise<TuneResult> {
  const config = parseTrainConfig(configInput);
  const seed = opts.seed ?? DEFAULT_SEED;
  const trialsWanted = opts.trials ?? config.tune.trials;
  const seeds = opts.seeds ?? config.tune.seeds;
  await initBackend();
  const { labels, multiLabel, splits } = prepareData(rows, config, seed);
  const { pre, train } = fitPreprocessing(splits.train, config);
  const { set } = balanceTargets(encodeTargets(pre, train, labels, multiLabel), labels, config, seed);
  const val = encodeTargets(pre, splits.val, labels, multiLabel);
  const shape = modelShape(pre, labels.length, multiLabel);
  const hasPixels = pre.state().encoders.some((e) => e.kind === 'pixels');
  const architecture = chooseArchitecture(config.model, shape, hasPixels);
  const base = modelSettings(config, architecture);
  const random = seededRandom(seed + 1);
  let trials: Trial[] = Array.from({ length: trialsWanted }, (_, i) => ({ id: i + 1, params: sampleParams(random, config.tune.space), mean: 0, std: 0, scores: [], epochs: 0 }));
  const all = new Map(trials.map((t) => [t.id, t]));
  const rungs = config.tune.halving ? Math.max(1, Math.min(3, Math.floor(Math.log(trialsWanted) / Math.log(3)) + 1)) : 1;
  for (let rung = 0; rung < rungs; rung++) {
    const epochs = Math.max(1, Math.round(base.epochs / 3 ** (rungs - 1 - rung)));
    for (const trial of trials) {
      const model: ModelConfig = { ...base, ...trial.params, epochs };
      const scores: number[] = [];
      for (let s = 0; s < seeds; s++) {
        const fitted = await fitNetwork(set, val, shape, architecture, model, seed + 1000 * (s + 1));
        try {
          scores.push((await evaluateEncoded(fitted.model, val, labels)).metrics.macroF1);
        } finally {
          fitted.model.dispose();
        }
      }
      Object.assign(trial, stats(scores), { scores, epochs });
      opts.onTrial?.(trial, rung);
    }
    trials = [...trials].sort((a, b) => b.mean - a.mean || a.std - b.std).slice(0, Math.max(1, Math.ceil(trials.length / 3)));
  }
  const best = trials[0];
  const bestSeed = seed + 1000 * (best.scores.indexOf(Math.max(...best.scores)) + 1);
  const { learningRate, batchSize, l2 } = best.params;
  const winnerConfig = {
    ...config,
    model: { ...config.model, ...best.params, epochs: best.epochs },
    tfidf: architecture === 'text-tfidf' ? { ...config.tfidf, learningRate, batchSize, l2, epochs: best.epochs } : config.tfidf,
  };
  const winner = await trainModel(rows, winnerConfig, { ...opts, seed, networkSeed: bestSeed, tuneTrials: [...all.values()].map((t) => ({ id: t.id, params: { ...t.params }, mean: t.mean, std: t.std, epochs: t.epochs, best: t.id === best.id })) });
  return { trials: [...all.values()], best, winner };
}
