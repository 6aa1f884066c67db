import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { createSource } from '../../src/core/sources.js';
import { runSource } from '../../src/hub.js';
import { describeEachStore, tempDir } from '../helpers/stores.js';

const dir = tempDir('trove-record-size-');
const MiB = 1 << 20;
let endlessGz: string;

/** A small gzip file that holds one line of `lineMiB` MiB, after a short first record. */
async function gzipWithEndlessLine(file: string, lineMiB: number): Promise<void> {
  const block = Buffer.alloc(MiB, 'a');
  async function* content() {
    yield Buffer.from('{"id": 1}\n{"id": "');
    for (let i = 0; i < lineMiB; i++) yield block;
    yield Buffer.from('"}\n');
  }
  await pipeline(Readable.from(content()), zlib.createGzip({ level: 1 }), fs.createWriteStream(file));
}

beforeAll(async () => {
  endlessGz = path.join(dir, 'endless.jsonl.gz');
  await gzipWithEndlessLine(endlessGz, 256);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describeEachStore('the record size limit', (get) => {
  let seq = 0;
  async function importFile(config: Record<string, unknown>) {
    const { hub } = get();
    const name = `size-${++seq}`;
    await createSource(hub.store.db, { name, kind: 'file', config: hub.kinds.parseConfig('file', { kind: 'file', ...config }) as Record<string, unknown> });
    return runSource(hub, name);
  }

  test('a small .gz holding one endless line fails at that line, without holding the line in memory', async () => {
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);

    const run = await importFile({ path: endlessGz, maxRecordBytes: MiB }).finally(() => clearInterval(sampler));

    expect(run).toMatchObject({ status: 'failed', inserted: 1 });
    expect(run.error).toBe(`${endlessGz}:2: a line is longer than 1 MiB (maxRecordBytes)`);
    expect(fs.statSync(endlessGz).size).toBeLessThan(2 * MiB);
    expect(peak - baseline).toBeLessThan(128 * MiB);
  });

  test('a CSV record past the limit stops the import naming its line; the rows before it are stored', async () => {
    const file = path.join(dir, 'long-record.csv');
    fs.writeFileSync(file, `id,text\n1,one\n2,two\n3,"${'b'.repeat(2 * MiB)}"\n4,four\n`);

    const run = await importFile({ path: file, key: 'id', text: 'text', maxRecordBytes: MiB });

    expect(run).toMatchObject({ status: 'failed', inserted: 2 });
    expect(run.error).toBe(`${file}:4: a record is longer than 1 MiB (maxRecordBytes)`);
  });

  test('the default limit (64 MiB) lets ordinary long records through', async () => {
    const file = path.join(dir, 'ordinary.jsonl');
    fs.writeFileSync(file, `{"id": 1, "text": "${'c'.repeat(3 * MiB)}"}\n{"id": 2, "text": "short"}\n`);

    expect(await importFile({ path: file, key: 'id', text: 'text' })).toMatchObject({ status: 'succeeded', inserted: 2 });
  });
});
