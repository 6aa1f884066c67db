import { streamItems, type Item } from '../../src/core/items.js';
import { createSource } from '../../src/core/sources.js';
import { runSource } from '../../src/hub.js';
import { describeEachStore } from '../helpers/stores.js';
import { sendJson, startFake, type FakeServer } from './helpers/http-fake.js';

function post(id: string, n: number) {
  return {
    kind: 't3',
    data: {
      id,
      name: `t3_${id}`,
      title: `Post ${id}`,
      selftext: n % 2 ? `body of ${id}` : '',
      author: 'someone',
      created_utc: 1700000000 + n,
      score: n,
      num_comments: id === 'a1' ? 2 : 0,
      permalink: `/r/datasets/comments/${id}/post_${id}/`,
      url: `https://example.org/${id}`,
      subreddit: 'datasets',
      thumbnail: 'self',
    },
  };
}

const listing = (children: unknown[], after: string | null) => ({ kind: 'Listing', data: { after, before: null, dist: children.length, children } });

let fake: FakeServer;
const tokenRequests: string[] = [];
beforeAll(async () => {
  process.env.TROVE_SECRET_TEST_REDDIT_ID = 'client-id-1';
  process.env.TROVE_SECRET_TEST_REDDIT_SECRET = 'client-secret-2';
  process.env.TROVE_SECRET_TEST_REDDIT_USER = 'bot_user';
  process.env.TROVE_SECRET_TEST_REDDIT_PASS = 'bot-pass-3';
  fake = await startFake(async (req, res, url) => {
    if (url.pathname === '/api/v1/access_token' && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += String(chunk);
      tokenRequests.push(body);
      if (req.headers.authorization !== `Basic ${Buffer.from('client-id-1:client-secret-2').toString('base64')}`) {
        return sendJson(res, { message: 'Unauthorized', error: 401 }, 401);
      }
      return sendJson(res, { access_token: 'token-abc', token_type: 'bearer', expires_in: 86400, scope: '*' });
    }
    if (req.headers.authorization !== 'bearer token-abc') return sendJson(res, { message: 'Unauthorized', error: 401 }, 401);
    const limits = { 'x-ratelimit-remaining': '599.0', 'x-ratelimit-used': '1', 'x-ratelimit-reset': '300' };
    if (url.pathname === '/r/datasets/new') {
      const after = url.searchParams.get('after');
      if (!after) return sendJson(res, listing([post('a1', 1), post('a2', 2)], 't3_a2'), 200, limits);
      return sendJson(res, listing([post('a3', 3)], null), 200, limits);
    }
    if (url.pathname === '/r/datasets/comments/a1/post_a1/') {
      const reply = { kind: 't1', data: { id: 'c2', name: 't1_c2', body: 'a reply', author: 'b', parent_id: 't1_c1', link_id: 't3_a1', permalink: '/r/datasets/comments/a1/post_a1/c2/', replies: '' } };
      const comment = {
        kind: 't1',
        data: { id: 'c1', name: 't1_c1', body: 'first!', author: 'a', parent_id: 't3_a1', link_id: 't3_a1', permalink: '/r/datasets/comments/a1/post_a1/c1/', replies: listing([reply], null) },
      };
      return sendJson(res, [listing([post('a1', 1)], null), listing([comment, { kind: 'more', data: { count: 5, children: ['x'] } }], null)], 200, limits);
    }
    sendJson(res, { message: 'Not Found', error: 404 }, 404);
  });
});
afterAll(async () => {
  await fake.close();
});

describeEachStore('reddit collector', (get) => {
  let seq = 0;
  async function collect(config: Record<string, unknown>) {
    const { hub } = get();
    const name = `reddit-${++seq}`;
    const parsed = hub.kinds.parseConfig('reddit', {
      kind: 'reddit',
      subreddit: 'datasets',
      clientIdEnv: 'TROVE_SECRET_TEST_REDDIT_ID',
      clientSecretEnv: 'TROVE_SECRET_TEST_REDDIT_SECRET',
      userAgent: 'trove-tests/1.0 by u/tester',
      authBase: fake.base,
      apiBase: fake.base,
      ...config,
    }) as Record<string, unknown>;
    const source = await createSource(hub.store.db, { name, kind: 'reddit', config: parsed });
    const run = await runSource(hub, name);
    const items: Item[] = [];
    for await (const item of streamItems(hub.store.db, { sourceId: source.id })) items.push(item);
    return { run, items };
  }

  test('an application-only token pages the listing with after, keeping the post fields', async () => {
    const { run, items } = await collect({ listing: 'new' });
    expect(run).toMatchObject({ status: 'succeeded', inserted: 3 });
    expect(tokenRequests.at(-1)).toBe('grant_type=client_credentials');
    expect(items[0]).toMatchObject({
      key: 't3_a1',
      url: `${fake.base}/r/datasets/comments/a1/post_a1/`,
      text: 'Post a1\n\nbody of a1',
      fields: { type: 'post', id: 'a1', title: 'Post a1', author: 'someone', created_utc: 1700000001, score: 1, subreddit: 'datasets', url: 'https://example.org/a1' },
    });
    expect(items[0].fields).not.toHaveProperty('thumbnail');
  });

  test('with comments, each post brings its comment tree as items', async () => {
    const { items } = await collect({ comments: true, maxItems: 1 });
    expect(items.map((i) => [i.key, i.text])).toEqual([
      ['t3_a1', 'Post a1\n\nbody of a1'],
      ['t1_c1', 'first!'],
      ['t1_c2', 'a reply'],
    ]);
    expect(items[2].fields).toMatchObject({ type: 'comment', parent_id: 't1_c1' });
  });

  test("a script app's password grant sends the account", async () => {
    const { run } = await collect({ usernameEnv: 'TROVE_SECRET_TEST_REDDIT_USER', passwordEnv: 'TROVE_SECRET_TEST_REDDIT_PASS', maxItems: 1 });
    expect(run.status).toBe('succeeded');
    expect(tokenRequests.at(-1)).toBe('grant_type=password&username=bot_user&password=bot-pass-3');
  });

  test('a refused client secret fails the run with one line that does not show it', async () => {
    process.env.TROVE_SECRET_TEST_REDDIT_BAD = 'bad-secret-999';
    const { run } = await collect({ clientSecretEnv: 'TROVE_SECRET_TEST_REDDIT_BAD' });
    expect(run.status).toBe('failed');
    expect(run.error).toBe(`reddit: the client id or secret was refused (POST ${fake.base}/api/v1/access_token: HTTP 401 Unauthorized)`);
    expect(JSON.stringify(run)).not.toContain('bad-secret-999');
  });
});
