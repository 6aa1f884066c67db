/**
 * Splits points into compact clusters for the exact neighbour search in knn.ts: about √n centres
 * drawn from the points themselves, every point assigned to its nearest centre, and each cluster
 * stored contiguously with its radius and every member's distance to the centre. Those distances
 * are what the search's triangle-inequality bounds are made of; the clusters need not be good
 * k-means clusters, only tight enough that most of them are provably too far from a query.
 */
import { seededRandom, shuffleInPlace } from './random.js';

export interface Partition {
  readonly clusters: number;
  readonly d: number;
  /** Positions start[c] .. start[c + 1] - 1 hold cluster c, members by descending distance to the centre. */
  readonly start: Int32Array;
  /** Original row of each position. */
  readonly ids: Int32Array;
  /** The points re-laid out by position, row-major, so a cluster is one contiguous block. */
  readonly coords: Float32Array;
  /** Distance from the point at each position to its cluster's centre. */
  readonly toCentre: Float64Array;
  readonly centres: Float64Array;
  /** Largest member distance to the centre, per cluster. */
  readonly radius: Float64Array;
}

/** Fixed, so the partition (and therefore the work done, never the result) repeats between runs. */
const CENTRE_SEED = 0x5eed;

export function partitionPoints(points: Float32Array, n: number, d: number): Partition {
  const centres = pickCentres(points, n, d, Math.max(1, Math.round(Math.sqrt(n))));
  const clusters = centres.length / d;
  const member = nearestCentres(points, n, d, centres, clusters);
  const start = new Int32Array(clusters + 1);
  for (let i = 0; i < n; i++) start[member[i] + 1]++;
  for (let c = 0; c < clusters; c++) start[c + 1] += start[c];
  const ids = new Int32Array(n);
  const fill = start.slice(0, clusters);
  for (let i = 0; i < n; i++) ids[fill[member[i]]++] = i;
  const distances = new Float64Array(n);
  for (let i = 0; i < n; i++) distances[i] = Math.sqrt(squaredToCentre(points, i * d, centres, member[i] * d, d));
  const radius = new Float64Array(clusters);
  for (let c = 0; c < clusters; c++) {
    const block = ids.subarray(start[c], start[c + 1]);
    block.sort((a, b) => distances[b] - distances[a] || a - b);
    if (block.length) radius[c] = distances[block[0]];
  }
  const coords = new Float32Array(n * d);
  const toCentre = new Float64Array(n);
  for (let pos = 0; pos < n; pos++) {
    coords.set(points.subarray(ids[pos] * d, ids[pos] * d + d), pos * d);
    toCentre[pos] = distances[ids[pos]];
  }
  return { clusters, d, start, ids, coords, toCentre, centres, radius };
}

/** Centres are distinct rows (duplicated rows share one centre), so no cluster starts empty. */
function pickCentres(points: Float32Array, n: number, d: number, wanted: number): Float64Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  shuffleInPlace(order, seededRandom(CENTRE_SEED));
  const seen = new Set<string>();
  const chosen: number[] = [];
  for (let i = 0; i < n && chosen.length < wanted; i++) {
    const key = points.subarray(order[i] * d, order[i] * d + d).join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    chosen.push(order[i]);
  }
  const centres = new Float64Array(chosen.length * d);
  chosen.forEach((p, c) => centres.set(points.subarray(p * d, p * d + d), c * d));
  return centres;
}

/**
 * Nearest centre per point. The first guess is the nearest centre on the first few features alone,
 * which is usually in the true nearest's neighbourhood. Then only centres closer to the guess than
 * twice the point's distance to it can be nearer (triangle inequality), and they are tried nearest
 * to the guess first, each abandoned once its partial sum passes the best so far.
 */
function nearestCentres(points: Float32Array, n: number, d: number, centres: Float64Array, clusters: number): Int32Array {
  const member = new Int32Array(n);
  const head = Math.min(d, GUESS_FEATURES);
  const around = centresByDistance(centres, clusters, d);
  for (let i = 0; i < n; i++) {
    const po = i * d;
    let guess = 0;
    let guessDist = Infinity;
    for (let c = 0; c < clusters; c++) {
      const s = partialSquaredToCentre(points, po, centres, c * d, head, guessDist);
      if (s < guessDist) {
        guessDist = s;
        guess = c;
      }
    }
    let best = guess;
    let bestDist = squaredToCentre(points, po, centres, guess * d, d);
    const reach = 4 * bestDist;
    for (let r = 1; r < clusters; r++) {
      const entry = guess * clusters + r;
      if (around.squaredDistance[entry] > reach) break;
      const c = around.order[entry];
      const s = partialSquaredToCentre(points, po, centres, c * d, d, bestDist);
      if (s < bestDist) {
        bestDist = s;
        best = c;
      }
    }
    member[i] = best;
  }
  return member;
}

/** For each centre, every centre (itself first) by squared distance from it, as rows of a clusters × clusters table. */
function centresByDistance(centres: Float64Array, clusters: number, d: number): { order: Int32Array; squaredDistance: Float64Array } {
  const order = new Int32Array(clusters * clusters);
  const squaredDistance = new Float64Array(clusters * clusters);
  const row = new Float64Array(clusters);
  for (let a = 0; a < clusters; a++) {
    for (let b = 0; b < clusters; b++) row[b] = squaredBetweenCentres(centres, a * d, b * d, d);
    const sorted = Int32Array.from({ length: clusters }, (_, b) => b).sort((x, y) => row[x] - row[y] || (x === a ? -1 : y === a ? 1 : x - y));
    order.set(sorted, a * clusters);
    for (let r = 0; r < clusters; r++) squaredDistance[a * clusters + r] = row[sorted[r]];
  }
  return { order, squaredDistance };
}

/** Squared distance between the centres at offsets `ao` and `bo`. */
export function squaredBetweenCentres(centres: Float64Array, ao: number, bo: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const t = centres[ao + j] - centres[bo + j];
    s += t * t;
  }
  return s;
}

const GUESS_FEATURES = 4;

/** Squared distance over the first `features` features, stopping once it reaches `bound`. */
function partialSquaredToCentre(points: Float32Array, po: number, centres: Float64Array, co: number, features: number, bound: number): number {
  let s = 0;
  for (let j = 0; j < features && s < bound; j++) {
    const t = points[po + j] - centres[co + j];
    s += t * t;
  }
  return s;
}

/** Squared distance from the point at offset `po` to the centre at offset `co`. */
export function squaredToCentre(points: Float32Array, po: number, centres: Float64Array, co: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const t = points[po + j] - centres[co + j];
    s += t * t;
  }
  return s;
}
