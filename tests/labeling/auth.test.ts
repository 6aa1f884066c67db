import { startServer, type RunningServer } from '../../src/server/serve.js';
import { createToken, createUser, ensureFirstAdmin } from '../../src/labeling/users.js';
import { describeEachStore } from '../helpers/stores.js';
import { Client, unique } from './helpers.js';

describeEachStore('users and access', (get) => {
  let server: RunningServer;
  const password = 'correct horse battery';
  let annotator: string;
  let admin: string;

  beforeAll(async () => {
    const { db } = get().hub.store;
    annotator = (await createUser(db, { name: unique('ann'), role: 'annotator', password })).name;
    admin = (await createUser(db, { name: unique('adm'), role: 'admin', password })).name;
    server = await startServer(get().hub, 0, '127.0.0.1');
  });
  afterAll(() => server.close());

  test('every /api route but login needs authentication; /healthz does not', async () => {
    const anon = new Client(server.url);
    expect((await anon.get('/healthz')).status).toBe(200);
    for (const path of ['/api/projects', '/api/sources', '/api/items', '/api/users', '/api/auth/me', '/api/no-such-route']) {
      expect([path, (await anon.get(path)).status]).toEqual([path, 401]);
    }
    expect((await anon.post('/api/runs/1/cancel')).status).toBe(401);
  });

  test('logging in sets an httpOnly SameSite=Lax session cookie and /me answers with the user and a CSRF token', async () => {
    const c = new Client(server.url);
    const login = await c.login(annotator, password);
    const cookie = login.headers.get('set-cookie') ?? '';
    const me = await c.get<{ user: { name: string; role: string }; csrfToken: string }>('/api/auth/me');

    expect(login.status).toBe(200);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i);
    expect(me.body.user).toMatchObject({ name: annotator, role: 'annotator' });
    expect(me.body.csrfToken).toBe(login.body.csrfToken);
  });

  test('the cookie is Secure behind TLS when the operator names the proxy (TROVE_TRUST_PROXY), and X-Forwarded-Proto is ignored otherwise', async () => {
    const hub = get().hub;
    const proxied = await startServer({ ...hub, config: { ...hub.config, trustProxy: 'loopback' } }, 0, '127.0.0.1');
    try {
      const behindProxy = await new Client(proxied.url).request('POST', '/api/auth/login', { username: annotator, password }, { 'x-forwarded-proto': 'https' });
      const direct = await new Client(server.url).request('POST', '/api/auth/login', { username: annotator, password }, { 'x-forwarded-proto': 'https' });

      expect(behindProxy.headers.get('set-cookie')).toMatch(/Secure/i);
      expect(direct.headers.get('set-cookie')).not.toMatch(/Secure/i);
    } finally {
      await proxied.close();
    }
  });

  test('the login form may be posted as form fields username and password', async () => {
    const res = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: annotator, password }).toString(),
    });
    expect(res.status).toBe(200);
  });

  test('a cookie session cannot change anything without its CSRF token', async () => {
    const c = new Client(server.url);
    await c.login(annotator, password);
    const token = c.csrf;
    c.csrf = undefined;
    const without = await c.post('/api/tasks/1/skip');
    c.csrf = 'wrong-token-of-some-length';
    const wrong = await c.post('/api/tasks/1/skip');
    c.csrf = token;
    const right = await c.post('/api/tasks/1/skip');

    expect(without.status).toBe(403);
    expect(wrong.status).toBe(403);
    expect(right.status).toBe(404);
  });

  test('a bearer token authenticates scripts without a CSRF token; a wrong one is refused', async () => {
    const token = await createToken(get().hub.store.db, admin);
    const ok = await new Client(server.url, token).get<{ users: Array<{ name: string }> }>('/api/users');
    const bad = await new Client(server.url, 'trove_not-a-token').get('/api/users');

    expect(ok.status).toBe(200);
    expect(ok.body.users.map((u) => u.name)).toContain(annotator);
    expect(JSON.stringify(ok.body)).not.toMatch(/scrypt|password/);
    expect(bad.status).toBe(401);
  });

  test('annotators get 403 on admin routes and cannot cancel runs', async () => {
    const c = new Client(server.url);
    await c.login(annotator, password);
    expect((await c.get('/api/users')).status).toBe(403);
    expect((await c.post('/api/runs/1/cancel')).status).toBe(403);
    expect((await c.post('/api/projects', { name: 'x', sources: ['y'], schema: {} })).status).toBe(403);
  });

  test('logging out ends the session', async () => {
    const c = new Client(server.url);
    await c.login(annotator, password);
    expect((await c.post('/api/auth/logout')).status).toBe(204);
    expect((await c.get('/api/auth/me')).status).toBe(401);
  });

  test('a wrong password is refused, and repeated failures are rate-limited', async () => {
    const name = (await createUser(get().hub.store.db, { name: unique('victim'), role: 'annotator', password })).name;
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await new Client(server.url).login(name, 'wrong password')).status);
    const withRightPassword = await new Client(server.url).login(name, password);

    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses[10]).toBe(429);
    expect(withRightPassword.status).toBe(429);
  });

  test('passwords are stored as scrypt hashes, never as given', async () => {
    const row = await get().hub.store.db('users').where({ name: annotator }).first();
    expect(row.password_hash).toMatch(/^scrypt\$/);
    expect(row.password_hash).not.toContain(password);
  });

  test('the first admin comes from TROVE_ADMIN_USER / TROVE_ADMIN_PASSWORD, only on an empty hub', async () => {
    const { db } = get().hub.store;
    const again = await ensureFirstAdmin(db, { TROVE_ADMIN_USER: 'root', TROVE_ADMIN_PASSWORD: 'first-admin-pw' });
    expect(again).toBeUndefined();
    await db('users').del();
    const created = await ensureFirstAdmin(db, { TROVE_ADMIN_USER: 'root', TROVE_ADMIN_PASSWORD: 'first-admin-pw' });
    const login = await new Client(server.url).login('root', 'first-admin-pw');

    expect(created).toEqual({ name: 'root' });
    expect(login.body.user).toEqual({ name: 'root', role: 'admin' });
  });
});
