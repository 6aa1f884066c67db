import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/ml/backend.js';
import { seededRandom } from '../../src/ml/random.js';

/**
 * The gradient kernels Trove registers for the WebAssembly backend, checked against tfjs's own
 * CPU implementations (which Trove leaves in place, apart from its slow segment sum).
 */

function values(n: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: n }, () => random() * 2 - 1);
}

async function on<T>(backend: string, run: () => T): Promise<T> {
  await tf.setBackend(backend);
  return run();
}

beforeAll(async () => {
  expect((await initBackend()).name).toBe('wasm');
});

afterAll(async () => {
  await tf.setBackend('wasm');
});

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

describe.each([
  { name: '3×3 same, stride 1', x: [2, 7, 5, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' as const },
  { name: '3×3 valid, stride 2', x: [2, 9, 8, 2], filter: [3, 3, 2, 5], strides: 2, pad: 'valid' as const },
  { name: '1×3 same (a 1-D text convolution)', x: [3, 1, 12, 6], filter: [1, 3, 6, 4], strides: 1, pad: 'same' as const },
  { name: '2×2 same, stride 2 (uneven padding)', x: [1, 5, 5, 3], filter: [2, 2, 3, 2], strides: 2, pad: 'same' as const },
])('a convolution ($name) gets the same gradients on WASM as on the CPU backend', ({ x: xShape, filter: filterShape, strides, pad }) => {
  const xValues = values(size(xShape), 1);
  const filterValues = values(size(filterShape), 2);
  const grads = () =>
    tf.tidy(() => {
      const x = tf.tensor4d(xValues, xShape as [number, number, number, number]);
      const filter = tf.tensor4d(filterValues, filterShape as [number, number, number, number]);
      const loss = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad).square().sum();
      return tf.grads(loss)([x, filter]).map((g) => g.dataSync());
    });

  test('for the input and for the filter', async () => {
    const expected = await on('cpu', grads);
    const actual = await on('wasm', grads);
    for (const [i, want] of expected.entries()) {
      expect(actual[i].length).toBe(want.length);
      for (let j = 0; j < want.length; j++) expect(actual[i][j]).toBeCloseTo(want[j], 4);
    }
  });
});

test('an embedding lookup gets its gradient on WASM: each row sums the gradients of the tokens that used it', async () => {
  await tf.setBackend('wasm');
  const vocabulary = 7;
  const ids = [0, 3, 3, 6, 1, 3, 0, 2];
  const upstream = values(ids.length * 4, 3);
  const grad = tf.tidy(() => {
    const table = tf.tensor2d(values(vocabulary * 4, 4), [vocabulary, 4]);
    const indices = tf.tensor1d(ids, 'int32');
    const dy = tf.tensor2d(upstream, [ids.length, 4]);
    return tf.grad((t: tf.Tensor) => tf.gather(t, indices).mul(dy).sum())(table).arraySync() as number[][];
  });
  const expected = Array.from({ length: vocabulary }, (_, row) =>
    [0, 1, 2, 3].map((d) => ids.reduce((sum, id, i) => (id === row ? sum + upstream[i * 4 + d] : sum), 0)),
  );
  grad.forEach((row, r) => row.forEach((v, d) => expect(v).toBeCloseTo(expected[r][d], 5)));
});

test('segment ids outside the range are dropped, as TensorFlow does', async () => {
  await tf.setBackend('wasm');
  const out = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]), tf.tensor1d([1, -1, 5], 'int32'), 2).arraySync());
  expect(out).toEqual([[0, 0], [1, 2]]);
});
