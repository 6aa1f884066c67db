/**
 * The exact all-points k-NN for few features (see knn.ts): a k-d tree over typed arrays. Points stay
 * row-major in one Float32Array and the tree is index arrays; queries run in tree order, so
 * consecutive queries are neighbours and the caches stay warm.
 */
import { NeighbourHeaps } from './knn-heaps.js';

const LEAF = 24;

/**
 * Relative slack on the cell bound, which is kept incrementally in floating point: a bound that
 * rounds a hair too high would skip a cell holding a true (or equally distant, lower-index) neighbour.
 */
const SLACK = 1e-9;

interface Tree {
  order: Int32Array;
  /** Per node: start, end in `order`, split dimension (-1 for a leaf), split value, children. */
  start: Int32Array;
  end: Int32Array;
  dim: Int32Array;
  value: Float32Array;
  left: Int32Array;
  right: Int32Array;
}

/** Per-query state: the query row and the per-dimension offsets of the current cell from it. */
interface Query {
  q: number;
  offsets: Float64Array;
  heaps: NeighbourHeaps;
}

/** `k` neighbours of each of the `n` rows, written row by row into `out` (k ≤ n - 1). */
export function kdTreeSearch(points: Float32Array, n: number, d: number, k: number, out: Int32Array): void {
  const tree = buildTree(points, n, d);
  const heaps = new NeighbourHeaps(n, k);
  const s: Query = { q: 0, offsets: new Float64Array(d), heaps };
  for (const q of tree.order) {
    s.q = q;
    s.offsets.fill(0);
    search(tree, 0, points, d, s, 0);
  }
  for (let q = 0; q < n; q++) heaps.writeSorted(q, out, q * k);
}

function buildTree(points: Float32Array, n: number, d: number): Tree {
  const maxNodes = 2 * Math.ceil(n / (LEAF / 2)) + 1;
  const tree: Tree = {
    order: Int32Array.from({ length: n }, (_, i) => i),
    start: new Int32Array(maxNodes),
    end: new Int32Array(maxNodes),
    dim: new Int32Array(maxNodes),
    value: new Float32Array(maxNodes),
    left: new Int32Array(maxNodes),
    right: new Int32Array(maxNodes),
  };
  let count = 0;
  const build = (start: number, end: number): number => {
    const node = count++;
    tree.start[node] = start;
    tree.end[node] = end;
    if (end - start <= LEAF) {
      tree.dim[node] = -1;
      return node;
    }
    const dim = widestDimension(points, tree.order, start, end, d);
    const mid = (start + end) >> 1;
    select(points, tree.order, start, end - 1, mid, dim, d);
    tree.dim[node] = dim;
    tree.value[node] = points[tree.order[mid] * d + dim];
    tree.left[node] = build(start, mid);
    tree.right[node] = build(mid, end);
    return node;
  };
  build(0, n);
  return tree;
}

function widestDimension(points: Float32Array, order: Int32Array, start: number, end: number, d: number): number {
  let best = 0;
  let bestSpread = -1;
  for (let j = 0; j < d; j++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = start; i < end; i++) {
      const v = points[order[i] * d + j];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (hi - lo > bestSpread) {
      bestSpread = hi - lo;
      best = j;
    }
  }
  return best;
}

/** Quickselect: puts the element of rank `kth` (by coordinate `dim`) at `kth`, smaller ones before. */
function select(points: Float32Array, order: Int32Array, lo: number, hi: number, kth: number, dim: number, d: number): void {
  while (hi > lo) {
    const pivot = points[order[(lo + hi) >> 1] * d + dim];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (points[order[i] * d + dim] < pivot) i++;
      while (points[order[j] * d + dim] > pivot) j--;
      if (i <= j) {
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
        i++;
        j--;
      }
    }
    if (kth <= j) hi = j;
    else if (kth >= i) lo = i;
    else return;
  }
}

/**
 * Depth-first search, nearer child first. The far child is visited only when its cell can hold a
 * point as close as the current k-th: the bound is the squared distance from the query to the cell,
 * kept incrementally over all dimensions (Arya & Mount), which prunes far better than one splitting
 * plane.
 */
function search(tree: Tree, node: number, points: Float32Array, d: number, s: Query, cellDist: number): void {
  const dim = tree.dim[node];
  if (dim === -1) {
    scanLeaf(tree, node, points, d, s);
    return;
  }
  const diff = points[s.q * d + dim] - tree.value[node];
  const near = diff < 0 ? tree.left[node] : tree.right[node];
  const far = diff < 0 ? tree.right[node] : tree.left[node];
  search(tree, near, points, d, s, cellDist);
  const old = s.offsets[dim];
  const farDist = cellDist - old * old + diff * diff;
  if (farDist <= s.heaps.worst[s.q] * (1 + SLACK)) {
    s.offsets[dim] = diff;
    search(tree, far, points, d, s, farDist);
    s.offsets[dim] = old;
  }
}

function scanLeaf(tree: Tree, node: number, points: Float32Array, d: number, s: Query): void {
  const { q, heaps } = s;
  const qo = q * d;
  for (let i = tree.start[node]; i < tree.end[node]; i++) {
    const p = tree.order[i];
    if (p === q) continue;
    const po = p * d;
    const bound = heaps.worst[q];
    let dist = 0;
    // Partial sums only grow, so once past the current k-th distance this point cannot get in.
    for (let j = 0; j < d && dist <= bound; j++) {
      const diff = points[po + j] - points[qo + j];
      dist += diff * diff;
    }
    if (dist <= bound) heaps.offer(q, p, dist);
  }
}
