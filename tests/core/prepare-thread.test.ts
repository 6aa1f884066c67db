import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { InputError } from '../../src/core/errors.js';
import { prepareItem, type PreparedItem } from '../../src/core/prepare-item.js';
import type { PrepareJob } from '../../src/connectors/file/prepare-protocol.js';
import { prepareOnThread } from '../../src/connectors/file/prepare-thread.js';
import { tempDir } from '../helpers/stores.js';

const dir = tempDir('trove-prepare-');
function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

function csvJob(file: string, overrides: Partial<PrepareJob> = {}): PrepareJob {
  return { file, format: 'csv', label: file, mapping: { key: 'id', text: 'text', restore: false }, trackLines: false, redact: [], ...overrides };
}

async function collect(job: PrepareJob): Promise<{ items: PreparedItem[]; redacted: Record<string, number>; error?: unknown }> {
  const items: PreparedItem[] = [];
  const redacted: Record<string, number> = {};
  try {
    for await (const { records } of prepareOnThread(job)) {
      items.push(...records.items);
      for (const [kind, n] of Object.entries(records.redacted ?? {})) redacted[kind] = (redacted[kind] ?? 0) + n;
    }
  } catch (error) {
    return { items, redacted, error };
  }
  return { items, redacted };
}

function rows(count: number): string {
  return Array.from({ length: count }, (_, i) => `${i + 1},row ${i + 1}`).join('\n');
}

describe('preparing a file on its own thread', () => {
  test('yields the items the import on one thread would prepare, hashes included', async () => {
    const file = write('a.csv', 'id,text,label\n7,"hello\r\nworld",pos\n8,plain,\n');
    const { items } = await collect(csvJob(file));

    const expected = [
      prepareItem({ key: '7', text: 'hello\r\nworld', fields: { id: 7, label: 'pos' } }, null),
      prepareItem({ key: '8', text: 'plain', fields: { id: 8, label: null } }, null),
    ];
    expect(items.map(({ fetched_at: _, ...rest }) => rest)).toEqual(expected.map(({ fetched_at: _, ...rest }) => rest));
  });

  test('every item carries the time it was read, across batches', async () => {
    const before = new Date().toISOString();
    const file = write('times.csv', `id,text\n${rows(4500)}\n`);
    const { items } = await collect(csvJob(file));
    const after = new Date().toISOString();

    expect(items).toHaveLength(4500);
    expect(items.every((i) => i.fetched_at >= before && i.fetched_at <= after)).toBe(true);
  });

  test('a header the cells cannot stand for takes the row objects, as the import on one thread does', async () => {
    const file = write('proto.csv', 'id,text,__proto__\n1,a,x\n');
    const { items } = await collect(csvJob(file));

    expect(items.map((i) => i.fields)).toEqual(['{"id":1}']);
  });

  test('reads gzip-compressed files', async () => {
    const file = write('a.csv.gz', zlib.gzipSync(`id,text\n${rows(3)}\n`));
    const { items } = await collect(csvJob(file));

    expect(items.map((i) => i.key)).toEqual(['1', '2', '3']);
  });

  test('a malformed row ends the read with file, line and reason, after every row before it', async () => {
    const file = write('bad.csv', `id,text\n${rows(5000)}\n5001,"broken\n`);
    const { items, error } = await collect(csvJob(file));

    expect(items).toHaveLength(5000);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(`${file}:5002: a quoted field is never closed`);
  });

  test('a malformed end of file still yields every row before it when the importer is slow', async () => {
    const long = Array.from({ length: 20_000 }, (_, i) => `${i + 1},row ${i + 1} ${'x'.repeat(100)}`).join('\n');
    const file = write('slow.csv', `id,text\n${long}\n20001,"broken\n`);
    let taken = 0;
    let error: unknown;
    try {
      for await (const { records } of prepareOnThread(csvJob(file))) {
        taken += records.items.length;
        // The thread reads ahead until its queue is full, so the parser fails with rows still buffered.
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
    } catch (err) {
      error = err;
    }

    expect(taken).toBe(20_000);
    expect((error as Error).message).toBe(`${file}:20002: a quoted field is never closed`);
  });

  test('a row that cannot become a record ends the read after the rows before it', async () => {
    const file = write('nokey.csv', `id,text\n${rows(2500)}\n,no key\n9,after\n`);
    const { items, error } = await collect(csvJob(file));

    expect(items).toHaveLength(2500);
    expect((error as Error).message).toBe(`${file}:2502: key column "id" is empty`);
  });

  test('redacts before hashing and counts what it replaced', async () => {
    const file = write('pii.csv', 'id,text\n1,mail ann@example.com\n2,and bob@example.org\n');
    const { items, redacted } = await collect(csvJob(file, { redact: ['email'] }));

    expect(items.map((i) => i.text)).toEqual(['mail [EMAIL]', 'and [EMAIL]']);
    expect(items[0].content_hash).toBe(prepareItem({ key: '1', text: 'mail [EMAIL]', fields: { id: 1 } }, null).content_hash);
    expect(redacted).toEqual({ email: 2, phone: 0, ip: 0, card: 0 });
  });

  test('without a key column, the line a record starts on is its key', async () => {
    const file = write('lines.csv', 'a,b\n1,"two\nlines"\n3,4\n');
    const { items } = await collect(csvJob(file, { mapping: { restore: false }, trackLines: true }));

    expect(items.map((i) => i.key)).toEqual(['2', '4']);
  });

  test('long rows come in smaller batches, all of them in order', async () => {
    const long = Array.from({ length: 3000 }, (_, i) => `${i + 1},${String(i).padEnd(2000, 'x')}`).join('\n');
    const file = write('long-rows.csv', `id,text\n${long}\n`);
    const sizes: number[] = [];
    const keys: string[] = [];
    for await (const { records } of prepareOnThread(csvJob(file))) {
      sizes.push(records.size);
      keys.push(...records.items.map((i) => i.key));
    }

    expect(keys).toEqual(Array.from({ length: 3000 }, (_, i) => String(i + 1)));
    expect(Math.max(...sizes)).toBeLessThan(2000);
  });

  test('leaving early stops the thread', async () => {
    const file = write('long.csv', `id,text\n${rows(50_000)}\n`);
    let batches = 0;
    for await (const batch of prepareOnThread(csvJob(file))) {
      batches += batch.records.items.length > 0 ? 1 : 0;
      break;
    }

    expect(batches).toBe(1);
  });
});
