import fs from 'node:fs';
import { z } from 'zod';
import { InputError } from '../core/errors.js';

/** The seed training and tuning use when none is given. */
export const DEFAULT_SEED = 42;

/**
 * The training config (`--config FILE`). Every key is optional; defaults are inferred from the
 * snapshot. Unknown keys are errors, so a typo never silently trains something else.
 */
const featureType = z.enum(['numeric', 'categorical', 'text', 'pixels', 'ignore']);

const range = z.tuple([z.number().positive(), z.number().positive()]);

export const trainConfigSchema = z
  .object({
    features: z.record(z.string(), featureType).default({}),
    clean: z
      .object({
        impute: z.enum(['mean', 'median', 'most_frequent', 'constant']).default('mean'),
        fillValue: z.number().default(0),
        outliers: z
          .object({
            method: z.enum(['none', 'iqr', 'zscore']).default('none'),
            action: z.enum(['clip', 'drop']).default('clip'),
            threshold: z.number().positive().optional(),
          })
          .strict()
          .default({ method: 'none', action: 'clip' }),
        duplicates: z.enum(['drop', 'keep']).default('drop'),
        nearDuplicates: z.enum(['group', 'drop', 'keep']).default('group'),
        nearDuplicateThreshold: z.number().min(0.5).max(1).default(0.8),
      })
      .strict()
      .default({ impute: 'mean', fillValue: 0, outliers: { method: 'none', action: 'clip' }, duplicates: 'drop', nearDuplicates: 'group', nearDuplicateThreshold: 0.8 }),
    scale: z.enum(['standard', 'minmax', 'none']).default('standard'),
    categorical: z
      .object({ encoding: z.enum(['onehot', 'ordinal']).default('onehot'), unknown: z.enum(['ignore', 'error']).default('ignore') })
      .strict()
      .default({ encoding: 'onehot', unknown: 'ignore' }),
    text: z
      .object({
        minFrequency: z.number().int().min(1).default(2),
        maxVocabulary: z.number().int().min(10).default(20000),
        maxLength: z.number().int().min(1).default(128),
        lowercase: z.boolean().default(true),
      })
      .strict()
      .default({ minFrequency: 2, maxVocabulary: 20000, maxLength: 128, lowercase: true }),
    tfidf: z
      .object({
        wordNgrams: z.tuple([z.number().int().min(1), z.number().int().min(1)]).default([1, 1]),
        charNgrams: z.tuple([z.number().int().min(1), z.number().int().min(1)]).nullable().default(null),
        minDocumentFrequency: z.number().int().min(1).default(2),
        maxFeatures: z.number().int().min(1).default(50000),
        sublinearTf: z.boolean().default(true),
        hashing: z.number().int().min(16).max(1 << 22).nullable().default(null),
        lowercase: z.boolean().default(true),
        maxCharacters: z.number().int().min(1).default(1_000_000),
        /** text-tfidf's own optimizer settings: a linear model over unit-norm rows wants far larger steps than an MLP. */
        learningRate: z.number().positive().default(0.3),
        batchSize: z.number().int().min(1).default(128),
        epochs: z.number().int().min(1).default(100),
        earlyStopping: z.number().int().min(0).default(10),
        l2: z.number().min(0).default(3e-6),
        classWeight: z.enum(['none', 'balanced']).default('balanced'),
      })
      .strict()
      .refine((t) => t.wordNgrams[0] <= t.wordNgrams[1] && (!t.charNgrams || t.charNgrams[0] <= t.charNgrams[1]), { message: 'an n-gram range is [lowest, highest]' })
      .default({
        wordNgrams: [1, 1], charNgrams: null, minDocumentFrequency: 2, maxFeatures: 50000, sublinearTf: true, hashing: null, lowercase: true, maxCharacters: 1_000_000,
        learningRate: 0.3, batchSize: 128, epochs: 100, earlyStopping: 10, l2: 3e-6, classWeight: 'balanced',
      }),
    split: z
      .object({
        train: z.number().gt(0).lt(1).default(0.7),
        val: z.number().gt(0).lt(1).default(0.15),
        test: z.number().gt(0).lt(1).default(0.15),
        stratify: z.boolean().default(true),
      })
      .strict()
      .default({ train: 0.7, val: 0.15, test: 0.15, stratify: true }),
    balance: z
      .object({
        method: z.enum(['none', 'undersample', 'oversample', 'smote']).default('none'),
        k: z.number().int().min(1).max(50).default(5),
        strategy: z.union([z.literal('auto'), z.number().gt(0).max(1), z.record(z.string(), z.number().int().min(1))]).default('auto'),
      })
      .strict()
      .default({ method: 'none', k: 5, strategy: 'auto' }),
    model: z
      .object({
        architecture: z.enum(['auto', 'mlp', 'cnn', 'text-tfidf', 'text-pool', 'text-conv']).default('auto'),
        layers: z.array(z.number().int().min(1).max(4096)).min(1).max(6).default([128, 64]),
        dropout: z.number().min(0).lt(1).default(0.2),
        l2: z.number().min(0).default(0),
        optimizer: z.enum(['adam', 'sgd']).default('adam'),
        /** Absent: the architecture's own (model-builder.ts `learningRateOf`). */
        learningRate: z.number().positive().optional(),
        batchSize: z.number().int().min(1).default(32),
        epochs: z.number().int().min(1).default(100),
        earlyStopping: z.number().int().min(0).default(10),
        classWeight: z.enum(['none', 'balanced']).default('none'),
        embeddingDim: z.number().int().min(2).default(32),
        /** text-tfidf: units of its one hidden layer; 0 makes it linear. */
        textHidden: z.number().int().min(0).max(4096).default(0),
        /** Binary models: how P(positive) becomes a label ("auto": F1-optimal on validation when the classes are imbalanced). */
        threshold: z.union([z.enum(['auto', 'f1', 'argmax']), z.number().gt(0).lt(1)]).default('auto'),
      })
      .strict()
      .default({
        architecture: 'auto', layers: [128, 64], dropout: 0.2, l2: 0, optimizer: 'adam',
        batchSize: 32, epochs: 100, earlyStopping: 10, classWeight: 'none', embeddingDim: 32, textHidden: 0, threshold: 'auto',
      }),
    tune: z
      .object({
        trials: z.number().int().min(1).default(20),
        seeds: z.number().int().min(1).default(3),
        halving: z.boolean().default(true),
        space: z
          .object({
            learningRate: range.optional(),
            batchSize: z.array(z.number().int().min(1)).min(1).optional(),
            layers: z.array(z.array(z.number().int().min(1)).min(1).max(6)).min(1).optional(),
            dropout: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).optional(),
            l2: z.tuple([z.number().min(0), z.number().min(0)]).optional(),
          })
          .strict()
          .default({}),
      })
      .strict()
      .default({ trials: 20, seeds: 3, halving: true, space: {} }),
  })
  .strict()
  .refine((c) => Math.abs(c.split.train + c.split.val + c.split.test - 1) < 1e-6, {
    message: 'split.train + split.val + split.test must add up to 1',
    path: ['split'],
  });

export type TrainConfig = z.infer<typeof trainConfigSchema>;
export type ModelConfig = TrainConfig['model'];

/** The network settings an architecture trains with: text-tfidf takes its optimizer settings from `tfidf`. */
export function modelSettings(config: TrainConfig, architecture: string): ModelConfig {
  if (architecture !== 'text-tfidf') return config.model;
  const { learningRate, batchSize, epochs, earlyStopping, l2, classWeight } = config.tfidf;
  return { ...config.model, learningRate, batchSize, epochs, earlyStopping, l2, classWeight };
}

/** Parses a config object; `where` names its origin (a file) in the one-line error. */
export function parseTrainConfig(input: unknown, where = 'config'): TrainConfig {
  const parsed = trainConfigSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue.path.length ? issue.path.join('.') : '(root)';
    throw new InputError(`${where}: ${at}: ${issue.message}`);
  }
  return parsed.data;
}

/** Reads `--config FILE` (JSON) into a validated training config; errors name the file. */
export function readTrainConfig(file: string | undefined): TrainConfig {
  if (!file) return parseTrainConfig({});
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`--config ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  return parseTrainConfig(json, file);
}
