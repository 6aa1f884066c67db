import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../../src/core/errors.js';
import type { LabeledRow } from '../../src/ml/dataset.js';
import { trainModel } from '../../src/ml/train.js';
import { tempDir } from '../helpers/stores.js';

const WORDS = ['corn', 'wheat', 'harvest', 'export', 'grain', 'prices', 'market', 'bank', 'rates', 'oil', 'shares', 'profit'];

/** Rows with a `body` text field; `body(i)` overrides row i's value. */
function textRows(n: number, body: (i: number) => unknown = (i) => `${WORDS[i % WORDS.length]} ${WORDS[(i * 5) % WORDS.length]} news report`): LabeledRow[] {
  return Array.from({ length: n }, (_, i) => ({ id: i + 1, features: { body: body(i) }, label: i % 3 === 0 ? 'corn' : 'other' }));
}

describe('bad text input', () => {
  const root = tempDir('trove-ml-text-bad-');
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  async function failsCleanly(data: LabeledRow[], config: unknown, message: RegExp): Promise<void> {
    const out = path.join(root, `out-${Math.random().toString(36).slice(2)}`);
    const error = await trainModel(data, config, { outDir: out }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
    expect(fs.existsSync(out)).toBe(false);
  }

  test('a text field empty on every row is named', async () => {
    await failsCleanly(textRows(60, () => ''), {}, /no usable feature .*empty on every row: "body"/);
  });

  test('texts that are only blanks, declared as text, are named', async () => {
    await failsCleanly(textRows(60, (i) => ' '.repeat(i + 1)), { features: { body: 'text' } }, /field "body" is empty on every training row/);
  });

  test('a number in a text field is refused with its item and field', async () => {
    await failsCleanly(textRows(60, (i) => (i === 7 ? 42 : `${WORDS[i % WORDS.length]} market report today`)), {}, /item 8: field "body" is a number \(42\), not text/);
  });

  test('an object in a text field is refused with its item and field', async () => {
    await failsCleanly(textRows(60, (i) => (i === 9 ? { nested: 'value' } : `${WORDS[i % WORDS.length]} market report today`)), {}, /item 10: field "body" is an object, not text/);
  });

  test('a 10 MB document is refused with its item and field', async () => {
    const huge = 'corn '.repeat(2 * 1024 * 1024);
    await failsCleanly(textRows(60, (i) => (i === 4 ? huge : `${WORDS[i % WORDS.length]} market report`)), {}, /item 5: field "body" is 10485760 characters long, more than the 1000000/);
  });

  test('a vocabulary left empty by the minimum document frequency is named', async () => {
    await failsCleanly(textRows(60, (i) => `unique${i} word${i}`), {}, /field "body": no term occurs in at least 2 training documents/);
  });
});
