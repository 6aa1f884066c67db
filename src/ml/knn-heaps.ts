/**
 * The k nearest found so far for every query, shared by both search strategies in knn.ts: one
 * bounded max-heap per query, all in flat typed arrays. The order is (distance, row index), so
 * which of several equally distant rows is kept does not depend on the order they are met in.
 */
export class NeighbourHeaps {
  private readonly dist: Float64Array;
  private readonly id: Int32Array;
  private readonly size: Int32Array;
  /** Squared distance of each query's current k-th neighbour, Infinity until it has k. */
  readonly worst: Float64Array;
  /** Its square root, the reach the triangle-inequality bounds compare against. */
  readonly radius: Float64Array;

  constructor(
    n: number,
    private readonly k: number,
  ) {
    this.dist = new Float64Array(n * k);
    this.id = new Int32Array(n * k);
    this.size = new Int32Array(n);
    this.worst = new Float64Array(n).fill(Infinity);
    this.radius = new Float64Array(n).fill(Infinity);
  }

  offer(q: number, id: number, dist: number): void {
    const base = q * this.k;
    const size = this.size[q];
    if (size < this.k) {
      this.siftUp(base, size, id, dist);
      this.size[q] = size + 1;
      if (size + 1 === this.k) this.setWorst(q, base);
      return;
    }
    if (dist === this.dist[base] && id > this.id[base]) return;
    this.siftDown(base, id, dist);
    this.setWorst(q, base);
  }

  writeSorted(q: number, out: Int32Array, at: number): void {
    const base = q * this.k;
    const entries = Array.from({ length: this.size[q] }, (_, i) => ({ dist: this.dist[base + i], id: this.id[base + i] }));
    entries.sort((x, y) => x.dist - y.dist || x.id - y.id);
    entries.forEach((e, i) => (out[at + i] = e.id));
  }

  private setWorst(q: number, base: number): void {
    this.worst[q] = this.dist[base];
    this.radius[q] = Math.sqrt(this.dist[base]);
  }

  private above(i: number, dist: number, id: number): boolean {
    return this.dist[i] > dist || (this.dist[i] === dist && this.id[i] > id);
  }

  private siftUp(base: number, at: number, id: number, dist: number): void {
    let i = at;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.above(base + parent, dist, id)) break;
      this.dist[base + i] = this.dist[base + parent];
      this.id[base + i] = this.id[base + parent];
      i = parent;
    }
    this.dist[base + i] = dist;
    this.id[base + i] = id;
  }

  /** Replaces the top (the current k-th neighbour) and restores the heap. */
  private siftDown(base: number, id: number, dist: number): void {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.k) break;
      const r = l + 1;
      const child = r < this.k && this.above(base + r, this.dist[base + l], this.id[base + l]) ? r : l;
      if (!this.above(base + child, dist, id)) break;
      this.dist[base + i] = this.dist[base + child];
      this.id[base + i] = this.id[base + child];
      i = child;
    }
    this.dist[base + i] = dist;
    this.id[base + i] = id;
  }
}
