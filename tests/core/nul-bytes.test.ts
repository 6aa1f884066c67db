import fs from 'node:fs';
import path from 'node:path';
import { streamItems } from '../../src/core/items.js';
import { createSource } from '../../src/core/sources.js';
import { runSource } from '../../src/hub.js';
import { describeEachStore, tempDir } from '../helpers/stores.js';

const dir = tempDir('trove-nul-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** 12,000 rows, the 9,000th holding a NUL in its text and in a field; padding makes the file big enough for the prepare thread. */
function csvWithNul(rows: number, nulRow: number, padding: string): string {
  const lines = ['id,body,note'];
  for (let i = 1; i <= rows; i++) lines.push(i === nulRow ? `${i},bad\0body,n\0te` : `${i},row ${i}${padding},note ${i}`);
  return lines.join('\n') + '\n';
}

describeEachStore('NUL characters in imported files', (get) => {
  let seq = 0;
  async function importFile(file: string, config: Record<string, unknown>) {
    const { hub } = get();
    const name = `nul-${++seq}`;
    await createSource(hub.store.db, { name, kind: 'file', config: { path: file, ...config } });
    const run = await runSource(hub, name);
    const items = [];
    for await (const item of streamItems(hub.store.db, { sourceId: run.sourceId })) items.push(item);
    return { run, items };
  }

  test.each([
    ['on one thread', ''],
    ['on the prepare thread', ' '.repeat(400)],
  ])('a NUL in row 9,000 of 12,000 of a CSV read %s is stored as U+FFFD and every row is kept', async (how, padding) => {
    const file = path.join(dir, `rows-${seq}.csv`);
    fs.writeFileSync(file, csvWithNul(12_000, 9000, padding));

    const { run, items } = await importFile(file, { key: 'id', text: 'body' });

    expect(run).toMatchObject({ status: 'succeeded', inserted: 12_000 });
    const bad = items.find((i) => i.key === '9000');
    expect(bad?.text).toBe('bad\uFFFDbody');
    expect(bad?.fields).toMatchObject({ note: 'n\uFFFDte' });
  });

  test('a NUL in a JSON Lines key, field name, nested value and text is stored as U+FFFD', async () => {
    const file = path.join(dir, 'rows.jsonl');
    fs.writeFileSync(file, '{"id": "a\\u0000b", "body": "x\\u0000y", "meta": {"de\\u0000ep": ["v\\u0000w"]}}\n{"id": "c", "body": "plain"}\n');

    const { run, items } = await importFile(file, { key: 'id', text: 'body' });

    expect(run).toMatchObject({ status: 'succeeded', inserted: 2 });
    expect(items.map((i) => [i.key, i.text, i.fields])).toEqual([
      ['a\uFFFDb', 'x\uFFFDy', { id: 'a\uFFFDb', meta: { 'de\uFFFDep': ['v\uFFFDw'] } }],
      ['c', 'plain', { id: 'c' }],
    ]);
  });
});
