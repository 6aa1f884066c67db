import { Ingestor } from '../../src/core/ingest.js';
import { createSource } from '../../src/core/sources.js';
import { describeEachStore } from '../helpers/stores.js';

describeEachStore('ingest', (get) => {
  let sourceSeq = 0;
  async function newSource() {
    return createSource(get().hub.store.db, { name: `ingest-${++sourceSeq}`, kind: 'file', config: { path: '/x.csv' } });
  }

  test('re-ingesting unchanged records changes nothing', async () => {
    const { store } = get().hub;
    const source = await newSource();
    const first = new Ingestor(store, { sourceId: source.id, runId: null });
    for (let i = 0; i < 3; i++) await first.add({ key: `k${i}`, text: `text ${i}`, fields: { n: i } });
    await first.flush();
    const before = await store.db('items').where({ source_id: source.id }).orderBy('id');

    const again = new Ingestor(store, { sourceId: source.id, runId: null });
    for (let i = 0; i < 3; i++) await again.add({ key: `k${i}`, text: `text ${i}`, fields: { n: i } });
    await again.flush();

    expect(first.counts).toMatchObject({ seen: 3, inserted: 3, updated: 0, unchanged: 0 });
    expect(again.counts).toMatchObject({ seen: 3, inserted: 0, updated: 0, unchanged: 3 });
    expect(await store.db('items').where({ source_id: source.id }).orderBy('id')).toEqual(before);
  });
});
