import { seededRandom } from '../random.js';
import { tokenize } from './text-tokenizer.js';

/**
 * MinHash signatures over word 3-shingles with locality-sensitive hashing in bands, so
 * near-duplicate texts (Jaccard similarity above a threshold) are found without comparing
 * every pair.
 */
export class MinHasher {
  private readonly a: number[];
  private readonly b: number[];
  constructor(readonly permutations = 64, seed = 17) {
    const random = seededRandom(seed);
    this.a = Array.from({ length: permutations }, () => 1 + Math.floor(random() * 0xfffffffe));
    this.b = Array.from({ length: permutations }, () => Math.floor(random() * 0xffffffff));
  }

  signature(text: string): Uint32Array {
    const words = tokenize(text, true);
    const shingles = new Set<number>();
    const width = Math.min(3, Math.max(1, words.length));
    for (let i = 0; i + width <= words.length; i++) shingles.add(fnv1a(words.slice(i, i + width).join(' ')));
    const sig = new Uint32Array(this.permutations).fill(0xffffffff);
    for (const h of shingles) {
      for (let p = 0; p < this.permutations; p++) {
        const v = mix((Math.imul(this.a[p] | 1, h) + this.b[p]) >>> 0);
        if (v < sig[p]) sig[p] = v;
      }
    }
    return sig;
  }
}

export function estimatedJaccard(x: Uint32Array, y: Uint32Array): number {
  let same = 0;
  for (let i = 0; i < x.length; i++) if (x[i] === y[i]) same++;
  return same / x.length;
}

function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  return x >>> 0;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Clusters texts whose estimated Jaccard similarity reaches `threshold`: returns, for each text,
 * the index of its cluster's first member (itself when it has no near-duplicate).
 */
export function nearDuplicateClusters(texts: string[], threshold: number, hasher = new MinHasher()): number[] {
  const sigs = texts.map((t) => hasher.signature(t));
  const parent = texts.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const rows = 4;
  const bands = hasher.permutations / rows;
  for (let band = 0; band < bands; band++) {
    const buckets = new Map<string, number>();
    for (let i = 0; i < sigs.length; i++) {
      if (texts[i].trim() === '') continue;
      const key = Array.from(sigs[i].subarray(band * rows, band * rows + rows)).join(',');
      const other = buckets.get(key);
      if (other === undefined) buckets.set(key, i);
      else if (find(other) !== find(i) && estimatedJaccard(sigs[other], sigs[i]) >= threshold) {
        const [lo, hi] = [find(other), find(i)].sort((p, q) => p - q);
        parent[hi] = lo;
      }
    }
  }
  return parent.map((_, i) => find(i));
}
