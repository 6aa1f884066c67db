import { createLogger } from '../../src/core/log.js';
import { addMember } from '../../src/labeling/projects.js';
import { createUser } from '../../src/labeling/users.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { describeEachStore } from '../helpers/stores.js';
import { Client, seedProject, unique, type NextReply } from '../labeling/helpers.js';

const password = 'a long enough passphrase';

describeEachStore('text at the edge of the API', (get) => {
  let server: RunningServer;
  const logged: string[] = [];
  let admin: Client;
  let annotator: string;

  beforeAll(async () => {
    const hub = get().hub;
    const adminName = (await createUser(hub.store.db, { name: unique('adm'), role: 'admin', password })).name;
    server = await startServer({ ...hub, log: createLogger({ level: 'debug', write: (line) => logged.push(line) }) }, 0, '127.0.0.1');
    admin = new Client(server.url);
    await admin.login(adminName, password);
    annotator = (await createUser(hub.store.db, { name: unique('ann'), role: 'annotator', password })).name;
  });
  afterAll(() => server.close());
  // None of these may reach the store or end as a 500 with a stack in the log.
  afterEach(() => {
    expect(logged.filter((l) => /stack|unexpected error/.test(l))).toEqual([]);
  });

  test('a NUL in the login name answers 400, as JSON and as form fields', async () => {
    const json = await new Client(server.url).request<{ error: { code: string } }>('POST', '/api/auth/login', { username: 'adm\u0000in', password });
    const form = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=adm%00in&password=x' });

    expect(json.status).toBe(400);
    expect(json.body.error.code).toBe('bad_input');
    expect(form.status).toBe(400);
  });

  test('a NUL in a query parameter, a path segment or a nested body field answers 400 naming it', async () => {
    const query = await admin.get('/api/items?source=a%00b');
    const path = await admin.get('/api/sources/a%00b');
    const body = await admin.request<{ error: { message: string } }>('POST', '/api/projects', { name: 'p', sources: ['x'], schema: { kind: 'single', labels: [{ value: 'a\u0000' }] } });

    expect(query.status).toBe(400);
    expect(path.status).toBe(400);
    expect(body.status).toBe(400);
    expect(body.body.error.message).toBe('body.schema.labels[0].value holds a NUL character');
  });

  test('a lone surrogate in a JSON body, or one percent-encoded in the URL, answers 400', async () => {
    const raw = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username": "a\\ud800", "password": "x"}' });
    const url = await admin.get('/api/items?source=%ED%A0%80');

    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ error: { message: 'body.username holds a lone surrogate (not Unicode text)' } });
    expect(url.status).toBe(400);
  });

  test('a body that is not UTF-8 answers 400 instead of being stored with replacement characters', async () => {
    const bytes = Buffer.concat([Buffer.from('{"username": "a'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('", "password": "x"}')]);
    const res = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bytes });

    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { message: 'request body is not valid UTF-8' } });
  });

  test('a span that cuts an emoji in half is refused; one around it is stored', async () => {
    const project = await seedProject(get().hub, ['I ❤️ 🐈 cats'], { schema: { kind: 'spans', labels: [{ value: 'EMOJI' }] } });
    await addMember(get().hub.store.db, project.name, annotator);
    const c = new Client(server.url);
    await c.login(annotator, password);
    const next = await c.get<NextReply>(`/api/projects/${project.name}/next`);
    const text = next.body.item.text ?? '';
    const cat = text.indexOf('🐈');
    const half = await c.post<{ error: { message: string } }>(`/api/tasks/${next.body.task.id}/annotations`, { id: unique('c'), result: { spans: [{ start: cat, end: cat + 1, label: 'EMOJI' }] } });
    const whole = await c.post(`/api/tasks/${next.body.task.id}/annotations`, { id: unique('c'), result: { spans: [{ start: cat, end: cat + 2, label: 'EMOJI' }] } });

    expect(half.status).toBe(422);
    expect(half.body.error.message).toMatch(/cuts a character in half/);
    expect(whole.status).toBe(201);
  });
});
