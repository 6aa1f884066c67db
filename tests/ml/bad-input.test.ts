import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../../src/core/errors.js';
import { parseTrainConfig } from '../../src/ml/config.js';
import type { LabeledRow } from '../../src/ml/dataset.js';
import { trainModel } from '../../src/ml/train.js';
import { tempDir } from '../helpers/stores.js';

function rows(n: number, label: (i: number) => string, value: (i: number) => unknown = (i) => i % 7): LabeledRow[] {
  return Array.from({ length: n }, (_, i) => ({ id: i + 1, features: { a: value(i), b: (i * 3) % 11 }, label: label(i) }));
}

describe('bad training input', () => {
  const root = tempDir('trove-ml-bad-');
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  async function failsCleanly(data: LabeledRow[], config: unknown, message: RegExp): Promise<void> {
    const out = path.join(root, `out-${Math.random().toString(36).slice(2)}`);
    const error = await trainModel(data, config, { outDir: out }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
    expect(fs.existsSync(out)).toBe(false);
  }

  test('a snapshot with one class', () => failsCleanly(rows(40, () => 'x'), {}, /only one class \("x"\)/));
  test('rows without any label', async () => {
    await failsCleanly(rows(40, () => 'x').map((r) => ({ ...r, label: null })), {}, /no row has a label/);
  });
  test('a config naming unknown features', () => failsCleanly(rows(40, (i) => (i % 2 ? 'a' : 'b')), { features: { colour: 'categorical' } }, /unknown feature "colour"/));
  test('NaN and infinite values', async () => {
    await failsCleanly(rows(40, (i) => (i % 2 ? 'a' : 'b'), (i) => (i === 3 ? 'NaN' : i)), {}, /field "a" is NaN/);
    await failsCleanly(rows(40, (i) => (i % 2 ? 'a' : 'b'), (i) => (i === 5 ? 'Infinity' : i)), {}, /field "a" is Infinity/);
  });
  test('config keys that do not exist, and splits that do not add up', () => {
    expect(() => parseTrainConfig({ model: { layerz: [3] } }, 'cfg.json')).toThrow(/cfg.json: model: Unrecognized key/);
    expect(() => parseTrainConfig({ split: { train: 0.5, val: 0.2, test: 0.2 } })).toThrow(/add up to 1/);
  });
});
