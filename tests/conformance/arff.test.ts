import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { InputError } from '../../src/core/errors.js';
import { readArff } from '../../src/connectors/file/arff-reader.js';
import { canonicalJson, newTally, reportTally } from './conformance-tally.js';

const corpus = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/conformance/arff');

/** Weka's reading of a file: its rows' count and hash, or that Weka refuses it. */
interface ArffExpectation {
  count?: number;
  sha256?: string;
  refused?: boolean;
}

const expectations = JSON.parse(fs.readFileSync(path.join(corpus, 'expected.json'), 'utf8')) as Record<string, ArffExpectation>;

/** Weka writes numbers with six decimals. */
function rounded(value: unknown): unknown {
  if (typeof value === 'number') return Math.round(value * 1e6) / 1e6;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v)]));
  return value;
}

async function readText(name: string, text: string): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = [];
  for await (const row of readArff(Readable.from([text]), { file: name })) rows.push(row.values);
  return rows;
}

function fixtureText(name: string): string {
  return zlib.gunzipSync(fs.readFileSync(path.join(corpus, 'files', `${name}.gz`))).toString('utf8');
}

test('Weka\'s, Mulan\'s, scipy\'s and liac-arff\'s ARFF files read as Weka reads them, value for value', async () => {
  const tally = newTally();
  for (const [name, expected] of Object.entries(expectations)) {
    try {
      const rows = (await readText(name, fixtureText(name))).map(rounded);
      const same = !expected.refused && rows.length === expected.count && createHash('sha256').update(canonicalJson(rows)).digest('hex') === expected.sha256;
      (same ? tally.equal : tally.wrong).push(same ? name : `${name}: ${rows.length} rows, not Weka's reading`);
    } catch (err) {
      const clear = err instanceof InputError && err.message.startsWith(`${name}:`) && !err.message.includes('\n');
      (clear && expected.refused ? tally.refused : tally.wrong).push(clear && expected.refused ? name : `${name}: ${String(err)}`);
    }
  }
  reportTally('ARFF', tally);
  expect(tally.wrong).toEqual([]);
});

test('a % comment after an @attribute line is a comment (Weka\'s supermarket.arff)', async () => {
  const rows = await readText('supermarket.arff', fixtureText('weka/supermarket.arff'));
  expect(rows).toHaveLength(4627);
  expect(['low', 'high']).toContain(rows[0].total);
});

test('a date with a UTC zone reads for a Z pattern', async () => {
  const rows = await readText('test7.arff', '@relation t\n@attribute at date "yyyy-MM-dd HH:mm Z"\n@data\n"1999-01-31 00:01 UTC"\n"1999-01-31 00:01 +0430"\n');
  expect(rows.map((r) => r.at)).toEqual(['1999-01-31T00:01:00.000Z', '1999-01-30T19:31:00.000Z']);
});

test('instance weights are kept as the field weight, dense and sparse', async () => {
  const rows = await readText('w.arff', '@relation w\n@attribute x numeric\n@attribute y {a,b}\n@data\n1,a,{0.5}\n2,b\n{0 3, 1 b}, {2}\n');
  expect(rows).toEqual([{ x: 1, y: 'a', weight: 0.5 }, { x: 2, y: 'b' }, { x: 3, y: 'b', weight: 2 }]);
});

test('an attribute already named weight leaves the instance weight to arff_weight', async () => {
  const rows = await readText('w.arff', '@relation w\n@attribute weight numeric\n@data\n70,{3}\n');
  expect(rows).toEqual([{ weight: 70, arff_weight: 3 }]);
});
