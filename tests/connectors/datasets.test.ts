import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import zlib from 'node:zlib';
import { parquetWriteFile } from 'hyparquet-writer';
import { writeItems } from '../../src/core/item-export.js';
import { streamItems, type Item } from '../../src/core/items.js';
import { createSource } from '../../src/core/sources.js';
import { runSource } from '../../src/hub.js';
import { describeEachStore, tempDir } from '../helpers/stores.js';
import { makeZip, sendJson, startFake, type FakeServer } from './helpers/http-fake.js';

const dir = tempDir('trove-datasets-');
function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

const ARFF = `% Iris-like sample
@RELATION flowers

@ATTRIBUTE 'sepal length' NUMERIC
@ATTRIBUTE class {setosa,'iris versicolor'}
@ATTRIBUTE note STRING
@ATTRIBUTE seen DATE "yyyy-MM-dd HH:mm"

@DATA
5.1,setosa,'a, quoted note',"2020-03-04 05:06"
?,'iris versicolor',?,?
{0 6.5, 2 sparse}
4.9,setosa,"weighted",'2021-12-31 23:59', {3}
`;

let fake: FakeServer;
beforeAll(async () => {
  fake = await startFake((req, res, url) => {
    if (url.pathname === '/files/flowers.arff.gz') {
      const body = zlib.gzipSync(ARFF);
      res.writeHead(200, { 'content-length': String(body.length) });
      res.end(body);
    } else if (url.pathname === '/files/bundle.zip') {
      res.end(makeZip({ 'README.txt': 'hi', 'data/a.csv': 'id,t\n1,one\n', 'data/b.jsonl': '{"id":2,"t":"two"}\n' }));
    } else if (url.pathname === '/api/v1/datasets/download/ana/reviews') {
      const expected = `Basic ${Buffer.from('ana:kaggle-key-123').toString('base64')}`;
      if (req.headers.authorization !== expected) return sendJson(res, { code: 401, message: 'Unauthenticated' }, 401);
      res.writeHead(200, { 'content-type': 'application/zip' });
      res.end(makeZip({ 'reviews.csv': 'id,review\n1,great\n2,"bad, really"\n', 'other.csv': 'id\n9\n' }));
    } else if (url.pathname === '/rows') {
      if (req.headers.authorization !== 'Bearer hf_token_456') return sendJson(res, { error: 'Unauthorized' }, 401);
      const offset = Number(url.searchParams.get('offset'));
      const length = Number(url.searchParams.get('length'));
      const total = 230;
      const rows = [];
      for (let i = offset; i < Math.min(total, offset + length); i++) rows.push({ row_idx: i, row: { text: `review ${i}`, label: i % 2 }, truncated_cells: [] });
      sendJson(res, {
        features: [
          { feature_idx: 0, name: 'text', type: { dtype: 'string', _type: 'Value' } },
          { feature_idx: 1, name: 'label', type: { dtype: 'int64', _type: 'Value' } },
        ],
        rows,
        num_rows_total: total,
        num_rows_per_page: 100,
        partial: false,
      });
    } else if (url.pathname === '/splits') {
      sendJson(res, { splits: [{ dataset: url.searchParams.get('dataset'), config: 'plain_text', split: 'train' }], pending: [], failed: [] });
    } else {
      sendJson(res, { error: 'not found' }, 404);
    }
  });
  process.env.KAGGLE_USERNAME = 'ana';
  process.env.KAGGLE_KEY = 'kaggle-key-123';
  process.env.TROVE_SECRET_TEST_HF_TOKEN = 'hf_token_456';
  // The fake Kaggle is a mirror (apiBase), which gets the credentials only when the operator lists them.
  process.env.TROVE_SECRET_VARS = 'KAGGLE_USERNAME,KAGGLE_KEY';
});
afterAll(async () => {
  await fake.close();
});

describeEachStore('public datasets', (get) => {
  let seq = 0;
  async function importInput(config: Record<string, unknown>) {
    const { hub } = get();
    const name = `ds-${++seq}`;
    const parsed = hub.kinds.parseConfig('file', { kind: 'file', ...config }) as Record<string, unknown>;
    await createSource(hub.store.db, { name, kind: 'file', config: parsed });
    return { name, run: await runSource(hub, name) };
  }
  async function itemsOf(name: string): Promise<Item[]> {
    const { hub } = get();
    const source = await hub.store.db('sources').where({ name }).first();
    const out: Item[] = [];
    for await (const item of streamItems(hub.store.db, { sourceId: source.id })) out.push(item);
    return out;
  }

  test('Parquet columns become fields: 64-bit integers, doubles, booleans and nulls', async () => {
    const file = path.join(dir, `typed-${seq}.parquet`);
    parquetWriteFile({
      filename: file,
      columnData: [
        { name: 'id', data: [1n, 2n], type: 'INT64' },
        { name: 'body', data: ['first', 'second'], type: 'STRING' },
        { name: 'score', data: [0.5, null], type: 'DOUBLE' },
        { name: 'ok', data: [true, false], type: 'BOOLEAN' },
      ],
    });
    const { name, run } = await importInput({ path: file, key: 'id', text: 'body' });
    expect(run).toMatchObject({ status: 'succeeded', inserted: 2 });
    expect((await itemsOf(name)).map((i) => [i.key, i.text, i.fields])).toEqual([
      ['1', 'first', { id: 1, score: 0.5, ok: true }],
      ['2', 'second', { id: 2, score: null, ok: false }],
    ]);
  });

  test('items exported as Parquet import back unchanged', async () => {
    const csv = write(`orig-${seq}.jsonl`, '{"id":"a","body":"héllo","meta":{"tags":["x","y"],"n":1.5}}\n{"id":"b","body":null,"meta":{}}\n');
    const original = await importInput({ path: csv, key: 'id', text: 'body' });
    const exported = await itemsOf(original.name);
    const file = path.join(dir, `export-${seq}.parquet`);
    const out = fs.createWriteStream(file);
    await writeItems((async function* () { yield* exported; })(), 'parquet', out);
    await new Promise<void>((resolve) => out.end(resolve));

    const again = await importInput({ path: file });
    expect(again.run).toMatchObject({ status: 'succeeded', inserted: 2 });
    const reimported = await itemsOf(again.name);
    const strip = (i: Item) => ({ key: i.key, url: i.url, text: i.text, fields: i.fields, contentHash: i.contentHash, fetchedAt: i.fetchedAt });
    expect(reimported.map(strip)).toEqual(exported.map(strip));
  });

  test('ARFF: numeric, nominal, string and date attributes, sparse rows, weights and ? as missing', async () => {
    const { name, run } = await importInput({ path: write(`flowers-${seq}.arff`, ARFF), text: 'note' });
    expect(run).toMatchObject({ status: 'succeeded', inserted: 4 });
    expect((await itemsOf(name)).map((i) => [i.text, i.fields])).toEqual([
      ['a, quoted note', { 'sepal length': 5.1, class: 'setosa', seen: '2020-03-04T05:06:00.000Z' }],
      [null, { 'sepal length': null, class: 'iris versicolor', seen: null }],
      ['sparse', { 'sepal length': 6.5, class: 'setosa', seen: null }],
      ['weighted', { 'sepal length': 4.9, class: 'setosa', seen: '2021-12-31T23:59:00.000Z', weight: 3 }],
    ]);
  });

  test('an ARFF value outside its nominal set fails with file, line and attribute', async () => {
    const file = write(`bad-${seq}.arff`, '@relation r\n@attribute c {a,b}\n@data\na\nz\n');
    const { run } = await importInput({ path: file });
    expect(run.status).toBe('failed');
    expect(run.error).toBe(`${file}:5: attribute "c": "z" is not one of {a,b}`);
  });

  test('a gzip file from an http URL is downloaded as a stream, with progress, and imported', async () => {
    const { name, run } = await importInput({ path: `${fake.base}/files/flowers.arff.gz` });
    expect(run).toMatchObject({ status: 'succeeded', inserted: 4 });
    expect(run.progress.bytes).toBeGreaterThan(0);
    expect((await itemsOf(name))[0].fields).toMatchObject({ class: 'setosa' });
  });

  test('a URL that answers 404 fails the run with one line naming it', async () => {
    const { run } = await importInput({ path: `${fake.base}/files/missing.csv?token=abc` });
    expect(run.status).toBe('failed');
    expect(run.error).toBe(`GET ${fake.base}/files/missing.csv: HTTP 404 Not Found`);
  });

  test('a zip archive gives up the member named by entry, and refuses to guess between several', async () => {
    const picked = await importInput({ path: `${fake.base}/files/bundle.zip`, entry: 'b.jsonl', key: 'id', text: 't' });
    expect(picked.run).toMatchObject({ status: 'succeeded', inserted: 1 });
    expect((await itemsOf(picked.name))[0]).toMatchObject({ key: '2', text: 'two' });
    const unsure = await importInput({ path: `${fake.base}/files/bundle.zip` });
    expect(unsure.run.error).toMatch(/several data files; pick one with --entry \(files: data\/a.csv, data\/b.jsonl\)/);
  });

  test('kaggle:OWNER/DATASET/FILE downloads the dataset zip with the API key and reads the named file', async () => {
    const { name, run } = await importInput({ path: 'kaggle:ana/reviews/reviews.csv', key: 'id', text: 'review', apiBase: `${fake.base}/api/v1` });
    expect(run).toMatchObject({ status: 'succeeded', inserted: 2 });
    expect((await itemsOf(name)).map((i) => i.text)).toEqual(['great', 'bad, really']);
  });

  test('wrong Kaggle credentials fail with one line that does not show the key', async () => {
    process.env.KAGGLE_KEY = 'wrong-key-789';
    try {
      const { run } = await importInput({ path: 'kaggle:ana/reviews', apiBase: `${fake.base}/api/v1` });
      expect(run.error).toBe(`GET ${fake.base}/api/v1/datasets/download/ana/reviews: HTTP 401 Unauthorized: check KAGGLE_USERNAME and KAGGLE_KEY`);
      expect(JSON.stringify(run)).not.toContain('wrong-key-789');
    } finally {
      process.env.KAGGLE_KEY = 'kaggle-key-123';
    }
  });

  test('a Kaggle --api-base given as the bare host gets its /api/v1, and the progress line no longer says downloading once read', async () => {
    const { run } = await importInput({ path: 'kaggle:ana/reviews/reviews.csv', key: 'id', text: 'review', apiBase: `${fake.base}/` });
    expect(run).toMatchObject({ status: 'succeeded', inserted: 2 });
    expect(run.progress.message).toBe('importing kaggle:ana/reviews');
  });

  test('a Hugging Face token the server refuses fails with one line naming the variable to check', async () => {
    process.env.TROVE_SECRET_TEST_HF_TOKEN = 'hf_wrong_000';
    try {
      const { run } = await importInput({ path: 'hf:stanfordnlp/imdb', hfConfig: 'plain_text', split: 'train', text: 'text', apiBase: fake.base, tokenEnv: 'TROVE_SECRET_TEST_HF_TOKEN' });
      expect(run.error).toMatch(/HTTP 401 Unauthorized: check TROVE_SECRET_TEST_HF_TOKEN \(a Hugging Face token with access to stanfordnlp\/imdb\)$/);
      expect(JSON.stringify(run)).not.toContain('hf_wrong_000');
    } finally {
      process.env.TROVE_SECRET_TEST_HF_TOKEN = 'hf_token_456';
    }
  });

  test('hf:OWNER/NAME pages through the datasets-server rows API with the token', async () => {
    const before = fake.requests.length;
    const { name, run } = await importInput({ path: 'hf:stanfordnlp/imdb', text: 'text', apiBase: fake.base, tokenEnv: 'TROVE_SECRET_TEST_HF_TOKEN' });
    expect(run).toMatchObject({ status: 'succeeded', inserted: 230 });
    const items = await itemsOf(name);
    expect(items[229]).toMatchObject({ key: '229', text: 'review 229', fields: { label: 1 } });
    const pages = fake.requests.slice(before).filter((r) => r.startsWith('GET /rows?dataset=stanfordnlp%2Fimdb&config=plain_text&split=train'));
    expect(pages.map((r) => new URL(r.slice(4), 'http://x').searchParams.get('offset'))).toEqual(['0', '100', '200']);
  });

  test('opt-in redaction replaces PII before storing and counts it on the run', async () => {
    const file = write(`pii-${seq}.csv`, 'id,body\n1,"write to jo@example.com or 203.0.113.9"\n2,"card 4111-1111-1111-1111"\n');
    const { name, run } = await importInput({ path: file, key: 'id', text: 'body', redact: ['email', 'ip', 'card'] });
    expect(run.stats).toEqual({ 'redacted.email': 1, 'redacted.ip': 1, 'redacted.card': 1 });
    expect((await itemsOf(name)).map((i) => i.text)).toEqual(['write to [EMAIL] or [IP]', 'card [CARD]']);
  });
});

test('parquet export streams to any writable', async () => {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  const item: Item = { id: 1, source: 's', key: 'k', url: null, text: 't', fields: { a: 1 }, contentHash: 'h', fetchedAt: '2024-01-01T00:00:00.000Z' };
  expect(await writeItems((async function* () { yield item; })(), 'parquet', sink)).toBe(1);
  const bytes = Buffer.concat(chunks);
  expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
  expect(bytes.subarray(-4).toString()).toBe('PAR1');
});
