import * as tf from '@tensorflow/tfjs';

/**
 * Kernels that backpropagation needs and tfjs's pure backends lack or run slowly:
 * - `UnsortedSegmentSum`, the gradient of an embedding lookup (Gather): tfjs-backend-wasm has
 *   none, and the CPU backend's compares every row against every segment (vocabulary × tokens ×
 *   width per batch), which is what made a text fit on it take many minutes;
 * - `Conv2DBackpropFilter`, the gradient of a convolution's weights (cnn, text-conv):
 *   tfjs-backend-wasm has none;
 * - `Conv2DBackpropInput`, the gradient of a convolution's input: tfjs-backend-wasm's is a plain
 *   loop several times slower than the forward convolution.
 * The segment sum is one pass over its input; the two convolution gradients are one matrix product
 * each on the backend (its untransposed form: the transposed ones are much slower on WASM), with
 * the input rearranged into patches around it.
 */

type KernelArgs = Parameters<tf.KernelFunc>[0];

interface TensorData {
  readSync(dataId: tf.DataId): unknown;
  write(values: Float32Array | Int32Array, shape: number[], dtype: tf.DataType): tf.DataId;
  disposeData(dataId: tf.DataId): void;
}

type Conv2DInfo = tf.backend_util.Conv2DInfo;

const backendData = (backend: unknown): TensorData => backend as TensorData;

function inputOf(inputs: KernelArgs['inputs'], name: string, kernel: string): tf.TensorInfo {
  const tensor = inputs[name];
  if (!tensor) throw new Error(`${kernel}: input "${name}" is missing`);
  return tensor;
}

function written(data: TensorData, values: Float32Array | Int32Array, shape: number[], dtype: tf.DataType): tf.TensorInfo {
  return { dataId: data.write(values, shape, dtype), shape, dtype };
}

/**
 * out[s] = Σ x[i] over the rows i whose segment id is s; ids outside [0, numSegments) are
 * dropped, as TensorFlow does. `segmentIds` covers x's leading dimensions.
 */
function unsortedSegmentSum({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo {
  const data = backendData(backend);
  const x = inputOf(inputs, 'x', tf.UnsortedSegmentSum);
  const segmentIds = inputOf(inputs, 'segmentIds', tf.UnsortedSegmentSum);
  const numSegments = (attrs as unknown as tf.UnsortedSegmentSumAttrs).numSegments;
  const values = data.readSync(x.dataId) as Float32Array | Int32Array;
  const ids = data.readSync(segmentIds.dataId) as Int32Array;
  const width = ids.length === 0 ? 0 : values.length / ids.length;
  const out = x.dtype === 'int32' ? new Int32Array(numSegments * width) : new Float32Array(numSegments * width);
  for (let i = 0; i < ids.length; i++) {
    const segment = ids[i];
    if (segment < 0 || segment >= numSegments) continue;
    const from = i * width;
    const to = segment * width;
    for (let j = 0; j < width; j++) out[to + j] += values[from + j];
  }
  return written(data, out, [numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
}

/** The backend's own matrix product a · b (2-D, untransposed). */
function matMul(backend: KernelArgs['backend'], a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  return tf.getKernel(tf.BatchMatMul, tf.getBackend()).kernelFunc({ inputs: { a, b }, attrs: { transposeA: false, transposeB: false }, backend }) as tf.TensorInfo;
}

/**
 * Calls `visit(position, tap, inputOffset)` for every output position, every filter tap (filter
 * row × column) and the offset of the NHWC input pixel under that tap; taps in the padding are
 * skipped. Dilations are 1: tfjs's own conv gradient refuses others.
 */
function eachTap(info: Conv2DInfo, visit: (position: number, tap: number, inputOffset: number) => void): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  let position = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++, position++) {
        for (let fy = 0; fy < filterHeight; fy++) {
          const iy = oy * strideHeight + fy - top;
          if (iy < 0 || iy >= inHeight) continue;
          for (let fx = 0; fx < filterWidth; fx++) {
            const ix = ox * strideWidth + fx - left;
            if (ix >= 0 && ix < inWidth) visit(position, fy * filterWidth + fx, ((b * inHeight + iy) * inWidth + ix) * inChannels);
          }
        }
      }
    }
  }
}

function convInfo(kernel: string, inputShape: number[], attrs: tf.Conv2DBackpropFilterAttrs | tf.Conv2DBackpropInputAttrs, filterShape: [number, number, number, number]): Conv2DInfo {
  if (attrs.dataFormat !== 'NHWC') throw new Error(`${kernel}: data format ${attrs.dataFormat} is not supported (NHWC only)`);
  return tf.backend_util.computeConv2DInfo(inputShape as [number, number, number, number], filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
}

/**
 * The filter gradient: patches · dy, where column p of `patches` (taps·inChannels × positions)
 * holds the input under every filter tap at output position p (zero in the padding) and dy is
 * read as positions × outChannels; the product is the filter's [taps·inChannels × outChannels].
 */
function conv2dBackpropFilter({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo {
  const data = backendData(backend);
  const x = inputOf(inputs, 'x', tf.Conv2DBackpropFilter);
  const dy = inputOf(inputs, 'dy', tf.Conv2DBackpropFilter);
  const filterAttrs = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const info = convInfo(tf.Conv2DBackpropFilter, x.shape, filterAttrs, filterAttrs.filterShape);
  const input = data.readSync(x.dataId) as Float32Array;
  const positions = info.batchSize * info.outHeight * info.outWidth;
  const channels = info.inChannels;
  const rows = info.filterHeight * info.filterWidth * channels;
  const patches = new Float32Array(rows * positions);
  eachTap(info, (position, tap, from) => {
    for (let c = 0, to = tap * channels * positions + position; c < channels; c++, to += positions) patches[to] = input[from + c];
  });
  const a = written(data, patches, [rows, positions], 'float32');
  try {
    const product = matMul(backend, a, { dataId: dy.dataId, shape: [positions, info.outChannels], dtype: dy.dtype });
    return { dataId: product.dataId, shape: [...filterAttrs.filterShape], dtype: 'float32' };
  } finally {
    data.disposeData(a.dataId);
  }
}

/**
 * The input gradient: dy · filterᵀ gives, for every output position, the gradient of each input
 * value under each tap (positions × taps·inChannels); each is added back onto its input pixel.
 */
function conv2dBackpropInput({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo {
  const data = backendData(backend);
  const dy = inputOf(inputs, 'dy', tf.Conv2DBackpropInput);
  const filter = inputOf(inputs, 'filter', tf.Conv2DBackpropInput);
  const inputAttrs = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const filterShape = filter.shape as [number, number, number, number];
  const info = convInfo(tf.Conv2DBackpropInput, inputAttrs.inputShape, inputAttrs, filterShape);
  const weights = data.readSync(filter.dataId) as Float32Array;
  const channels = info.inChannels;
  const rows = info.filterHeight * info.filterWidth * channels;
  const outChannels = info.outChannels;
  const transposed = new Float32Array(rows * outChannels);
  for (let r = 0; r < rows; r++) for (let o = 0; o < outChannels; o++) transposed[o * rows + r] = weights[r * outChannels + o];
  const positions = info.batchSize * info.outHeight * info.outWidth;
  const b = written(data, transposed, [outChannels, rows], 'float32');
  let perTap: Float32Array;
  try {
    const product = matMul(backend, { dataId: dy.dataId, shape: [positions, outChannels], dtype: dy.dtype }, b);
    perTap = data.readSync(product.dataId) as Float32Array;
    data.disposeData(product.dataId);
  } finally {
    data.disposeData(b.dataId);
  }
  const dx = new Float32Array(inputAttrs.inputShape.reduce((n, d) => n * d, 1));
  eachTap(info, (position, tap, to) => {
    const from = position * rows + tap * channels;
    for (let c = 0; c < channels; c++) dx[to + c] += perTap[from + c];
  });
  return written(data, dx, [...inputAttrs.inputShape], 'float32');
}

const KERNELS: Record<string, tf.KernelFunc> = {
  [tf.UnsortedSegmentSum]: unsortedSegmentSum as tf.KernelFunc,
  [tf.Conv2DBackpropFilter]: conv2dBackpropFilter as tf.KernelFunc,
  [tf.Conv2DBackpropInput]: conv2dBackpropInput as tf.KernelFunc,
};

/** Which kernels each backend gets from here. */
const REPLACED: Record<string, string[]> = {
  wasm: [tf.UnsortedSegmentSum, tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput],
  cpu: [tf.UnsortedSegmentSum],
};

/** Registers this module's kernels for `backendName` (once; other backends are left as they are). */
export function registerGradientKernels(backendName: string): void {
  for (const kernelName of REPLACED[backendName] ?? []) {
    const current = tf.getKernel(kernelName, backendName);
    if (current?.kernelFunc === KERNELS[kernelName]) continue;
    if (current) tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel({ kernelName, backendName, kernelFunc: KERNELS[kernelName] });
  }
}
