import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { InputError } from '../../src/core/errors.js';
import { streamItems } from '../../src/core/items.js';
import { createSource, updateSource } from '../../src/core/sources.js';
import { runSource } from '../../src/hub.js';
import { describeEachStore, tempDir } from '../helpers/stores.js';

const dir = tempDir('trove-files-');
function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

describeEachStore('file import', (get) => {
  let seq = 0;
  async function importFile(config: Record<string, unknown>) {
    const { hub } = get();
    const name = `file-${++seq}`;
    await createSource(hub.store.db, { name, kind: 'file', config });
    return { name, run: await runSource(hub, name) };
  }
  async function itemsOf(name: string) {
    const { hub } = get();
    const source = await hub.store.db('sources').where({ name }).first();
    const out = [];
    for await (const item of streamItems(hub.store.db, { sourceId: source.id })) out.push(item);
    return out;
  }

  test('CSV rows become items keyed by the key column, with text and the other columns as fields', async () => {
    const file = write('a.csv', 'id,body,label,score\n7,"hello, world",pos,0.5\n8,"multi\nline",neg,\n');
    const { name, run } = await importFile({ path: file, key: 'id', text: 'body', label: 'label' });
    const items = await itemsOf(name);

    expect(run).toMatchObject({ status: 'succeeded', inserted: 2 });
    expect(items.map((i) => [i.key, i.text, i.fields])).toEqual([
      ['7', 'hello, world', { id: 7, label: 'pos', score: 0.5 }],
      ['8', 'multi\nline', { id: 8, label: 'neg', score: null }],
    ]);
  });

  test('without a key column, the line a record starts on is its key', async () => {
    const file = write('lines.csv', 'a,b\n1,"two\nlines"\n3,4\n');
    const { name } = await importFile({ path: file });

    expect((await itemsOf(name)).map((i) => i.key)).toEqual(['2', '4']);
  });

  test('gzip-compressed files are read by their content', async () => {
    const file = write('data.jsonl.gz', zlib.gzipSync('{"id":"a","t":"x"}\n\n{"id":"b","t":"y"}\n'));
    const { name, run } = await importFile({ path: file, key: 'id', text: 't' });

    expect(run.status).toBe('succeeded');
    expect((await itemsOf(name)).map((i) => [i.key, i.text])).toEqual([['a', 'x'], ['b', 'y']]);
  });

  test('TSV files split on tabs', async () => {
    const file = write('t.tsv', 'k\tv\nx\thas, comma\n');
    const { name } = await importFile({ path: file, key: 'k' });

    expect((await itemsOf(name))[0].fields).toEqual({ k: 'x', v: 'has, comma' });
  });

  test('a comma file read as TSV is refused at its header, saying to read it as CSV, and stores nothing', async () => {
    const file = write('commas.txt', 'id,body\n1,great\n2,awful\n');
    const { name, run } = await importFile({ path: file, format: 'tsv' });

    expect(run.status).toBe('failed');
    expect(run.error).toBe(`${file}:1: the header is one column holding commas: the file looks like CSV, read it with --format csv`);
    expect(await itemsOf(name)).toEqual([]);
  });

  test('numbers stay text when converting would lose something', async () => {
    const file = write('n.csv', 'k,zip,price,big\na,007,5.10,12\n');
    const { name } = await importFile({ path: file, key: 'k' });

    expect((await itemsOf(name))[0].fields).toEqual({ k: 'a', zip: '007', price: '5.10', big: 12 });
  });

  test('a malformed row fails the run naming file, line and reason, and keeps the rows before it', async () => {
    const rows = Array.from({ length: 1500 }, (_, i) => `${i},row ${i}`).join('\n');
    const file = write('bad.csv', `id,text\n${rows}\n1500,"broken\n`);
    const { name, run } = await importFile({ path: file, key: 'id', text: 'text' });

    expect(run.status).toBe('failed');
    expect(run.error).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:1502: a quoted field is never closed`));
    expect(await itemsOf(name)).toHaveLength(1500);
  });

  test('a wrong column count names the line', async () => {
    const file = write('count.csv', 'a,b\n1,2\n3,4,5\n');
    const { run } = await importFile({ path: file });

    expect(run.error).toBe(`${file}:3: wrong number of columns`);
  });

  test('an invalid JSON line names the line', async () => {
    const file = write('bad.jsonl', '{"a":1}\n{"a":\n');
    const { run } = await importFile({ path: file });

    expect(run.status).toBe('failed');
    expect(run.error).toMatch(new RegExp(`bad\\.jsonl:2: invalid JSON`));
  });

  test('after fixing the file, a rerun completes without duplicates', async () => {
    const file = write('fix.csv', 'id,text\n1,a\n2,"b\n');
    const { name, run } = await importFile({ path: file, key: 'id', text: 'text' });
    expect(run.status).toBe('failed');
    fs.writeFileSync(file, 'id,text\n1,a\n2,b\n3,c\n');
    await updateSource(get().hub.store.db, name, { config: { path: file, key: 'id', text: 'text' } });
    const rerun = await runSource(get().hub, name);

    expect(rerun).toMatchObject({ status: 'succeeded', inserted: 2, unchanged: 1 });
    expect((await itemsOf(name)).map((i) => i.key)).toEqual(['1', '2', '3']);
  });

  test('a large file is read on a thread of its own, with the same failure, progress and rerun as a small one', async () => {
    // Above the size from which reading and preparing move to their own thread (4 MiB).
    const rows = Array.from({ length: 40_000 }, (_, i) => `${i},"row ${i} ${'x'.repeat(100)}",${i % 2 ? 'pos' : 'neg'}`).join('\n');
    const file = write('large.csv', `id,text,label\n${rows}\n40000,"broken\n`);
    const { name, run } = await importFile({ path: file, key: 'id', text: 'text', label: 'label' });

    expect(run.status).toBe('failed');
    expect(run.error).toBe(`${file}:40002: a quoted field is never closed`);
    expect(run.progress).toMatchObject({ done: 40_000 });
    expect(await itemsOf(name)).toHaveLength(40_000);

    fs.writeFileSync(file, `id,text,label\n${rows}\n40000,fixed,pos\n`);
    const rerun = await runSource(get().hub, name);

    expect(rerun).toMatchObject({ status: 'succeeded', inserted: 1, unchanged: 40_000 });
    expect((await itemsOf(name))[7]).toMatchObject({ key: '7', text: `row 7 ${'x'.repeat(100)}`, fields: { id: 7, label: 'pos' } });
  });

  test('a file read on its own thread stores every kind of text as the import on one thread does, repeated keys included', async () => {
    const tricky = [
      ['t1', 'tab\there, back\\slash and "quotes"'],
      ['t2', 'two\r\nlines'],
      ['t3', 'café ☕ 𝄞'],
      ['t4', '\\N'],
      ['t5', ''],
      ['dup', 'same'],
      ['dup', 'same'],
      ['changed', 'first'],
      ['changed', 'second'],
    ];
    const csv = (extra: string) => {
      const cells = tricky.map(([key, text]) => `${key},"${text.replace(/"/g, '""')}",x\\N`).join('\n');
      // Above the size from which reading and preparing move to their own thread (4 MiB).
      const padding = Array.from({ length: 40_000 }, (_, i) => `p${i},"row ${i} ${'x'.repeat(100)}",`).join('\n');
      return `id,text,label\n${cells}\n${padding}\n${extra}\n`;
    };
    const big = write('tricky-big.csv', csv('last,last,'));
    const small = write('tricky-small.csv', `id,text,label\n${tricky.map(([key, text]) => `${key},"${text.replace(/"/g, '""')}",x\\N`).join('\n')}\n`);
    const { name, run } = await importFile({ path: big, key: 'id', text: 'text', label: 'label' });
    const { name: smallName } = await importFile({ path: small, key: 'id', text: 'text', label: 'label' });
    const stored = async (source: string) => {
      const { db } = get().hub.store;
      const sourceId = (await db('sources').where({ name: source }).first()).id;
      const rows = await db('items').where({ source_id: sourceId }).whereNot('key', 'like', 'p%').whereNot({ key: 'last' }).orderBy('id');
      return rows.map((r) => [r.key, r.text, r.fields, r.content_hash, r.fetched_at.length]);
    };

    expect(run).toMatchObject({ status: 'succeeded', inserted: 40_008, updated: 1, unchanged: 1 });
    expect(await stored(name)).toEqual(await stored(smallName));
    expect((await itemsOf(name)).slice(0, 5).map((i) => [i.key, i.text, i.fields])).toEqual([
      ['t1', 'tab\there, back\\slash and "quotes"', { id: 't1', label: 'x\\N' }],
      ['t2', 'two\nlines', { id: 't2', label: 'x\\N' }],
      ['t3', 'café ☕ 𝄞', { id: 't3', label: 'x\\N' }],
      ['t4', '\\N', { id: 't4', label: 'x\\N' }],
      ['t5', null, { id: 't5', label: 'x\\N' }],
    ]);

    fs.writeFileSync(big, csv('last,changed,'));
    const rerun = await runSource(get().hub, name);

    expect(rerun).toMatchObject({ status: 'succeeded', inserted: 0, updated: 3, unchanged: 40_007 });
    expect((await itemsOf(name)).find((i) => i.key === 'last')).toMatchObject({ text: 'changed', fields: { label: null } });
  });

  test('a key, text or label column that does not exist is refused before anything is written', async () => {
    const file = write('cols.csv', 'id,text\n1,a\n');
    const kind = get().hub.kinds.get('file');

    await expect(kind.preflight!({ path: file, key: 'nope' }, { log: get().hub.log })).rejects.toThrow(
      new InputError(`${file}: --key column "nope" does not exist (2 columns, header starts "id,text")`),
    );
    await expect(kind.preflight!({ path: file, label: 'lbl' }, { log: get().hub.log })).rejects.toThrow(/--label column "lbl"/);
  });
});
