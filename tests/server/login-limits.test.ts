import { createUser } from '../../src/labeling/users.js';
import { LoginLimiter } from '../../src/server/auth.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { describeEachStore } from '../helpers/stores.js';
import { Client, unique } from '../labeling/helpers.js';

const password = 'the right passphrase';

describeEachStore('login attempts are limited before passwords are checked', (get) => {
  let direct: RunningServer;
  let proxied: RunningServer;

  beforeAll(async () => {
    const hub = get().hub;
    direct = await startServer(hub, 0, '127.0.0.1');
    proxied = await startServer({ ...hub, config: { ...hub.config, trustProxy: 'loopback' } }, 0, '127.0.0.1');
  });
  afterAll(async () => {
    await direct.close();
    await proxied.close();
  });

  const victim = async () => (await createUser(get().hub.store.db, { name: unique('victim'), role: 'admin', password })).name;
  const login = (server: RunningServer, name: string, pw: string, from?: string) =>
    new Client(server.url).request('POST', '/api/auth/login', { username: name, password: pw }, from ? { 'x-forwarded-for': from } : {});

  test('of 60 concurrent guesses only 10 are checked; the rest get 429 with Retry-After', async () => {
    const name = await victim();
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => login(direct, name, `guess number ${i}`)));
    const statuses = answers.map((a) => a.status);

    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(50);
    expect(Number(answers.find((a) => a.status === 429)?.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  test('guesses from another address do not lock the user out from its own', async () => {
    const name = await victim();
    for (let i = 0; i < 10; i++) await login(proxied, name, `guess ${i}`, '203.0.113.9');
    const attacker = await login(proxied, name, password, '203.0.113.9');
    const owner = await login(proxied, name, password, '198.51.100.20');

    expect(attacker.status).toBe(429);
    expect(owner.status).toBe(200);
  });

  test('without a configured proxy, X-Forwarded-For is not believed: changing it does not reset the count', async () => {
    const name = await victim();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await login(direct, name, `guess ${i}`, `203.0.113.${i + 1}`)).status);

    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses[10]).toBe(429);
  });
});

describe('the login limiter', () => {
  test('slows an address spraying many names to one attempt per interval instead of locking it out', () => {
    const limiter = new LoginLimiter({ perUserAndAddress: 10, perAddress: 3 }, 60_000, 5_000);
    for (let i = 0; i < 3; i++) limiter.attempt('10.0.0.1', `user${i}`, 1_000);

    expect(() => limiter.attempt('10.0.0.1', 'user9', 2_000)).toThrow(/try again in 4 s/);
    expect(() => limiter.attempt('10.0.0.1', 'user9', 6_001)).not.toThrow();
    expect(() => limiter.attempt('10.0.0.2', 'user9', 2_000)).not.toThrow();
  });

  test('a success forgets the failures of that name at that address', () => {
    const limiter = new LoginLimiter({ perUserAndAddress: 2, perAddress: 100 });
    limiter.attempt('10.0.0.1', 'bob', 1_000);
    limiter.succeed('10.0.0.1', 'bob');
    limiter.attempt('10.0.0.1', 'bob', 1_001);

    expect(() => limiter.attempt('10.0.0.1', 'bob', 1_002)).not.toThrow();
    expect(() => limiter.attempt('10.0.0.1', 'bob', 1_003)).toThrow(/too many failed logins/);
  });
});
