import { Ingestor, type IngestEvent } from '../../src/core/ingest.js';
import { PreparedRecords, prepareItem } from '../../src/core/prepare-item.js';
import { Redactor } from '../../src/core/redact.js';
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

  test('a batch mixing new and already stored keys inserts only the new ones and reports each new id once', async () => {
    const { db } = get().hub.store;
    const source = await newSource();
    const record = (i: number) => ({ key: `m${i}`, text: `text ${i}` });
    const storedFirst = Array.from({ length: 34 }, (_, i) => i * 3);
    await ingest(source.id, storedFirst.map(record));
    const events: IngestEvent[] = [];
    const ingestor = new Ingestor(get().hub.store, { sourceId: source.id, runId: null, listeners: [async (_trx, e) => void events.push(e)] });
    for (let i = 0; i < 250; i++) await ingestor.add(record(i));
    await ingestor.flush();
    const newIds = await db('items').where({ source_id: source.id }).whereNotIn('key', storedFirst.map((i) => `m${i}`)).pluck('id');

    expect(ingestor.counts).toMatchObject({ seen: 250, inserted: 216, unchanged: 34, updated: 0 });
    expect(events.flatMap((e) => e.inserted).sort((a, b) => a - b)).toEqual(newIds.map(Number).sort((a, b) => a - b));
  });

  test('text with tabs, line breaks, backslashes and escape-like sequences is stored exactly', async () => {
    const { db } = get().hub.store;
    const source = await newSource();
    const text = 'tab\there\r\nnext line\\ back\\slash \\N \\t literal';
    await ingest(source.id, [{ key: 'key\twith\\tab', text, fields: { note: 'a\nb' } }, { key: 'no-text' }]);
    const rows = await db('items').where({ source_id: source.id }).orderBy('key');

    expect(rows.map((r) => [r.key, r.text])).toEqual([
      ['key\twith\\tab', text.replace(/\r\n/g, '\n')],
      ['no-text', null],
    ]);
    expect(JSON.parse(rows[0].fields)).toEqual({ note: 'a\nb' });
  });

  test('records added as one chunk are stored in order, a repeated key keeping its last content', async () => {
    const { db } = get().hub.store;
    const source = await newSource();
    const ingestor = new Ingestor(get().hub.store, { sourceId: source.id, runId: null, batchSize: 2 });
    await ingestor.addMany([
      { key: 'a', text: 'first' },
      { key: 'b', text: 'b' },
      { key: 'c', text: 'c' },
      { key: 'a', text: 'second' },
      { key: 'd', text: 'd' },
    ]);
    await ingestor.flush();
    const rows = await db('items').where({ source_id: source.id }).orderBy('id');

    expect(rows.map((r) => [r.key, r.text])).toEqual([['a', 'second'], ['b', 'b'], ['c', 'c'], ['d', 'd']]);
    expect(ingestor.counts).toMatchObject({ seen: 5, inserted: 4, updated: 1 });
  });

  test('records prepared by the source are stored as added ones would be, and their redaction counts go to the run', async () => {
    const { db } = get().hub.store;
    const source = await newSource();
    const redactor = new Redactor(['email']);
    const ingestor = new Ingestor(get().hub.store, { sourceId: source.id, runId: null, redactor });
    const items = [prepareItem({ key: 'a', text: 'mail [EMAIL]' }, null), prepareItem({ key: 'b', text: 'plain' }, null)];
    await ingestor.addPrepared(new PreparedRecords(items, { email: 1, phone: 0, ip: 0, card: 0 }));
    await ingestor.flush();

    expect(ingestor.counts).toMatchObject({ seen: 2, inserted: 2 });
    expect(redactor.stats()).toEqual({ 'redacted.email': 1 });
    expect(await db('items').where({ source_id: source.id }).orderBy('key').pluck('content_hash')).toEqual(items.map((i) => i.content_hash));
  });

  test('with background checkpoints, a bulk ingest stores everything and close() gives the store back its own checkpoints', async () => {
    const { store } = get().hub;
    const source = await newSource();
    const ingestor = new Ingestor(store, { sourceId: source.id, runId: null, batchSize: 100, backgroundCheckpoints: true });
    for (let i = 0; i < 1000; i++) await ingestor.add({ key: `k${i}`, text: `text ${i}` });
    await ingestor.flush();
    await ingestor.close();

    expect(Number((await store.db('items').where({ source_id: source.id }).count({ n: '*' }).first())?.n)).toBe(1000);
    if (store.dialect === 'sqlite') expect(await store.db.raw('PRAGMA wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 1000 }]);
  });

  test('bulk ingests running at once share the checkpoint thread; the store checkpoints itself again after the last', async () => {
    const { store } = get().hub;
    const [a, b] = [await newSource(), await newSource()];
    const ingestors = [a, b].map((s) => new Ingestor(store, { sourceId: s.id, runId: null, batchSize: 250, backgroundCheckpoints: true }));
    for (let i = 0; i < 1200; i++) for (const ingestor of ingestors) await ingestor.add({ key: `k${i}` });
    await Promise.all(ingestors.map((ingestor) => ingestor.flush()));
    await ingestors[0].close();
    const whileOneRuns = store.dialect === 'sqlite' ? await store.db.raw('PRAGMA wal_autocheckpoint') : undefined;
    await ingestors[1].close();

    expect(ingestors.map((ingestor) => ingestor.counts.inserted)).toEqual([1200, 1200]);
    if (store.dialect === 'sqlite') {
      expect(whileOneRuns).toEqual([{ wal_autocheckpoint: 0 }]);
      expect(await store.db.raw('PRAGMA wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 1000 }]);
    }
  });

  test('a run committing small batches, as a crawl does, checkpoints in the background once it has taken 1,000 records', async () => {
    const { store } = get().hub;
    const source = await newSource();
    const ingestor = new Ingestor(store, { sourceId: source.id, runId: null, batchSize: 5000, backgroundCheckpoints: true });
    const autocheckpoint = async () => (store.dialect === 'sqlite' ? await store.db.raw('PRAGMA wal_autocheckpoint') : undefined);
    const flushEvery50 = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        await ingestor.add({ key: `page${i}` });
        if ((i + 1) % 50 === 0) await ingestor.flush();
      }
    };
    await flushEvery50(0, 950);
    const beforeBulk = await autocheckpoint();
    await flushEvery50(950, 1100);
    const inBulk = await autocheckpoint();
    await ingestor.close();

    expect(ingestor.counts.inserted).toBe(1100);
    if (store.dialect === 'sqlite') {
      expect(beforeBulk).toEqual([{ wal_autocheckpoint: 1000 }]);
      expect(inBulk).toEqual([{ wal_autocheckpoint: 0 }]);
      expect(await autocheckpoint()).toEqual([{ wal_autocheckpoint: 1000 }]);
    }
  });

  test('text is stored with unified line breaks and composed accents, so equal text hashes equal', async () => {
    const { db } = get().hub.store;
    const source = await newSource();
    await ingest(source.id, [
      { key: 'crlf', text: 'one\r\ntwo\rthree\tfour' },
      { key: 'decomposed', text: 'cafe\u0301' },
      { key: 'composed', text: 'caf\u00e9' },
    ]);
    const rows = await db('items').where({ source_id: source.id }).orderBy('key').select('key', 'text', 'content_hash');

    expect(rows.map((r) => [r.key, r.text])).toEqual([
      ['composed', 'caf\u00e9'],
      ['crlf', 'one\ntwo\nthree\tfour'],
      ['decomposed', 'caf\u00e9'],
    ]);
    expect(rows[0].content_hash).toBe(rows[2].content_hash);
  });
});
