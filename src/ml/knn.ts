/**
 * Exact k-nearest-neighbour search of every point against all the others (squared Euclidean), for
 * SMOTE. Distances are summed feature by feature in order, exactly as a brute-force search would,
 * and every pruning bound is conservative, so the result is the brute-force result, ties included:
 * each row's neighbours come nearest first, equal distances by lower row index.
 *
 * Two strategies, because neither wins everywhere: a k-d tree prunes well only while the rows far
 * outnumber the 2^d cells a split on every feature makes, and degrades to brute force on many
 * independent features; there the cluster search (triangle-inequality bounds over compact
 * clusters) skips everything but the query's own region of the data.
 */
import { clusterSearch } from './knn-clusters.js';
import { kdTreeSearch } from './knn-kdtree.js';

/** Rows per k-d tree cell below which the tree is still the faster search (measured: 5 features at 100,000 rows yes, 10 no). */
const ROWS_PER_KD_CELL = 256;

export function kNearestNeighbours(points: Float32Array, n: number, d: number, k: number): Int32Array {
  const kk = Math.min(k, n - 1);
  const out = new Int32Array(Math.max(0, n * kk));
  if (kk <= 0) return out;
  if (n >= ROWS_PER_KD_CELL * 2 ** d) kdTreeSearch(points, n, d, kk, out);
  else clusterSearch(points, n, d, kk, out);
  return out;
}
