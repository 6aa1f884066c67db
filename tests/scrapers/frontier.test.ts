import { createSource } from '../../src/core/sources.js';
import { Frontier } from '../../src/scrapers/frontier.js';
import { describeEachStore } from '../helpers/stores.js';

describeEachStore('crawl frontier', (get) => {
  let seq = 0;
  async function newFrontiers(owners: string[], runId = 1) {
    const { store } = get().hub;
    const source = await createSource(store.db, { name: `frontier-${++seq}`, kind: 'crawl', config: { startUrls: ['http://x/'] } });
    return owners.map((name) => new Frontier(store.db, store.dialect, source.id, { runId, name }));
  }
  const urls = (n: number) => Array.from({ length: n }, (_, i) => ({ url: `http://site.test/p/${i}`, depth: 1 }));

  test('two workers leasing at once never get the same URL, and between them get every one', async () => {
    const { store } = get().hub;
    const [a, b] = await newFrontiers(['worker-a', 'worker-b']);
    await store.db.transaction((trx) => a.add(trx, urls(300)));
    const taken: Record<string, number[]> = { a: [], b: [] };
    const drain = async (f: Frontier, into: number[]) => {
      for (;;) {
        const { entries } = await f.lease(7, 60_000);
        if (entries.length === 0) return;
        into.push(...entries.map((e) => e.id));
        await store.db.transaction((trx) => f.settle(trx, entries.map((e) => ({ id: e.id, status: 'done' as const }))));
      }
    };
    await Promise.all([drain(a, taken.a), drain(b, taken.b), drain(a, taken.a), drain(b, taken.b)]);
    const all = [...taken.a, ...taken.b];
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(300);
    expect((await a.state()).done).toBe(300);
  });

  test('a URL is queued once however often it is found', async () => {
    const { store } = get().hub;
    const [f] = await newFrontiers(['w']);
    await store.db.transaction((trx) => f.add(trx, urls(5)));
    await store.db.transaction((trx) => f.add(trx, urls(10)));
    expect((await f.state()).queued).toBe(10);
  });

  test('a lease that ran out goes back to the queue for another worker', async () => {
    const { store } = get().hub;
    const [dead, alive] = await newFrontiers(['dead', 'alive']);
    await store.db.transaction((trx) => dead.add(trx, urls(3)));
    expect((await dead.lease(3, 1)).entries).toHaveLength(3);
    await store.db('crawl_frontier').where({ source_id: dead.sourceId }).update({ lease_until: '2000-01-01T00:00:00.000Z' });
    expect((await alive.lease(3, 60_000)).entries).toHaveLength(0);
    expect(await alive.expireLeases()).toBe(3);
    expect((await alive.lease(3, 60_000)).entries).toHaveLength(3);
  });

  test('leases of an earlier run are released when a new run resumes the crawl', async () => {
    const { store } = get().hub;
    const [old] = await newFrontiers(['old'], 1);
    const resumed = new Frontier(store.db, store.dialect, old.sourceId, { runId: 2, name: 'new' });
    await store.db.transaction((trx) => old.add(trx, urls(4)));
    await old.lease(4, 600_000);
    expect(await store.db.transaction((trx) => resumed.releaseOtherRuns(trx))).toBe(4);
    expect((await resumed.lease(10, 60_000)).entries.map((e) => e.url)).toEqual(urls(4).map((u) => u.url));
  });

  test('the page budget is shared: leased and done URLs together never exceed it', async () => {
    const { store } = get().hub;
    const [a, b] = await newFrontiers(['a', 'b']);
    await store.db.transaction((trx) => a.add(trx, urls(20)));
    const [ra, rb] = await Promise.all([a.lease(8, 60_000, 10), b.lease(8, 60_000, 10)]);
    expect(ra.entries.length + rb.entries.length).toBe(10);
  });
});
