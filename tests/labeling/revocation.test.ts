import { createUser, ensureFirstAdmin, issueToken, setPassword } from '../../src/labeling/users.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { describeEachStore } from '../helpers/stores.js';
import { Client, unique } from './helpers.js';

const password = 'a long enough passphrase';

describeEachStore('ending sessions and tokens', (get) => {
  let server: RunningServer;
  let admin: Client;
  let adminName: string;

  beforeAll(async () => {
    adminName = (await createUser(get().hub.store.db, { name: unique('adm'), role: 'admin', password })).name;
    await createUser(get().hub.store.db, { name: unique('adm2'), role: 'admin', password });
    server = await startServer(get().hub, 0, '127.0.0.1');
    admin = new Client(server.url);
    await admin.login(adminName, password);
  });
  afterAll(() => server.close());

  const newManager = async () => (await createUser(get().hub.store.db, { name: unique('bob'), role: 'manager', password })).name;
  const signedIn = async (name: string, pw = password) => {
    const c = new Client(server.url);
    await c.login(name, pw);
    return c;
  };

  test('a password change ends the sessions opened with the old one', async () => {
    const bob = await newManager();
    const session = await signedIn(bob);
    expect((await session.get('/api/auth/me')).status).toBe(200);
    await setPassword(get().hub.store.db, bob, 'a brand new passphrase');
    // The hub keeps a resolved session for a few seconds; a fresh server has no such copy.
    const fresh = await startServer({ ...get().hub }, 0, '127.0.0.1');
    try {
      const old = new Client(fresh.url);
      old.cookie = session.cookie;
      expect((await old.get('/api/auth/me')).status).toBe(401);
      expect((await new Client(fresh.url).login(bob, 'a brand new passphrase')).status).toBe(200);
    } finally {
      await fresh.close();
    }
  });

  test('tokens have names and optional expiry, are listed without the secret, and a revoked one stops at once', async () => {
    const bob = await newManager();
    const made = await admin.post<{ token: string; id: number; name: string; expiresAt: string }>(`/api/users/${bob}/tokens`, { name: 'nightly export', expiresInDays: 30 });
    const script = new Client(server.url, made.body.token);
    const before = await script.get('/api/sources');
    const listed = await admin.get<{ tokens: Array<{ id: number; name: string; expiresAt: string | null; lastUsedAt: string | null }> }>(`/api/users/${bob}/tokens`);
    const revoked = await admin.request('DELETE', `/api/users/${bob}/tokens/${made.body.id}`);
    const after = await script.get('/api/sources');

    expect(made.status).toBe(201);
    expect(made.body.name).toBe('nightly export');
    expect(Date.parse(made.body.expiresAt)).toBeGreaterThan(Date.now() + 29 * 24 * 3600 * 1000);
    expect(before.status).toBe(200);
    expect(listed.body.tokens).toEqual([expect.objectContaining({ id: made.body.id, name: 'nightly export', lastUsedAt: expect.any(String) })]);
    expect(JSON.stringify(listed.body)).not.toContain(made.body.token);
    expect(revoked.status).toBe(204);
    expect(after.status).toBe(401);
  });

  test('an expired token is refused', async () => {
    const bob = await newManager();
    const { token } = await issueToken(get().hub.store.db, bob, { name: 'old', expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect((await new Client(server.url, token).get('/api/sources')).status).toBe(401);
  });

  test('a disabled user cannot log in, and its sessions and tokens stop working; enabling it lets it log in again', async () => {
    const bob = await newManager();
    const session = await signedIn(bob);
    const script = new Client(server.url, (await issueToken(get().hub.store.db, bob)).token);
    expect((await script.get('/api/sources')).status).toBe(200);
    const disabled = await admin.post<{ user: { disabled: boolean } }>(`/api/users/${bob}/disable`);

    expect(disabled.body.user.disabled).toBe(true);
    expect((await session.get('/api/auth/me')).status).toBe(401);
    expect((await script.get('/api/sources')).status).toBe(401);
    expect((await new Client(server.url).login(bob, password)).status).toBe(401);
    await admin.post(`/api/users/${bob}/enable`);
    expect((await new Client(server.url).login(bob, password)).status).toBe(200);
  });

  test('the last enabled admin cannot be disabled', async () => {
    const { db } = get().hub.store;
    const others: Array<{ name: string }> = await db('users').where({ role: 'admin', disabled: false }).whereNot({ name: adminName }).select('name');
    for (const other of others) expect((await admin.post(`/api/users/${other.name}/disable`)).status).toBe(200);
    const last = await admin.post<{ error: { message: string } }>(`/api/users/${adminName}/disable`);

    expect(last.status).toBe(409);
    expect(last.body.error.message).toMatch(/only enabled admin/);
    await db('users').where({ role: 'admin' }).update({ disabled: false });
  });
});

describeEachStore('the password policy, for every role', (get) => {
  test.each([
    ['eight spaces', '        '],
    ['a very common one', '12345678'],
    ['a short one', 'x7!b'],
    ['one character repeated', 'aaaaaaaaaaaa'],
  ])('refuses %s', async (_what, weak) => {
    await expect(createUser(get().hub.store.db, { name: unique('u'), role: 'admin', password: weak })).rejects.toMatchObject({ status: 400 });
  });

  test('refuses a weak password given as the first admin’s, and on a password change', async () => {
    const { db } = get().hub.store;
    await db('users').del();
    await expect(ensureFirstAdmin(db, { TROVE_ADMIN_USER: 'root', TROVE_ADMIN_PASSWORD: 'password' })).rejects.toThrow(/most common passwords/);
    const name = (await createUser(db, { name: unique('u'), role: 'annotator', password })).name;
    await expect(setPassword(db, name, 'qwertyuiop')).rejects.toThrow(/most common passwords/);
    await expect(setPassword(db, name, `${name}-2024`)).rejects.toThrow(/user name/);
  });
});

describeEachStore('login and logout come from the hub’s own pages', (get) => {
  let server: RunningServer;
  let name: string;

  beforeAll(async () => {
    name = (await createUser(get().hub.store.db, { name: unique('ann'), role: 'annotator', password })).name;
    server = await startServer(get().hub, 0, '127.0.0.1');
  });
  afterAll(() => server.close());

  test('a login form posted from another site is refused (login CSRF)', async () => {
    const form = (headers: Record<string, string>) =>
      fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams({ username: name, password }).toString() });
    const crossSite = await form({ 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' });
    const oldBrowser = await form({ origin: 'https://evil.example' });
    const ownPage = await form({ 'sec-fetch-site': 'same-origin', origin: server.url });

    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get('set-cookie')).toBeNull();
    expect(oldBrowser.status).toBe(403);
    expect(ownPage.status).toBe(200);
  });

  test('a logout without the session’s CSRF token, or posted from another site, leaves the session as it was', async () => {
    const c = new Client(server.url);
    await c.login(name, password);
    const token = c.csrf;
    c.csrf = undefined;
    const withoutToken = await c.post('/api/auth/logout');
    c.csrf = token;
    const crossSite = await c.request('POST', '/api/auth/logout', undefined, { 'sec-fetch-site': 'cross-site' });
    // A cross-site form brings no SameSite=Lax cookie: the answer must not clear it either.
    const noCookie = await fetch(`${server.url}/api/auth/logout`, { method: 'POST' });

    expect(withoutToken.status).toBe(403);
    expect(crossSite.status).toBe(403);
    expect(noCookie.headers.get('set-cookie')).toBeNull();
    expect((await c.get('/api/auth/me')).status).toBe(200);
    expect((await c.post('/api/auth/logout')).status).toBe(204);
    expect((await c.get('/api/auth/me')).status).toBe(401);
  });
});
