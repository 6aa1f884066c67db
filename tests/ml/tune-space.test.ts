import path from 'node:path';
import { readCsvRows } from '../../src/ml/dataset.js';
import { DEFAULT_L2_RANGE, tune } from '../../src/ml/tune.js';
import { datasetsDir } from '../helpers/shared-data.js';

/** `tune` searches L2 as the README and `--help` say, unless the space turns it off. */
const rows = readCsvRows(path.join(datasetsDir, 'iris.csv'), 'species');
const quick = { model: { epochs: 1, earlyStopping: 0 }, tune: { trials: 4, seeds: 1, halving: false } };

test('without an L2 range in the space, every trial gets its own L2 from the default range', async () => {
  const result = await tune(rows, quick, { seed: 3 });
  const l2s = result.trials.map((t) => t.params.l2);

  expect(new Set(l2s).size).toBe(4);
  for (const l2 of l2s) {
    expect(l2).toBeGreaterThanOrEqual(DEFAULT_L2_RANGE[0]);
    expect(l2).toBeLessThanOrEqual(DEFAULT_L2_RANGE[1]);
  }
}, 120_000);

test('an L2 range of [0, 0] in the space turns L2 off', async () => {
  const result = await tune(rows, { ...quick, tune: { ...quick.tune, trials: 2, space: { l2: [0, 0] } } }, { seed: 3 });

  expect(result.trials.map((t) => t.params.l2)).toEqual([0, 0]);
}, 120_000);
