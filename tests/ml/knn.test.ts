import { kNearestNeighbours } from '../../src/ml/knn.js';
import { seededRandom, type Random } from '../../src/ml/random.js';

/** Every row's k nearest other rows, nearest first, equal distances by lower row index. */
function bruteForce(points: Float32Array, n: number, d: number, k: number): number[][] {
  return Array.from({ length: n }, (_, q) => {
    const byDistance: Array<{ p: number; s: number }> = [];
    for (let p = 0; p < n; p++) {
      if (p === q) continue;
      let s = 0;
      for (let j = 0; j < d; j++) {
        const t = points[p * d + j] - points[q * d + j];
        s += t * t;
      }
      byDistance.push({ p, s });
    }
    return byDistance.sort((a, b) => a.s - b.s || a.p - b.p).slice(0, k).map((x) => x.p);
  });
}

function rowsOf(found: Int32Array, n: number, k: number): number[][] {
  return Array.from({ length: n }, (_, q) => Array.from(found.subarray(q * k, q * k + k)));
}

/** Gaussian-like blobs around a few centres, every feature independent noise: the shape SMOTE meets. */
function blobs(n: number, d: number, random: Random): Float32Array {
  const centres = Array.from({ length: 6 }, () => Array.from({ length: d }, () => random() * 10));
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = centres[Math.floor(random() * centres.length)];
    for (let j = 0; j < d; j++) out[i * d + j] = c[j] + random() + random() - 1;
  }
  return out;
}

test('on many features, every row gets exactly the neighbours a brute-force search finds', () => {
  const [n, d] = [1500, 12];
  const points = blobs(n, d, seededRandom(5));
  expect(rowsOf(kNearestNeighbours(points, n, d, 5), n, 5)).toEqual(bruteForce(points, n, d, 5));
});

test('on few features, every row gets exactly the neighbours a brute-force search finds', () => {
  const random = seededRandom(6);
  const [n, d] = [3000, 2];
  const points = Float32Array.from({ length: n * d }, () => random());
  expect(rowsOf(kNearestNeighbours(points, n, d, 5), n, 5)).toEqual(bruteForce(points, n, d, 5));
});

test('equal distances go to the lower row index, and duplicate rows are neighbours at distance zero', () => {
  const random = seededRandom(7);
  for (const d of [2, 8]) {
    const n = 1200;
    // Coordinates on a small integer grid make many exactly equal distances; repeating earlier rows makes duplicates.
    const points = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      if (i > 0 && random() < 0.2) points.copyWithin(i * d, Math.floor(random() * i) * d, Math.floor(random() * i) * d + d);
      else for (let j = 0; j < d; j++) points[i * d + j] = Math.floor(random() * 4);
    }
    expect(rowsOf(kNearestNeighbours(points, n, d, 5), n, 5)).toEqual(bruteForce(points, n, d, 5));
  }
});

test('asking for more neighbours than there are other rows gives every other row', () => {
  const points = Float32Array.from([0, 0, 3, 0, 1, 0]);
  expect(rowsOf(kNearestNeighbours(points, 3, 2, 5), 3, 2)).toEqual([[2, 1], [2, 0], [0, 1]]);
});
