import type { LabeledRow } from '../../src/ml/dataset.js';
import { trainModel } from '../../src/ml/train.js';

const TOPICS = {
  sport: ['match', 'goal', 'league', 'coach', 'season', 'players'],
  money: ['bank', 'rates', 'shares', 'profit', 'market', 'investors'],
};

/**
 * The label follows the text's topic unless the numeric `urgent` flag overrides it, and the
 * categorical `desk` adds a little: only a model reading text and table together gets it right.
 */
function mixedRows(n: number): LabeledRow[] {
  return Array.from({ length: n }, (_, i) => {
    const topic = i % 2 ? 'sport' : 'money';
    const words = TOPICS[topic];
    const text = Array.from({ length: 8 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' ') + ` report ${i}`;
    const urgent = i % 5 === 0 ? 1 : 0;
    return { id: i + 1, features: { body: text, urgent, desk: ['north', 'south', 'east'][i % 3] }, label: urgent ? 'alert' : topic };
  });
}

test('a table with a text field beside numeric and categorical ones trains one text-tfidf model on all of them', async () => {
  const result = await trainModel(mixedRows(300), { model: { threshold: 'argmax' } }, { seed: 3 });
  expect(result.metrics.architecture).toBe('text-tfidf');
  const test = result.metrics.test;
  if (!test) throw new Error('no test metrics');
  expect(test.perClass.alert.f1).toBeGreaterThan(0.9);
  expect(test.accuracy).toBeGreaterThan(0.9);
}, 300_000);
