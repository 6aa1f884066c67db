import { Ingestor } from '../../src/core/ingest.js';
import { createSource } from '../../src/core/sources.js';
import { createToken, createUser } from '../../src/labeling/users.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { describeEachStore } from '../helpers/stores.js';

describeEachStore('core HTTP API', (get) => {
  let server: RunningServer;
  let auth: Record<string, string>;

  beforeAll(async () => {
    const { hub } = get();
    await createUser(hub.store.db, { name: 'reader', role: 'manager', password: 'a-long-password' });
    auth = { authorization: `Bearer ${await createToken(hub.store.db, 'reader')}` };
    for (const name of ['alpha', 'beta']) {
      const source = await createSource(hub.store.db, { name, kind: 'file', config: { path: `/data/${name}.csv` } });
      const ingestor = new Ingestor(hub.store, { sourceId: source.id, runId: null });
      for (let i = 0; i < 5; i++) await ingestor.add({ key: `${name}-${i}`, text: `${name} text ${i}` });
      await ingestor.flush();
    }
    server = await startServer(hub, 0, '127.0.0.1');
  });
  afterAll(async () => {
    await server.close();
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by the assertions
  const call = async (path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: any }> => {
    const res = await fetch(server.url + path, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, headers: res.headers, body: type.includes('json') ? await res.json() : await res.text() };
  };

  test('GET /healthz answers 200 without authentication when the store answers', async () => {
    const res = await fetch(`${server.url}/healthz`);

    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  test('the API refuses requests without credentials', async () => {
    const res = await fetch(`${server.url}/api/items`);

    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
  });

  test('GET /api/sources lists sources with their item counts', async () => {
    const { status, body } = await call('/api/sources');

    expect(status).toBe(200);
    expect(body.sources.map((s: { name: string; itemCount: number }) => [s.name, s.itemCount])).toEqual([['alpha', 5], ['beta', 5]]);
  });

  test('GET /api/items pages with a cursor until nextCursor is null', async () => {
    const keys: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { body }: { body: { items: Array<{ key: string }>; nextCursor: string | null } } = await call(`/api/items?source=alpha&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      keys.push(...body.items.map((i) => i.key));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);

    expect(pages).toBe(3);
    expect(keys).toEqual(['alpha-0', 'alpha-1', 'alpha-2', 'alpha-3', 'alpha-4']);
  });

  test('items have the documented shape', async () => {
    const { body } = await call('/api/items?source=beta&limit=1');

    expect(Object.keys(body.items[0]).sort()).toEqual(['contentHash', 'fetchedAt', 'fields', 'id', 'key', 'source', 'text', 'url']);
  });

  test('an unknown source filter is a 404 with a JSON error', async () => {
    const { status, body } = await call('/api/items?source=nope');

    expect(status).toBe(404);
    expect(body.error).toMatchObject({ code: 'not_found', message: 'source not found: nope' });
  });

  test('a bad query parameter is a 400 naming the field', async () => {
    const { status, body } = await call('/api/items?limit=0');

    expect(status).toBe(400);
    expect(body.error.message).toMatch(/^query field limit: /);
  });

  test('a forged cursor is a 400', async () => {
    const { status } = await call('/api/items?cursor=garbage');

    expect(status).toBe(400);
  });

  test('an unknown API route is a JSON 404', async () => {
    const { status, body } = await call('/api/nothing-here');

    expect(status).toBe(404);
    expect(body.error.code).toBe('not_found');
  });

  test('a run that does not exist is a 404; a non-numeric id is a 400', async () => {
    expect((await call('/api/runs/999999')).status).toBe(404);
    expect((await call('/api/runs/abc')).status).toBe(400);
  });

  test('GET /api/items/:id/history gives the current content and each earlier one, newest first', async () => {
    const { hub } = get();
    const source = await createSource(hub.store.db, { name: 'changing', kind: 'file', config: { path: '/data/changing.csv' } });
    for (const text of ['first words', 'second words', 'third words']) {
      const ingestor = new Ingestor(hub.store, { sourceId: source.id, runId: null });
      await ingestor.add({ key: 'k', text });
      await ingestor.flush();
    }
    const item = await hub.store.db('items').where({ source_id: source.id, key: 'k' }).first('id', 'content_hash');
    const { status, body } = await call(`/api/items/${item.id}/history`);

    expect(status).toBe(200);
    expect(body.item).toMatchObject({ id: item.id, source: 'changing', key: 'k', text: 'third words' });
    expect(body.current.contentHash).toBe(item.content_hash);
    expect(body.versions).toHaveLength(2);
    expect(new Set([body.current.contentHash, ...body.versions.map((v: { contentHash: string }) => v.contentHash)]).size).toBe(3);
  });

  test('an item history is for admins and managers: an annotator gets 403, an unknown item 404', async () => {
    const { hub } = get();
    await createUser(hub.store.db, { name: 'labeler', role: 'annotator', password: 'a-long-password' });
    const annotator = { authorization: `Bearer ${await createToken(hub.store.db, 'labeler')}` };
    const [first] = await hub.store.db('items').orderBy('id').limit(1).pluck('id');

    expect((await call(`/api/items/${first}/history`, { headers: annotator })).status).toBe(403);
    expect((await call('/api/items/999999/history')).status).toBe(404);
  });

  test('pages are served with a Content-Security-Policy that allows no foreign script', async () => {
    const res = await fetch(`${server.url}/`);

    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
