import { Ingestor } from '../../src/core/ingest.js';
import { createSource } from '../../src/core/sources.js';
import { describeEachStore } from '../helpers/stores.js';

describeEachStore('ingest', (get) => {
  let sourceSeq = 0;
  async function newSource() {
    return createSource(get().hub.store.db, { name: `ingest-${++sourceSeq}`, kind: 'file', config: { path: '/x.csv' } });
  }
  async function ingest(sourceId: number, records: Array<{ key: string; text?: string; fields?: Record<string, unknown>; raw?: string }>, batchSize?: number) {
    const ingestor = new Ingestor(get().hub.store, { sourceId, runId: null, batchSize });
    for (const r of records) await ingestor.add(r);
    await ingestor.flush();
    return ingestor.counts;
  }

  test('re-ingesting unchanged records changes nothing', async () => {
    const { db } = get().hub.store;
    const source = await newSource();
    const records = [0, 1, 2].map((i) => ({ key: `k${i}`, text: `text ${i}`, fields: { n: i } }));
    const first = await ingest(source.id, records);
    const before = await db('items').where({ source_id: source.id }).orderBy('id');
    const again = await ingest(source.id, records);

    expect(first).toMatchObject({ seen: 3, inserted: 3, updated: 0, unchanged: 0 });
    expect(again).toMatchObject({ seen: 3, inserted: 0, updated: 0, unchanged: 3 });
    expect(await db('items').where({ source_id: source.id }).orderBy('id')).toEqual(before);
  });

  test('a changed record keeps its id and its previous content hash is recorded', async () => {
    const { db } = get().hub.store;
    const source = await newSource();
    await ingest(source.id, [{ key: 'a', text: 'first' }]);
    const before = await db('items').where({ source_id: source.id, key: 'a' }).first();
    const counts = await ingest(source.id, [{ key: 'a', text: 'second' }]);
    const after = await db('items').where({ source_id: source.id, key: 'a' }).first();
    const versions = await db('item_versions').where({ item_id: before.id });

    expect(counts).toMatchObject({ updated: 1, inserted: 0 });
    expect(after.id).toBe(before.id);
    expect(after.text).toBe('second');
    expect(after.content_hash).not.toBe(before.content_hash);
    expect(versions.map((v) => v.content_hash)).toEqual([before.content_hash]);
  });

  test('the same key twice in one batch stores the last content', async () => {
    const { db } = get().hub.store;
    const source = await newSource();
    const counts = await ingest(source.id, [{ key: 'x', text: 'old' }, { key: 'y', text: 'y' }, { key: 'x', text: 'new' }]);
    const rows = await db('items').where({ source_id: source.id }).orderBy('key');

    expect(rows.map((r) => [r.key, r.text])).toEqual([['x', 'new'], ['y', 'y']]);
    expect(counts).toMatchObject({ seen: 3, inserted: 2, updated: 1 });
  });

  test('keys are unique per source, not across sources', async () => {
    const { db } = get().hub.store;
    const a = await newSource();
    const b = await newSource();
    await ingest(a.id, [{ key: '1', text: 'from a' }]);
    await ingest(b.id, [{ key: '1', text: 'from b' }]);

    expect(await db('items').whereIn('source_id', [a.id, b.id]).count({ n: '*' }).first()).toMatchObject({ n: 2 });
  });

  test('raw payloads go to the blob store once, addressed by their hash', async () => {
    const { store } = get().hub;
    const source = await newSource();
    await ingest(source.id, [{ key: 'p1', raw: '<html>same</html>' }, { key: 'p2', raw: '<html>same</html>' }]);
    const rows = await store.db('items').where({ source_id: source.id }).orderBy('key');

    expect(rows[0].blob_hash).toHaveLength(64);
    expect(rows[1].blob_hash).toBe(rows[0].blob_hash);
    expect((await store.blobs.get(rows[0].blob_hash)).toString()).toBe('<html>same</html>');
  });

  test('batches larger than the insert chunk are all stored', async () => {
    const { db } = get().hub.store;
    const source = await newSource();
    const records = Array.from({ length: 2500 }, (_, i) => ({ key: String(i), text: `t${i}` }));
    const counts = await ingest(source.id, records, 2500);

    expect(counts.inserted).toBe(2500);
    expect(await db('items').where({ source_id: source.id }).count({ n: '*' }).first()).toMatchObject({ n: 2500 });
  });

  test('JSON fields and timestamps read back exactly as written', async () => {
    const { db } = get().hub.store;
    const source = await newSource();
    const fields = { n: 1.5, s: 'é 🙂', nested: { list: [1, null, 'x'] }, flag: true, none: null };
    const ingestor = new Ingestor(get().hub.store, { sourceId: source.id, runId: null });
    await ingestor.add({ key: 'j', fields, fetchedAt: '2026-01-02T03:04:05.678Z' });
    await ingestor.flush();
    const row = await db('items').where({ source_id: source.id }).first();

    expect(JSON.parse(row.fields)).toEqual(fields);
    expect(row.fetched_at).toBe('2026-01-02T03:04:05.678Z');
  });
});
