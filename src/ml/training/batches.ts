import * as tf from '@tensorflow/tfjs';
import type { EncodedRows } from '../preprocess/pipeline.js';
import { densify } from '../preprocess/sparse-rows.js';
import { seededRandom, shuffleInPlace } from '../random.js';

/** Batch size of prediction: the dense block of a TF-IDF batch is rows × vocabulary. */
const PREDICT_BATCH = 256;

/** The model inputs of rows `rows` of `x`, in the order `buildModel` declares them; TF-IDF rows become dense here only. */
export function batchInputs(x: EncodedRows, rows: ArrayLike<number>): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  const n = rows.length;
  if (x.denseWidth > 0) out.push(tf.tensor2d(gather(x.dense, x.denseWidth, rows), [n, x.denseWidth]));
  if (x.tokens && x.sequenceLength > 0) out.push(tf.tensor2d(gatherInts(x.tokens, x.sequenceLength, rows), [n, x.sequenceLength], 'int32'));
  if (x.sparse) out.push(tf.tensor2d(densify(x.sparse, rows), [n, x.sparse.width]));
  return out;
}

function gather(values: Float32Array, width: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * width);
  for (let r = 0; r < rows.length; r++) out.set(values.subarray(rows[r] * width, rows[r] * width + width), r * width);
  return out;
}

function gatherInts(values: Int32Array, width: number, rows: ArrayLike<number>): Int32Array {
  const out = new Int32Array(rows.length * width);
  for (let r = 0; r < rows.length; r++) out.set(values.subarray(rows[r] * width, rows[r] * width + width), r * width);
  return out;
}

function range(from: number, to: number): Int32Array {
  return Int32Array.from({ length: to - from }, (_, i) => from + i);
}

/**
 * Probabilities [n × classes] of encoded rows, predicted a batch at a time: per class (summing to
 * 1), or per label for a multi-label model. A binary model outputs P(class 1) alone.
 */
export async function predictRows(model: tf.LayersModel, x: EncodedRows, classes: number, multiLabel: boolean): Promise<Float32Array> {
  const out = new Float32Array(x.n * classes);
  for (let start = 0; start < x.n; start += PREDICT_BATCH) {
    const rows = range(start, Math.min(x.n, start + PREDICT_BATCH));
    const inputs = batchInputs(x, rows);
    const probs = tf.tidy(() => {
      const y = model.predict(inputs.length === 1 ? inputs[0] : inputs) as tf.Tensor;
      return classes === 2 && !multiLabel ? tf.concat([tf.sub(1, y), y], 1) : y;
    });
    out.set((await probs.data()) as Float32Array, start * classes);
    probs.dispose();
    inputs.forEach((t) => t.dispose());
  }
  return out;
}

/** Targets as the network's output layer has them: P(class 1), one-hot classes, or the 0/1 label matrix. */
export function targetBatch(y: Int32Array | Float32Array, classes: number, rows: ArrayLike<number>): tf.Tensor {
  if (y instanceof Float32Array) return tf.tensor2d(gather(y, classes, rows), [rows.length, classes]);
  const picked = Int32Array.from(rows as ArrayLike<number>, (r) => y[r]);
  return classes === 2 ? tf.tensor2d(Float32Array.from(picked), [rows.length, 1]) : tf.tidy(() => tf.oneHot(tf.tensor1d(picked, 'int32'), classes));
}

/**
 * Batches of (inputs, targets) built when asked for, so a sparse TF-IDF set is never dense as a
 * whole; `shuffleSeed` reshuffles the row order on every pass (one pass per epoch).
 */
export function batchDataset(x: EncodedRows, y: Int32Array | Float32Array, classes: number, batchSize: number, shuffleSeed: number | null): tf.data.Dataset<tf.TensorContainer> {
  const random = shuffleSeed === null ? null : seededRandom(shuffleSeed);
  return tf.data.generator(function* () {
    const order = Array.from({ length: x.n }, (_, i) => i);
    if (random) shuffleInPlace(order, random);
    for (let start = 0; start < order.length; start += batchSize) {
      const rows = order.slice(start, start + batchSize);
      const xs = batchInputs(x, rows);
      yield { xs: xs.length === 1 ? xs[0] : xs, ys: targetBatch(y, classes, rows) };
    }
  });
}
