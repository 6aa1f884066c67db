import { DEFAULT_SEED } from './config.js';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../core/errors.js';
import { nowIso } from '../core/time.js';
import { checkOutputDir, codeVersion, LABEL_ISSUES_FILE, LINEAGE_FILE, METRICS_FILE, PREPROCESSING_FILE, REPORT_FILE, SPLITS_FILE, writeAtomically, writeJsonFile, type Lineage, type PreprocessingFile } from './artifact.js';
import { initBackend } from './backend.js';
import { balanceTrainingSet, type BalanceReport } from './balance.js';
import { modelSettings, parseTrainConfig, type ModelConfig, type TrainConfig } from './config.js';
import { labelsOfKey, type LabeledRow } from './dataset.js';
import { findLabelIssues, type LabelIssue } from './label-noise.js';
import { diagnose, type Diagnosis, type EpochLog } from './diagnosis.js';
import { fileSaveHandler } from './file-io.js';
import { computeMetrics, positives, type SplitMetrics } from './metrics.js';
import { computeMultiLabelMetrics, labelColumn } from './multilabel-metrics.js';
import { chooseDecision, type Decision } from './decision.js';
import { buildModel, chooseArchitecture, inputTensors, taskOf, type Architecture, type ModelShape } from './model-builder.js';
import { batchDataset, predictRows } from './training/batches.js';
import { inferFeatureTypes, isMissing, naturalOrder, numericValue } from './preprocess/feature-types.js';
import { Preprocessor, type EncodedRows } from './preprocess/pipeline.js';
import { textProblem } from './preprocess/tfidf.js';
import { cleanRows, type CleaningReport } from './preprocess/row-cleaning.js';
import { withSeededMathRandom } from './random.js';
import { renderReport, type TrialRow } from './report.js';
import { splitRows, type HeldOutSplit, type LeakCheck, type Splits, type TrainingSplit } from './split.js';


export interface TrainOptions {
  seed?: number;
  /** Where to write the artifact; nothing is written when absent. */
  outDir?: string;
  /** The model's name (default: the snapshot's, else "model"). */
  name?: string;
  snapshot?: { name: string; hash: string };
  onEpoch?: (log: EpochLog, epochs: number) => void;
  /** Tuning trains many candidates and keeps the test split for the winner only. */
  evaluateTest?: boolean;
  /** Seed of the network's weights and shuffling when it differs from the split seed (tuning). */
  networkSeed?: number;
  /** Also run the confident-learning label-noise finder (K-fold out-of-fold predictions). */
  findLabelNoise?: boolean;
  /** Tuning's trial table, shown in the winner's report. */
  tuneTrials?: TrialRow[];
}

export interface TrainMetrics {
  val: SplitMetrics;
  test: SplitMetrics | null;
  train: SplitMetrics;
  history: EpochLog[];
  bestEpoch: number;
  diagnosis: Diagnosis;
  cleaning: CleaningReport;
  leakCheck: LeakCheck;
  balance: BalanceReport;
  architecture: Architecture;
  backend: string;
  samplesPerSecond: number;
  droppedFeatures: Array<{ name: string; reason: string }>;
}

export interface TrainResult {
  dir: string | null;
  labels: string[];
  metrics: TrainMetrics;
  labelIssues?: LabelIssue[];
}

/** Everything before the network: cleaned rows, labels, splits. Deterministic for a seed. */
export interface PreparedData {
  labels: string[];
  /** Rows carry label sets (`labels`): one sigmoid output and one yes/no per label. */
  multiLabel: boolean;
  splits: Splits;
  cleaning: CleaningReport;
}

/**
 * What the network learns to output: class indexes (single-label), or an n × k matrix of 0/1,
 * one column per label (multi-label).
 */
export type Targets = Int32Array | Float32Array;

export interface EncodedSet {
  x: EncodedRows;
  y: Targets;
}

export function prepareData(rows: LabeledRow[], config: TrainConfig, seed: number): PreparedData {
  if (rows.length === 0) throw new InputError('the snapshot has no rows');
  const labeled = rows.filter((r) => r.label !== null);
  if (labeled.length === 0) throw new InputError('no row has a label (is the label field right?)');
  const plans = inferFeatureTypes(labeled, config.features);
  checkFinite(labeled, plans.filter((f) => f.type === 'numeric').map((f) => f.name));
  const textFields = plans.filter((f) => f.type === 'text').map((f) => f.name);
  checkTexts(labeled, textFields, config.tfidf.maxCharacters);
  const { rows: clean, report } = cleanRows(rows, config.clean, textFields);
  const multiLabel = clean.some((r) => r.labels !== undefined);
  const labels = multiLabel ? labelUnion(clean) : [...new Set(clean.map((r) => r.label as string))].sort(naturalOrder);
  if (labels.length < 2) throw new InputError(`the snapshot has only one ${multiLabel ? 'label' : 'class'} ("${labels[0]}"): a classifier needs at least two`);
  const splits = splitRows(clean, config.split, seed);
  for (const name of ['train', 'val', 'test'] as const) {
    if (splits[name].rows.length === 0) throw new InputError(`too few rows (${clean.length}) to fill the ${name} split`);
  }
  if (new Set(splits.train.rows.map((r) => r.label)).size < 2) throw new InputError(`the training split holds only one ${multiLabel ? 'label set' : 'class'}`);
  return { labels, multiLabel, splits, cleaning: report };
}

function labelUnion(rows: LabeledRow[]): string[] {
  const all = new Set<string>();
  for (const r of rows) for (const l of r.labels ?? labelsOfKey(r.label as string)) all.add(l);
  return [...all].sort(naturalOrder);
}

/** For each class or label, which rows are its positives (what ROC and PR curves score against). */
function positivesPerClass(y: Targets, k: number): Uint8Array[] {
  return Array.from({ length: k }, (_, c) => (y instanceof Float32Array ? labelColumn(y, k, c) : positives(y, c)));
}

/** NaN and infinite values are refused up front, wherever they are, naming the row and field. */
function checkFinite(rows: LabeledRow[], numericFields: string[]): void {
  for (const row of rows) {
    for (const field of numericFields) {
      const value = row.features[field];
      if (isMissing(value)) continue;
      const n = numericValue(value);
      if (n !== null && !Number.isFinite(n)) throw new InputError(`row ${row.id}: field "${field}" is ${n} (not a finite number)`);
    }
  }
}

/** Text fields hold text: a number, an object or an oversized document is refused up front, naming the item and field. */
function checkTexts(rows: LabeledRow[], textFields: string[], maxCharacters: number): void {
  for (const row of rows) {
    for (const field of textFields) {
      const problem = textProblem(row.features[field], maxCharacters);
      if (problem) throw new InputError(`item ${row.id}: field "${field}" ${problem}`);
    }
  }
}

export function encodeSplit(pre: Preprocessor, split: TrainingSplit | HeldOutSplit, labels: string[]): { x: EncodedRows; y: Int32Array } {
  const index = new Map(labels.map((l, i) => [l, i]));
  const x = pre.transform(split.rows.map((r) => r.features));
  const y = Int32Array.from(split.rows, (r) => index.get(r.label as string) ?? -1);
  return { x, y };
}

/** Multi-label rows as inputs plus an n × k 0/1 matrix (column c: the row has labels[c]). */
export function encodeMultiLabelSplit(pre: Preprocessor, split: TrainingSplit | HeldOutSplit, labels: string[]): { x: EncodedRows; y: Float32Array } {
  const index = new Map(labels.map((l, i) => [l, i]));
  const x = pre.transform(split.rows.map((r) => r.features));
  const y = new Float32Array(split.rows.length * labels.length);
  split.rows.forEach((r, i) => {
    for (const l of r.labels ?? labelsOfKey(r.label as string)) {
      const c = index.get(l);
      if (c !== undefined) y[i * labels.length + c] = 1;
    }
  });
  return { x, y };
}

export function encodeTargets(pre: Preprocessor, split: TrainingSplit | HeldOutSplit, labels: string[], multiLabel: boolean): EncodedSet {
  return multiLabel ? encodeMultiLabelSplit(pre, split, labels) : encodeSplit(pre, split, labels);
}

/**
 * Balancing resamples rows by class, which a multi-label row does not have: there only "none" is
 * allowed (per-label class weights are not either).
 */
export function balanceTargets(set: EncodedSet, labels: string[], config: TrainConfig, seed: number): { set: EncodedSet; report: BalanceReport } {
  if (set.y instanceof Int32Array) return balanceTrainingSet({ kind: 'train', x: set.x, y: set.y }, labels, config.balance, seed);
  if (config.balance.method !== 'none') throw new InputError(`balance.method "${config.balance.method}" resamples single-label classes; this snapshot is multi-label (use "none")`);
  if (config.model.classWeight === 'balanced') throw new InputError('model.classWeight "balanced" weighs single-label classes; this snapshot is multi-label');
  return { set, report: { method: 'none', before: {}, after: {} } };
}

/** Fits the preprocessing on the training split, then drops training outliers (outliers: drop). */
export function fitPreprocessing(train: TrainingSplit, config: TrainConfig): { pre: Preprocessor; train: TrainingSplit } {
  const pre = Preprocessor.fit(train, config);
  const kept = train.rows.filter((r) => !pre.isOutlierRow(r.features));
  return { pre, train: { kind: 'train', rows: kept } };
}


export interface FittedNetwork {
  model: tf.LayersModel;
  history: EpochLog[];
  bestEpoch: number;
  samplesPerSecond: number;
}

function targets(y: Targets, classes: number): tf.Tensor {
  if (y instanceof Float32Array) return tf.tensor2d(y, [y.length / classes, classes]);
  return classes === 2 ? tf.tensor2d(Float32Array.from(y), [y.length, 1]) : tf.oneHot(tf.tensor1d(y, 'int32'), classes);
}

function classWeights(y: Int32Array, classes: number): Record<number, number> {
  const counts = new Array<number>(classes).fill(0);
  for (const c of y) counts[c]++;
  return Object.fromEntries(counts.map((n, c) => [c, n ? y.length / (classes * n) : 1]));
}

/** Trains with early stopping on validation loss and restores the best epoch's weights. */
export async function fitNetwork(
  train: EncodedSet, val: EncodedSet, shape: ModelShape, architecture: Architecture,
  config: ModelConfig, seed: number, onEpoch?: (log: EpochLog, epochs: number) => void,
): Promise<FittedNetwork> {
  return withSeededMathRandom(seed, async () => {
    const model = buildModel(shape, architecture, config, seed);
    const sparse = train.x.sparse !== undefined;
    const xs = sparse ? [] : inputTensors(train.x.dense, train.x.denseWidth, train.x.tokens, train.x.sequenceLength, train.x.n);
    const ys = sparse ? null : targets(train.y, shape.classes);
    const vxs = sparse ? [] : inputTensors(val.x.dense, val.x.denseWidth, val.x.tokens, val.x.sequenceLength, val.x.n);
    const vys = sparse ? null : targets(val.y, shape.classes);
    const history: EpochLog[] = [];
    let best: tf.Tensor[] | null = null;
    let bestLoss = Infinity;
    let bestEpoch = 0;
    let epochStart = Date.now();
    const started = Date.now();
    try {
      const classWeight = config.classWeight === 'balanced' && train.y instanceof Int32Array ? classWeights(train.y, shape.classes) : undefined;
      const callbacks: tf.CustomCallbackArgs = {
          onEpochBegin: async () => {
            epochStart = Date.now();
          },
          onEpochEnd: async (epoch, logs = {}) => {
            const entry: EpochLog = {
              epoch: epoch + 1,
              loss: logs.loss,
              accuracy: logs.acc ?? logs.accuracy,
              valLoss: logs.val_loss,
              valAccuracy: logs.val_acc ?? logs.val_accuracy,
              seconds: (Date.now() - epochStart) / 1000,
            };
            if (!Number.isFinite(entry.loss)) throw new InputError(`training diverged at epoch ${entry.epoch} (loss ${entry.loss}); lower the learning rate`);
            history.push(entry);
            onEpoch?.(entry, config.epochs);
            if (entry.valLoss < bestLoss - 1e-6) {
              bestLoss = entry.valLoss;
              bestEpoch = entry.epoch;
              best?.forEach((t) => t.dispose());
              best = model.getWeights().map((w) => w.clone());
            } else if (config.earlyStopping > 0 && entry.epoch - bestEpoch >= config.earlyStopping) model.stopTraining = true;
          },
      };
      if (sparse || ys === null || vys === null) {
        await model.fitDataset(batchDataset(train.x, train.y, shape.classes, config.batchSize, seed), {
          epochs: config.epochs, verbose: 0, classWeight, callbacks,
          validationData: batchDataset(val.x, val.y, shape.classes, config.batchSize, null),
        });
      } else {
        await model.fit(xs.length === 1 ? xs[0] : xs, ys, {
          epochs: config.epochs, batchSize: config.batchSize, shuffle: true, verbose: 0, classWeight, callbacks,
          validationData: [vxs.length === 1 ? vxs[0] : vxs, vys],
        });
      }
      const seconds = (Date.now() - started) / 1000;
      if (best) model.setWeights(best);
      return { model, history, bestEpoch, samplesPerSecond: (train.x.n * history.length) / Math.max(seconds, 1e-9) };
    } finally {
      (best as tf.Tensor[] | null)?.forEach((t) => t.dispose());
      [...xs, ...vxs].forEach((t) => t.dispose());
      ys?.dispose();
      vys?.dispose();
    }
  });
}

/** Metrics and probabilities of an encoded set; a binary model's labels follow `decision` when it has one. */
export async function evaluateEncoded(model: tf.LayersModel, set: EncodedSet, labels: string[], decision: Decision | null = null): Promise<{ metrics: SplitMetrics; probs: Float32Array }> {
  const probs = await predictRows(model, set.x, labels.length, set.y instanceof Float32Array);
  const metrics = set.y instanceof Float32Array ? computeMultiLabelMetrics(labels, set.y, probs) : computeMetrics(labels, set.y, probs, decision);
  return { metrics, probs };
}

export function modelShape(pre: Preprocessor, classes: number, multiLabel = false): ModelShape {
  const side = Math.round(Math.sqrt(pre.denseWidth));
  return {
    denseWidth: pre.denseWidth,
    sequenceLength: pre.sequenceLength,
    vocabularySize: pre.vocabularySize,
    sparseWidth: pre.sparseWidth,
    classes,
    multiLabel,
    imageSide: pre.allDenseNumeric && side * side === pre.denseWidth && side >= 4 ? side : null,
  };
}

/**
 * Trains one model end to end: clean → split (seeded, stratified, group-aware) → fit preprocessing
 * on train → balance train → network with early stopping → validation metrics → (once) test
 * metrics → artifact. `config` is the JSON config as parsed or raw.
 */
export async function trainModel(rows: LabeledRow[], configInput: unknown, opts: TrainOptions = {}): Promise<TrainResult> {
  const config = parseTrainConfig(configInput);
  const seed = opts.seed ?? DEFAULT_SEED;
  if (opts.outDir) checkOutputDir(opts.outDir);
  const backend = await initBackend();
  const { labels, multiLabel, splits, cleaning } = prepareData(rows, config, seed);
  if (multiLabel && opts.findLabelNoise) throw new InputError('the label-noise finder works on single-label snapshots; this one is multi-label');
  const { pre, train: trainSplit } = fitPreprocessing(splits.train, config);
  const encodedTrain = encodeTargets(pre, trainSplit, labels, multiLabel);
  const val = encodeTargets(pre, splits.val, labels, multiLabel);
  const test = encodeTargets(pre, splits.test, labels, multiLabel);
  const { set: balanced, report: balance } = balanceTargets(encodedTrain, labels, config, seed);
  const shape = modelShape(pre, labels.length, multiLabel);
  const hasPixels = pre.state().encoders.some((e) => e.kind === 'pixels');
  const architecture = chooseArchitecture(config.model, shape, hasPixels);
  if (architecture === 'cnn' && shape.imageSide === null) throw new InputError('model.architecture "cnn" needs numeric or pixel features that form a square image');
  if (architecture === 'text-tfidf' && shape.sparseWidth === 0) throw new InputError('model.architecture "text-tfidf" needs a text feature');
  if ((architecture === 'text-pool' || architecture === 'text-conv') && shape.sequenceLength === 0) throw new InputError(`model.architecture "${architecture}" needs a text feature`);
  const fitted = await fitNetwork(balanced, val, shape, architecture, modelSettings(config, architecture), opts.networkSeed ?? seed, opts.onEpoch);
  try {
    const valProbs = await predictRows(fitted.model, val.x, labels.length, multiLabel);
    const decision = val.y instanceof Int32Array && labels.length === 2 ? chooseDecision(config.model.threshold, encodedTrain.y as Int32Array, val.y, valProbs) : null;
    const valResult = await evaluateEncoded(fitted.model, val, labels, decision);
    const trainResult = await evaluateEncoded(fitted.model, encodedTrain, labels, decision);
    const testResult = opts.evaluateTest === false ? null : await evaluateEncoded(fitted.model, test, labels, decision);
    const metrics: TrainMetrics = {
      val: valResult.metrics,
      test: testResult?.metrics ?? null,
      train: trainResult.metrics,
      history: fitted.history,
      bestEpoch: fitted.bestEpoch,
      diagnosis: diagnose(fitted.history, fitted.bestEpoch),
      cleaning,
      leakCheck: splits.leakCheck,
      balance,
      architecture,
      backend: backend.name,
      samplesPerSecond: fitted.samplesPerSecond,
      droppedFeatures: pre.state().dropped,
    };
    const name = opts.name ?? opts.snapshot?.name ?? 'model';
    const all = [...splits.train.rows, ...splits.val.rows, ...splits.test.rows];
    const labelIssues = opts.findLabelNoise ? await findLabelIssues(all, labels, config, seed) : undefined;
    if (!opts.outDir) return { dir: null, labels, metrics, labelIssues };
    const preprocessing: PreprocessingFile = {
      format: 'trove-model/1', name, task: taskOf(shape), architecture, labels, imageSide: shape.imageSide, decision, preprocessing: pre.state(),
    };
    const lineage: Lineage = {
      name, snapshot: opts.snapshot ?? null, config, seed, networkSeed: opts.networkSeed ?? seed, codeVersion: codeVersion(), backend: backend.name, createdAt: nowIso(),
      rows: { train: splits.train.rows.length, val: splits.val.rows.length, test: splits.test.rows.length },
    };
    await writeAtomically(opts.outDir, async (staging) => {
      await fitted.model.save(fileSaveHandler(staging));
      writeJsonFile(staging, PREPROCESSING_FILE, preprocessing);
      writeJsonFile(staging, METRICS_FILE, metrics);
      writeJsonFile(staging, LINEAGE_FILE, lineage);
      if (labelIssues) writeJsonFile(staging, LABEL_ISSUES_FILE, labelIssues);
      writeJsonFile(staging, SPLITS_FILE, { train: splits.train.rows.map((r) => r.id), val: splits.val.rows.map((r) => r.id), test: splits.test.rows.map((r) => r.id) });
      const curves = testResult ? { labels, positives: positivesPerClass(test.y, labels.length), probs: testResult.probs, multiLabel } : null;
      fs.writeFileSync(path.join(staging, REPORT_FILE), renderReport({ name, lineage, metrics, curves, trials: opts.tuneTrials ?? null }));
    });
    return { dir: opts.outDir, labels, metrics, labelIssues };
  } finally {
    fitted.model.dispose();
  }
}
