import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../src/core/errors.js';
import { readParquet } from '../../src/connectors/file/parquet-reader.js';
import { canonicalJson, newTally, reportTally } from './conformance-tally.js';

const corpus = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/conformance/parquet');

/** What the reference reader (DuckDB, or the file's own documentation) reads from a file. */
interface Expectation {
  reference: string;
  refused?: boolean;
  rows?: unknown[];
  count?: number;
  sha256?: string;
  head?: unknown[];
}

const expectations = JSON.parse(fs.readFileSync(path.join(corpus, 'expected.json'), 'utf8')) as Record<string, Expectation>;

async function readAll(file: string): Promise<unknown[]> {
  const rows: unknown[] = [];
  for await (const row of readParquet(file)) rows.push(row.values);
  return JSON.parse(JSON.stringify(rows)) as unknown[];
}

function matches(rows: unknown[], expected: Expectation): boolean {
  if (expected.rows) return canonicalJson(rows) === canonicalJson(expected.rows);
  return rows.length === expected.count && createHash('sha256').update(canonicalJson(rows)).digest('hex') === expected.sha256;
}

/** A refusal counts only as one line that names the file. */
function clearRefusal(err: unknown, file: string): boolean {
  return err instanceof InputError && err.message.startsWith(`${file}: `) && !err.message.includes('\n');
}

test('every parquet-testing file reads as DuckDB reads it, or is refused in one line naming the file', async () => {
  const tally = newTally();
  for (const [name, expected] of Object.entries(expectations)) {
    const file = path.join(corpus, 'files', name);
    try {
      const rows = await readAll(file);
      (!expected.refused && matches(rows, expected) ? tally.equal : tally.wrong).push(name);
    } catch (err) {
      (clearRefusal(err, file) ? tally.refused : tally.wrong).push(`${name}${clearRefusal(err, file) ? '' : `: ${String(err)}`}`);
    }
  }
  reportTally('Parquet', tally);
  expect(tally.wrong).toEqual([]);
  expect(tally.equal.length).toBeGreaterThanOrEqual(65);
});

test('every compression codec of the format reads the same table', async () => {
  const codecs = ['uncompressed', 'snappy', 'gzip', 'brotli', 'zstd', 'lz4_raw'];
  const tables = await Promise.all(codecs.map((c) => readAll(path.join(corpus, 'files/derived', `types-${c}.parquet`))));
  for (const table of tables) expect(table).toEqual(tables[0]);
});

test('the README promises: bytes as base64, exact decimals as text, 64-bit integers beyond doubles as text, microseconds kept', async () => {
  const [first] = await readAll(path.join(corpus, 'files/derived/types-zstd.parquet'));
  expect(first).toMatchObject({
    blob_col: Buffer.from([0xff, 0xfe, 0x00, 0x80]).toString('base64'),
    dec38: '12345678901234567890.1234567890',
    big: '9007199254740993',
    ubig: '18446744073709551615',
    ts_us: '2024-01-01T12:34:56.123456Z',
    time_col: '23:59:59.999999',
    date_col: '1969-07-20T00:00:00.000Z',
  });
});

test('NaN is kept as the text NaN, not turned into a missing value', async () => {
  expect(await readAll(path.join(corpus, 'files/nan_in_stats.parquet'))).toEqual([{ x: 1 }, { x: 'NaN' }]);
});

test('an INT96 timestamp written out of range is refused, naming its column, never read as a wrong year', async () => {
  const file = path.join(corpus, 'files/int96_from_spark.parquet');
  await expect(readAll(file)).rejects.toThrow(`${file}: rows 1–6, column "a": cannot decode: a timestamp outside years 1–9999`);
});

test('an encrypted file is refused saying it is encrypted', async () => {
  for (const name of ['uniform_encryption.parquet.encrypted', 'encrypt_columns_plaintext_footer.parquet.encrypted']) {
    const file = path.join(corpus, 'files', name);
    await expect(readAll(file)).rejects.toThrow(`${file}: encrypted (Parquet modular encryption)`);
  }
});

test('a decoder failure is reported in words, with the column, not as a JavaScript error', async () => {
  const file = path.join(corpus, 'files/bad_data/ARROW-GH-45185.parquet');
  await expect(readAll(file)).rejects.toThrow(`${file}: rows 1–5, column "x": cannot decode: malformed data that the decoder cannot make sense of`);
});
