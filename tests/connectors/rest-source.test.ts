import { streamItems } from '../../src/core/items.js';
import { createSource } from '../../src/core/sources.js';
import { runSource } from '../../src/hub.js';
import { describeEachStore } from '../helpers/stores.js';
import { sendJson, startFake, type FakeServer } from './helpers/http-fake.js';

const TOKEN = 'rest-token-5521';
const records = Array.from({ length: 7 }, (_, i) => ({ id: i + 1, body: `record ${i + 1}`, meta: { n: i } }));
let failPage: number | undefined;
let flakyRuns = 0;
let fake: FakeServer;

beforeAll(async () => {
  process.env.TROVE_SECRET_TEST_REST_TOKEN = TOKEN;
  process.env.TROVE_SECRET_TEST_REST_KEY = 'key-8812';
  process.env.TROVE_SECRET_TEST_REST_USER = 'ana';
  process.env.TROVE_SECRET_TEST_REST_PASS = 'pass-7733';
  const flaky = new Map<string, number>();
  fake = await startFake((req, res, url) => {
    const auth = req.headers.authorization;
    if (url.pathname === '/cursor') {
      if (auth !== `Bearer ${TOKEN}`) return sendJson(res, { error: 'bad token' }, 401);
      const start = Number(url.searchParams.get('cursor') ?? 0);
      if (failPage !== undefined && start === failPage) return sendJson(res, { error: 'boom' }, 400);
      const page = records.slice(start, start + 3);
      const next = start + 3 < records.length ? String(start + 3) : null;
      return sendJson(res, { data: { items: page }, meta: { next_cursor: next } });
    }
    if (url.pathname === '/pages') {
      if (req.headers['x-api-key'] !== 'key-8812') return sendJson(res, {}, 403);
      const page = Number(url.searchParams.get('p'));
      return sendJson(res, records.slice((page - 1) * 3, page * 3));
    }
    if (url.pathname === '/offset') {
      if (auth !== `Basic ${Buffer.from('ana:pass-7733').toString('base64')}`) return sendJson(res, {}, 401);
      const offset = Number(url.searchParams.get('offset'));
      const limit = Number(url.searchParams.get('limit'));
      return sendJson(res, { results: records.slice(offset, offset + limit) });
    }
    if (url.pathname === '/link') {
      const start = Number(url.searchParams.get('from') ?? 0);
      const link = start + 3 < records.length ? `</link?from=${start + 3}>; rel="next", </link?from=0>; rel="first"` : '</link?from=0>; rel="first"';
      return sendJson(res, records.slice(start, start + 3), 200, { link });
    }
    if (url.pathname === '/flaky') {
      const seen = (flaky.get(url.search) ?? 0) + 1;
      flaky.set(url.search, seen);
      if (seen === 1) return sendJson(res, { error: 'slow down' }, 429, { 'retry-after': '0' });
      if (seen === 2) return sendJson(res, { error: 'unavailable' }, 503, { 'x-ratelimit-reset': '0' });
      return sendJson(res, { items: records.slice(0, 2) });
    }
    if (url.pathname === '/broken') {
      const start = Number(url.searchParams.get('cursor') ?? 0);
      if (start > 0) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{"items": [');
      }
      return sendJson(res, { items: records.slice(0, 3), next: 3 });
    }
    sendJson(res, { error: 'not found' }, 404);
  });
});
afterAll(async () => {
  await fake.close();
});

describeEachStore('rest collector', (get) => {
  let seq = 0;
  async function addRest(config: Record<string, unknown>) {
    const { hub } = get();
    const name = `rest-${++seq}`;
    const parsed = hub.kinds.parseConfig('rest', { kind: 'rest', ...config }) as Record<string, unknown>;
    const source = await createSource(hub.store.db, { name, kind: 'rest', config: parsed });
    return { name, source };
  }
  async function keysOf(sourceId: number) {
    const out: string[] = [];
    for await (const item of streamItems(get().hub.store.db, { sourceId })) out.push(item.key);
    return out;
  }

  test('cursor pagination with a bearer token: records from a dotted path, key and text columns', async () => {
    const { name, source } = await addRest({
      url: `${fake.base}/cursor`,
      tokenEnv: 'TROVE_SECRET_TEST_REST_TOKEN',
      recordsPath: 'data.items',
      key: 'id',
      text: 'body',
      pagination: { type: 'cursor', param: 'cursor', field: 'meta.next_cursor' },
    });
    const run = await runSource(get().hub, name);
    expect(run).toMatchObject({ status: 'succeeded', inserted: 7 });
    const first = (await streamItems(get().hub.store.db, { sourceId: source.id }).next()).value;
    expect(first).toMatchObject({ key: '1', text: 'record 1', fields: { id: 1, meta: { n: 0 } } });
  });

  test('page pagination with an API-key header stops at an empty page', async () => {
    const { name, source } = await addRest({
      url: `${fake.base}/pages`,
      headerName: 'X-Api-Key',
      headerEnv: 'TROVE_SECRET_TEST_REST_KEY',
      key: 'id',
      pagination: { type: 'page', param: 'p' },
    });
    expect(await runSource(get().hub, name)).toMatchObject({ status: 'succeeded', inserted: 7 });
    expect(await keysOf(source.id)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
  });

  test('offset pagination with basic auth stops at a short page', async () => {
    const { name } = await addRest({
      url: `${fake.base}/offset`,
      userEnv: 'TROVE_SECRET_TEST_REST_USER',
      passwordEnv: 'TROVE_SECRET_TEST_REST_PASS',
      recordsPath: 'results',
      key: 'id',
      pagination: { type: 'offset', limit: 4 },
    });
    expect(await runSource(get().hub, name)).toMatchObject({ status: 'succeeded', inserted: 7 });
  });

  test('Link header pagination follows rel="next" (RFC 8288)', async () => {
    const { name } = await addRest({ url: `${fake.base}/link`, key: 'id', pagination: { type: 'link' } });
    expect(await runSource(get().hub, name)).toMatchObject({ status: 'succeeded', inserted: 7 });
  });

  test('429 and 503 answers are retried, honouring Retry-After and X-RateLimit-Reset', async () => {
    const tag = String(++flakyRuns);
    const { name } = await addRest({ url: `${fake.base}/flaky`, query: { run: tag }, recordsPath: 'items', key: 'id' });
    expect(await runSource(get().hub, name)).toMatchObject({ status: 'succeeded', inserted: 2 });
    expect(fake.requests.filter((r) => r === `GET /flaky?run=${tag}`)).toHaveLength(3);
  });

  test('a run that fails on a page keeps the pages before it and resumes at that page', async () => {
    const { name, source } = await addRest({
      url: `${fake.base}/cursor`,
      tokenEnv: 'TROVE_SECRET_TEST_REST_TOKEN',
      recordsPath: 'data.items',
      key: 'id',
      pagination: { type: 'cursor', param: 'cursor', field: 'meta.next_cursor' },
    });
    failPage = 6;
    const failed = await runSource(get().hub, name);
    failPage = undefined;
    expect(failed).toMatchObject({ status: 'failed', inserted: 6 });
    expect(failed.error).toBe(`GET ${fake.base}/cursor: HTTP 400 Bad Request`);
    const before = fake.requests.length;
    const resumed = await runSource(get().hub, name);
    expect(resumed).toMatchObject({ status: 'succeeded', inserted: 1, seen: 1 });
    expect(fake.requests.slice(before)).toEqual(['GET /cursor?cursor=6']);
    expect(await keysOf(source.id)).toHaveLength(7);
  });

  test('a malformed JSON page fails the run with one line and keeps the pages before it', async () => {
    const { name } = await addRest({ url: `${fake.base}/broken`, recordsPath: 'items', key: 'id', pagination: { type: 'cursor', param: 'cursor', field: 'next' } });
    const run = await runSource(get().hub, name);
    expect(run).toMatchObject({ status: 'failed', inserted: 3 });
    expect(run.error).toMatch(new RegExp(`^${fake.base}/broken \\(page 2\\): the answer is not valid JSON \\(.+\\)$`));
  });

  test('a refused token fails with one line that does not show it', async () => {
    process.env.TROVE_SECRET_TEST_REST_BAD = 'wrong-token-0001';
    const { name } = await addRest({ url: `${fake.base}/cursor`, tokenEnv: 'TROVE_SECRET_TEST_REST_BAD', recordsPath: 'data.items', key: 'id' });
    const run = await runSource(get().hub, name);
    expect(run.error).toBe(`GET ${fake.base}/cursor: HTTP 401 Unauthorized`);
    expect(JSON.stringify(run)).not.toContain('wrong-token-0001');
  });
});
