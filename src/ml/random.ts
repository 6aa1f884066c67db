/** A seeded pseudo-random generator (mulberry32), so splits, sampling and training repeat exactly. */
export type Random = () => number;

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates in place. */
export function shuffleInPlace<T>(items: T[] | Int32Array, random: Random): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
}

export function randomInt(random: Random, n: number): number {
  return Math.floor(random() * n);
}

/**
 * Runs `fn` with Math.random replaced by a seeded generator. tfjs draws dropout masks and shuffles
 * from Math.random when a layer carries no seed (and a fixed layer seed would repeat one mask every
 * batch), so this is the one way to make a training run repeat. Training runs in its own command,
 * and the original is always restored.
 */
export async function withSeededMathRandom<T>(seed: number, fn: () => Promise<T>): Promise<T> {
  const original = Math.random;
  Math.random = seededRandom(seed ^ 0x9e3779b9);
  try {
    return await fn();
  } finally {
    Math.random = original;
  }
}
