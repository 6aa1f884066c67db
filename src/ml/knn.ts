/**
 * Exact k-nearest-neighbour search (squared Euclidean) with a k-d tree over typed arrays: points
 * are row-major in one Float32Array, the tree is index arrays, and each query keeps a bounded
 * max-heap, so SMOTE's neighbour search stays fast at hundreds of thousands of rows.
 */
const LEAF = 24;

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

export function kNearestNeighbours(points: Float32Array, n: number, d: number, k: number): Int32Array {
  const kk = Math.min(k, n - 1);
  const out = new Int32Array(n * kk);
  if (kk <= 0) return out;
  const tree = buildTree(points, n, d);
  const s: Query = { q: 0, k: kk, size: 0, idx: new Int32Array(kk), dist: new Float64Array(kk), offsets: new Float64Array(d) };
  // Queries in tree order: consecutive queries are neighbours, so the caches stay warm.
  for (const q of tree.order) {
    s.q = q;
    s.size = 0;
    s.offsets.fill(0);
    search(tree, 0, points, d, s, 0);
    // Heap order is not needed by callers (SMOTE picks a neighbour at random).
    out.set(s.idx, q * kk);
  }
  return out;
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

/** Per-query scratch state: the bounded heap and the per-dimension offsets of the current cell. */
interface Query {
  q: number;
  k: number;
  size: number;
  idx: Int32Array;
  dist: Float64Array;
  offsets: Float64Array;
}

/**
 * Depth-first search, nearer child first. The far child is visited only when its cell can hold a
 * closer point: the bound is the squared distance from the query to the cell, kept incrementally
 * over all dimensions (Arya & Mount), which prunes far better than one splitting plane in 20-d.
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
  if (s.size < s.k || farDist < s.dist[0]) {
    s.offsets[dim] = diff;
    search(tree, far, points, d, s, farDist);
    s.offsets[dim] = old;
  }
}

function scanLeaf(tree: Tree, node: number, points: Float32Array, d: number, s: Query): void {
  const qo = s.q * d;
  for (let i = tree.start[node]; i < tree.end[node]; i++) {
    const p = tree.order[i];
    if (p === s.q) continue;
    const po = p * d;
    const bound = s.size < s.k ? Infinity : s.dist[0];
    let dist = 0;
    for (let j = 0; j < d && dist < bound; j++) {
      const diff = points[po + j] - points[qo + j];
      dist += diff * diff;
    }
    if (dist >= bound) continue;
    if (s.size < s.k) heapPush(s.idx, s.dist, s, p, dist);
    else heapReplaceTop(s.idx, s.dist, s.k, p, dist);
  }
}

function heapPush(idx: Int32Array, dist: Float64Array, s: { size: number }, p: number, dd: number): void {
  let i = s.size++;
  idx[i] = p;
  dist[i] = dd;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (dist[parent] >= dist[i]) break;
    swap(idx, dist, i, parent);
    i = parent;
  }
}

function heapReplaceTop(idx: Int32Array, dist: Float64Array, k: number, p: number, dd: number): void {
  idx[0] = p;
  dist[0] = dd;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let largest = i;
    if (l < k && dist[l] > dist[largest]) largest = l;
    if (r < k && dist[r] > dist[largest]) largest = r;
    if (largest === i) return;
    swap(idx, dist, i, largest);
    i = largest;
  }
}

function swap(idx: Int32Array, dist: Float64Array, a: number, b: number): void {
  const ti = idx[a];
  idx[a] = idx[b];
  idx[b] = ti;
  const td = dist[a];
  dist[a] = dist[b];
  dist[b] = td;
}
