import type { LabeledRow } from '../../src/ml/dataset.js';
import { seededRandom } from '../../src/ml/random.js';

/**
 * Short generated documents for training tests: mostly filler words shared by every class, a few
 * words of the class's own topic, and now and then a word of another topic, so a model has to
 * learn which words matter. Deterministic for a seed.
 */
const TOPICS: Record<string, string[]> = {
  harvest: ['corn', 'wheat', 'harvest', 'acres', 'farm', 'grain', 'crop', 'soybean', 'silo', 'tractor', 'planting', 'yield'],
  weather: ['rain', 'storm', 'snow', 'wind', 'cloud', 'frost', 'thunder', 'drought', 'flood', 'forecast', 'humid', 'sunny'],
  market: ['shares', 'stock', 'index', 'dividend', 'broker', 'bond', 'profit', 'earnings', 'rally', 'nasdaq', 'merger', 'trader'],
};

const SYLLABLES = ['ka', 'lo', 'mi', 'nu', 'pe', 'ra', 'si', 'to', 've', 'zu'];
const FILLER = Array.from({ length: 120 }, (_, i) => SYLLABLES[i % 10] + SYLLABLES[Math.floor(i / 10) % 10] + (i >= 100 ? 'x' : ''));

export const TOPIC_NAMES = Object.keys(TOPICS);

export function topicText(topic: string, random: () => number): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
  const words = Array.from({ length: 10 + Math.floor(random() * 15) }, () => pick(FILLER));
  const own = 2 + Math.floor(random() * 3);
  for (let i = 0; i < own; i++) words.splice(Math.floor(random() * words.length), 0, pick(TOPICS[topic]));
  if (random() < 0.3) words.splice(Math.floor(random() * words.length), 0, pick(TOPICS[pick(TOPIC_NAMES.filter((t) => t !== topic))]));
  return words.join(' ');
}

/** `n` documents in a `text` field, labelled by topic in the proportions `shares` (e.g. 5:3:2). */
export function topicRows(n: number, seed: number, shares = [5, 3, 2]): LabeledRow[] {
  const random = seededRandom(seed);
  const total = shares.reduce((a, b) => a + b, 0);
  return Array.from({ length: n }, (_, i) => {
    let slot = (i * 7919) % total;
    const c = shares.findIndex((s) => (slot -= s) < 0);
    const topic = TOPIC_NAMES[c];
    return { id: i + 1, features: { text: topicText(topic, random) }, label: topic };
  });
}
