/**
 * The exact all-points k-NN for many features (see knn.ts): a k-d tree degrades to brute force on
 * 20 independent features, so this search prunes with the triangle inequality over the clusters of
 * knn-partition.ts instead. Each cluster is first compared with itself, which gives tight k-th
 * distances, then with the other clusters, nearest pair of centres first, skipping every pair of
 * clusters — and within a pair every member — the bounds rule out.
 */
import { NeighbourHeaps } from './knn-heaps.js';
import { partitionPoints, squaredBetweenCentres, squaredToCentre, type Partition } from './knn-partition.js';

/**
 * Relative slack on the triangle-inequality bounds: they are computed in floating point, and a
 * bound that rounds a hair too high would drop a true neighbour. 1e-9 is far above double-precision
 * error over a few dozen terms and far below any distance that matters.
 */
const SLACK = 1e-9;

/** `k` neighbours of each of the `n` rows, written row by row into `out` (k ≤ n - 1). */
export function clusterSearch(points: Float32Array, n: number, d: number, k: number, out: Int32Array): void {
  const partition = partitionPoints(points, n, d);
  const heaps = new NeighbourHeaps(n, k);
  const search = new BlockSearch(partition, heaps);
  // Own clusters first: they hold most true neighbours, so the k-th distances are tight before
  // the cross-cluster blocks, which are then taken nearest pair of centres first.
  for (let c = 0; c < partition.clusters; c++) search.block(c, c);
  for (const [a, b] of clusterPairsByDistance(partition)) search.block(a, b);
  for (let pos = 0; pos < n; pos++) heaps.writeSorted(pos, out, partition.ids[pos] * k);
}

/**
 * Compares the members of two clusters (or of one cluster with itself) once per pair of points and
 * offers each distance to both points' heaps, so every distance is computed at most once.
 */
class BlockSearch {
  /** Per cluster, an upper bound on its members' current k-th distances (they only shrink). */
  private readonly reach: Float64Array;
  private readonly toOtherCentreA: Float64Array;
  private readonly toOtherCentreB: Float64Array;
  private readonly candidates: Int32Array;

  constructor(
    private readonly part: Partition,
    private readonly heaps: NeighbourHeaps,
  ) {
    this.reach = new Float64Array(part.clusters).fill(Infinity);
    let largest = 0;
    for (let c = 0; c < part.clusters; c++) largest = Math.max(largest, part.start[c + 1] - part.start[c]);
    this.toOtherCentreA = new Float64Array(largest);
    this.toOtherCentreB = new Float64Array(largest);
    this.candidates = new Int32Array(largest);
  }

  block(a: number, b: number): void {
    const { part, heaps } = this;
    const { start, toCentre, radius } = part;
    const self = a === b;
    if (!self) {
      const between = centreDistance(part, a, b);
      const reach = Math.max(this.reach[a], this.reach[b]);
      if (between - radius[a] - radius[b] > reach + SLACK * (between + radius[a] + radius[b] + reach)) return;
    }
    const toB = self ? toCentre.subarray(start[a]) : this.distancesToCentre(a, b, this.toOtherCentreA);
    const toA = self ? toCentre.subarray(start[b]) : this.distancesToCentre(b, a, this.toOtherCentreB);
    for (let q = start[a]; q < start[a + 1]; q++) {
      const qToB = toB[q - start[a]];
      const qToA = toCentre[q];
      const qReach = heaps.radius[q];
      // Triangle inequality on each side: |d(q, c_b) − d(p, c_b)| ≤ d(q, p), and the same from p's side.
      const qWantsB = self || qToB - radius[b] <= qReach + SLACK * (qToB + radius[b] + qReach);
      const first = self ? q + 1 : start[b];
      const end = start[b + 1];
      let count = 0;
      if (qWantsB) {
        // Members come farthest from b's centre first, so the ones q can reach are one contiguous run.
        const slack = SLACK * (qToB + radius[b] + qReach);
        const upper = qToB + qReach + slack;
        const lower = qToB - qReach - slack;
        let lo = first;
        while (lo < end && toCentre[lo] > upper) lo++;
        let hi = end;
        while (hi > lo && toCentre[hi - 1] < lower) hi--;
        count = this.addWantedByMembers(qToA, first, lo, toA, start[b], count);
        for (let p = lo; p < hi; p++) this.candidates[count++] = p;
        count = this.addWantedByMembers(qToA, hi, end, toA, start[b], count);
      } else {
        count = this.addWantedByMembers(qToA, first, end, toA, start[b], count);
      }
      this.compare(q, count);
    }
    this.reach[a] = this.clusterReach(a);
    this.reach[b] = this.clusterReach(b);
  }

  /** Adds the members in from .. to - 1 whose own reach could include q (distance to a's centre within it of q's). */
  private addWantedByMembers(qToA: number, from: number, to: number, toA: Float64Array, bStart: number, count: number): number {
    const { radius } = this.heaps;
    let added = count;
    for (let p = from; p < to; p++) {
      const pToA = toA[p - bStart];
      if (Math.abs(pToA - qToA) - radius[p] <= SLACK * (pToA + qToA + radius[p])) this.candidates[added++] = p;
    }
    return added;
  }

  private distancesToCentre(a: number, b: number, into: Float64Array): Float64Array {
    const { start, coords, centres, d } = this.part;
    for (let q = start[a]; q < start[a + 1]; q++) into[q - start[a]] = Math.sqrt(squaredToCentre(coords, q * d, centres, b * d, d));
    return into;
  }

  private clusterReach(c: number): number {
    let reach = 0;
    for (let q = this.part.start[c]; q < this.part.start[c + 1]; q++) reach = Math.max(reach, this.heaps.radius[q]);
    return reach;
  }

  /**
   * Distances from q to the first `count` candidates, four at a time: four independent sums keep
   * the CPU's floating-point units busy where one running sum would wait on each addition. Each
   * sum still runs over the features in order, as brute force would, and a group stops early only
   * once all four have passed both heaps' k-th distances.
   */
  private compare(q: number, count: number): void {
    const { coords, d } = this.part;
    const { worst } = this.heaps;
    const c = this.candidates;
    const qo = q * d;
    let i = 0;
    for (; i + 4 <= count; i += 4) {
      const p0 = c[i], p1 = c[i + 1], p2 = c[i + 2], p3 = c[i + 3];
      const o0 = p0 * d, o1 = p1 * d, o2 = p2 * d, o3 = p3 * d;
      const wq = worst[q];
      const b0 = Math.max(wq, worst[p0]), b1 = Math.max(wq, worst[p1]), b2 = Math.max(wq, worst[p2]), b3 = Math.max(wq, worst[p3]);
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let j = 0;
      while (j < d) {
        const stop = Math.min(j + 4, d);
        for (; j < stop; j++) {
          const x = coords[qo + j];
          const t0 = coords[o0 + j] - x, t1 = coords[o1 + j] - x, t2 = coords[o2 + j] - x, t3 = coords[o3 + j] - x;
          s0 += t0 * t0;
          s1 += t1 * t1;
          s2 += t2 * t2;
          s3 += t3 * t3;
        }
        if (s0 > b0 && s1 > b1 && s2 > b2 && s3 > b3) break;
      }
      if (j < d) continue;
      this.offerBoth(q, p0, s0);
      this.offerBoth(q, p1, s1);
      this.offerBoth(q, p2, s2);
      this.offerBoth(q, p3, s3);
    }
    for (; i < count; i++) {
      const p = c[i];
      const po = p * d;
      const bound = Math.max(worst[q], worst[p]);
      let s = 0;
      for (let j = 0; j < d && s <= bound; j++) {
        const t = coords[po + j] - coords[qo + j];
        s += t * t;
      }
      this.offerBoth(q, p, s);
    }
  }

  private offerBoth(q: number, p: number, s: number): void {
    const { heaps } = this;
    if (s <= heaps.worst[q]) heaps.offer(q, this.part.ids[p], s);
    if (s <= heaps.worst[p]) heaps.offer(p, this.part.ids[q], s);
  }
}

function clusterPairsByDistance(part: Partition): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  const distance: number[] = [];
  for (let a = 0; a < part.clusters; a++) {
    for (let b = a + 1; b < part.clusters; b++) {
      pairs.push([a, b]);
      distance.push(centreDistance(part, a, b));
    }
  }
  const order = Array.from(pairs, (_, i) => i).sort((x, y) => distance[x] - distance[y]);
  return order.map((i) => pairs[i]);
}

function centreDistance(part: Partition, a: number, b: number): number {
  return Math.sqrt(squaredBetweenCentres(part.centres, a * part.d, b * part.d, part.d));
}
