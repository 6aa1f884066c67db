import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.js';

export type Task = 'binary' | 'multiclass' | 'multilabel';
export type Architecture = 'mlp' | 'cnn' | 'text-tfidf' | 'text-pool' | 'text-conv';

export interface ModelShape {
  denseWidth: number;
  sequenceLength: number;
  vocabularySize: number;
  /** Columns of the TF-IDF input, fed dense one batch at a time (0: none). */
  sparseWidth: number;
  classes: number;
  /** Every label is its own yes/no question (sigmoid outputs) instead of one choice among them. */
  multiLabel: boolean;
  /** Side of the square image the dense vector is, when it is one (CNN). */
  imageSide: number | null;
}

/** The architecture the config asks for, or the one that fits the inputs. */
export function chooseArchitecture(config: ModelConfig, shape: ModelShape, hasPixels: boolean): Architecture {
  if (config.architecture !== 'auto') return config.architecture;
  if (shape.sparseWidth > 0) return 'text-tfidf';
  if (shape.sequenceLength > 0) return 'text-pool';
  if (hasPixels && shape.imageSide !== null) return 'cnn';
  return 'mlp';
}

export function taskOf(shape: Pick<ModelShape, 'classes' | 'multiLabel'>): Task {
  if (shape.multiLabel) return 'multilabel';
  return shape.classes === 2 ? 'binary' : 'multiclass';
}

/**
 * The learning rate when the config sets none: Adam's usual 0.001 for the dense networks (at the
 * old 0.01 the default MLP fell short of scikit-learn on digits), 0.01 for the text models, whose
 * embeddings learn too little at 0.001 in the few epochs small text sets stop after.
 */
export function learningRateOf(config: Pick<ModelConfig, 'learningRate'>, architecture: Architecture): number {
  return config.learningRate ?? (architecture === 'mlp' || architecture === 'cnn' ? 0.001 : 0.01);
}

/**
 * Builds and compiles the network: a text branch (embedding, then average pooling or a 1-D
 * convolution), a TF-IDF input and/or a dense branch (read as a square image for the CNN), then
 * the hidden layers (dropout, L2; text-tfidf has at most one, `textHidden`) and an output layer
 * and loss that fit the task. Every initializer is seeded.
 */
export function buildModel(shape: ModelShape, architecture: Architecture, config: ModelConfig, seed: number): tf.LayersModel {
  let s = seed;
  const init = () => tf.initializers.glorotUniform({ seed: s++ });
  const regularizer = config.l2 > 0 ? tf.regularizers.l2({ l2: config.l2 }) : undefined;
  const inputs: tf.SymbolicTensor[] = [];
  const branches: tf.SymbolicTensor[] = [];

  if (shape.denseWidth > 0) {
    const dense = tf.input({ shape: [shape.denseWidth], name: 'dense' });
    inputs.push(dense);
    if (architecture === 'cnn') {
      if (shape.imageSide === null) throw new Error('cnn needs a square image input');
      const side = shape.imageSide;
      let x = tf.layers.reshape({ targetShape: [side, side, 1] }).apply(dense) as tf.SymbolicTensor;
      x = tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init() }).apply(x) as tf.SymbolicTensor;
      if (side >= 8) x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init() }).apply(x) as tf.SymbolicTensor;
      if (side >= 16) x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
      branches.push(tf.layers.flatten().apply(x) as tf.SymbolicTensor);
    } else branches.push(dense);
  }
  if (shape.sequenceLength > 0) {
    const tokens = tf.input({ shape: [shape.sequenceLength], name: 'tokens', dtype: 'int32' });
    inputs.push(tokens);
    let x = tf.layers
      .embedding({ inputDim: shape.vocabularySize, outputDim: config.embeddingDim, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: s++ }) })
      .apply(tokens) as tf.SymbolicTensor;
    if (architecture === 'text-conv') {
      x = tf.layers.conv1d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init() }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.globalMaxPooling1d({}).apply(x) as tf.SymbolicTensor;
    } else x = tf.layers.globalAveragePooling1d({}).apply(x) as tf.SymbolicTensor;
    branches.push(x);
  }
  if (shape.sparseWidth > 0) {
    const tfidf = tf.input({ shape: [shape.sparseWidth], name: 'tfidf' });
    inputs.push(tfidf);
    branches.push(tfidf);
  }

  let x = branches.length > 1 ? (tf.layers.concatenate().apply(branches) as tf.SymbolicTensor) : branches[0];
  const hidden = architecture === 'text-tfidf' ? (config.textHidden > 0 ? [config.textHidden] : []) : config.layers;
  for (const units of hidden) {
    x = tf.layers.dense({ units, activation: 'relu', kernelInitializer: init(), kernelRegularizer: regularizer }).apply(x) as tf.SymbolicTensor;
    if (config.dropout > 0) x = tf.layers.dropout({ rate: config.dropout }).apply(x) as tf.SymbolicTensor;
  }
  const task = taskOf(shape);
  const sigmoid = task !== 'multiclass';
  const output = tf.layers
    .dense({
      units: task === 'binary' ? 1 : shape.classes, activation: sigmoid ? 'sigmoid' : 'softmax', kernelInitializer: init(), name: 'output',
      // A linear text-tfidf model is this layer alone, so the L2 penalty has to reach it.
      kernelRegularizer: architecture === 'text-tfidf' && hidden.length === 0 ? regularizer : undefined,
    })
    .apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs, outputs: output });
  const rate = learningRateOf(config, architecture);
  const optimizer = config.optimizer === 'sgd' ? tf.train.sgd(rate) : tf.train.adam(rate);
  model.compile({ optimizer, loss: sigmoid ? 'binaryCrossentropy' : 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** Model inputs for encoded rows, in the order `buildModel` declared them. */
export function inputTensors(dense: Float32Array, denseWidth: number, tokens: Int32Array | null, sequenceLength: number, n: number): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  if (denseWidth > 0) out.push(tf.tensor2d(dense, [n, denseWidth]));
  if (tokens && sequenceLength > 0) out.push(tf.tensor2d(tokens, [n, sequenceLength], 'int32'));
  return out;
}
