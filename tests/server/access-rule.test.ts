import { enableCrowdLink } from '../../src/labeling/crowd-link.js';
import { addMember, createProject, getProject, type Project } from '../../src/labeling/projects.js';
import { createUser } from '../../src/labeling/users.js';
import { ACCESS, routesOf } from '../../src/server/access.js';
import { createApp } from '../../src/server/app.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { describeEachStore } from '../helpers/stores.js';
import { Client, seedProject, seedSource, sentimentSchema, unique, type NextReply } from '../labeling/helpers.js';

/**
 * The access rule as a specification, independent of the table in src/server/access.ts: what
 * needs no login, what any login may call (answering only about the caller's own work), what is
 * for admins. Every other route is for admins and managers.
 */
const PUBLIC = ['GET /healthz', 'GET /crowd/:token', 'POST /api/auth/login', 'POST /api/auth/logout', 'GET /{*path}'];
const ANY_LOGIN = [
  'GET /api/auth/me',
  'GET /api/projects',
  'GET /api/projects/:name',
  'GET /api/projects/:name/next',
  'POST /api/tasks/:id/annotations',
  'POST /api/tasks/:id/skip',
  'GET /api/projects/:name/my-annotations',
  'PUT /api/annotations/:id',
  'GET /api/projects/:name/progress',
  'GET /api/projects/:name/crowd-status',
  'GET /api/items/:id/image',
];
const ADMIN_ONLY = (key: string) => key.includes(' /api/users');

type Caller = 'none' | 'annotator' | 'crowd' | 'manager' | 'admin';
const CALLERS: Caller[] = ['none', 'annotator', 'crowd', 'manager', 'admin'];

function mayCall(caller: Caller, key: string): boolean {
  if (PUBLIC.includes(key)) return true;
  if (caller === 'none') return false;
  if (ANY_LOGIN.includes(key)) return true;
  if (caller === 'annotator' || caller === 'crowd') return false;
  return caller === 'admin' || !ADMIN_ONLY(key);
}

describeEachStore('one access rule for every route', (get) => {
  let server: RunningServer;
  let project: Project;
  let other: Project;
  let crowdToken: string;
  const password = 'a long enough passphrase';
  const names = { annotator: unique('ann'), manager: unique('mgr'), admin: unique('adm') };

  beforeAll(async () => {
    const { db } = get().hub.store;
    project = await seedProject(get().hub, ['first text', 'second text', 'third text']);
    other = await seedProject(get().hub, ['someone else’s text']);
    for (const role of ['annotator', 'manager', 'admin'] as const) await createUser(db, { name: names[role], role, password });
    await addMember(db, project.name, names.annotator);
    crowdToken = (await enableCrowdLink(db, project, { quota: 2 })).token;
    server = await startServer(get().hub, 0, '127.0.0.1');
  });
  afterAll(() => server.close());

  async function signedIn(caller: Caller): Promise<Client> {
    const c = new Client(server.url);
    if (caller === 'crowd') {
      // The route walk disables the link too.
      crowdToken = (await enableCrowdLink(get().hub.store.db, await getProject(get().hub.store.db, project.name), { quota: 2 })).token;
      await c.get(`/crowd/${crowdToken}?PROLIFIC_PID=${unique('w')}`);
      c.csrf = (await c.get<{ csrfToken: string }>('/api/auth/me')).body.csrfToken;
    } else if (caller !== 'none') {
      await c.login(names[caller], password);
    }
    return c;
  }

  function concretePath(key: string): string {
    const path = key.slice(key.indexOf(' ') + 1);
    const name = path.startsWith('/api/projects') ? project.name : 'no-such-thing';
    return path
      .replace(':token', crowdToken)
      .replace(':name', name)
      .replace(':version', '1')
      .replace(':worker', 'no-such-worker')
      .replace(':id', '999999')
      .replace('{*path}', 'anything');
  }

  test('the access table lists exactly the routes the app has', () => {
    const keys = routesOf(createApp(get().hub)).map((r) => r.key);
    expect([...keys].sort()).toEqual(Object.keys(ACCESS).sort());
  });

  test('every route answers each kind of caller as the rule says', async () => {
    const routes = routesOf(createApp(get().hub)).map((r) => r.key);
    const outcomes: string[] = [];
    for (const caller of CALLERS) {
      const client = await signedIn(caller);
      for (const key of routes) {
        const method = key.startsWith('ALL ') ? 'GET' : key.slice(0, key.indexOf(' '));
        // Logging out would end the session the other requests use.
        const c = key === 'POST /api/auth/logout' ? await signedIn(caller) : client;
        const res = await c.request(method, concretePath(key), method === 'GET' ? undefined : {});
        const allowed = mayCall(caller, key);
        const expected = allowed ? 'passes the rule' : caller === 'none' ? 401 : 403;
        const got = allowed ? (res.status === 401 || res.status === 403 ? res.status : 'passes the rule') : res.status;
        outcomes.push(`${caller} ${key} → ${got}${got === expected ? '' : ` (expected ${expected})`}`);
      }
    }
    expect(outcomes.filter((o) => o.includes('expected'))).toEqual([]);
  });

  test('an annotator sees the image route only for items it was served by next', async () => {
    const c = await signedIn('annotator');
    const foreignItem: { id: number } = await get().hub.store.db('items').where({ source_id: (await get().hub.store.db('project_sources').where({ project_id: other.id }).first()).source_id }).first('id');
    const before = await c.get<{ error: { message: string } }>(`/api/items/${foreignItem.id}/image`);
    const served = await c.get<NextReply>(`/api/projects/${project.name}/next`);
    const own = await c.get<{ error: { message: string } }>(`/api/items/${served.body.item.id}/image`);

    expect(before.status).toBe(404);
    expect(before.body.error.message).toMatch(/^item not found/);
    expect(own.body.error.message).toMatch(/^image of item not found/);
  });

  test('a crowd session opens only its own project, even when its worker is made a member of another', async () => {
    const c = await signedIn('crowd');
    const me = await c.get<{ user: { name: string } }>('/api/auth/me');
    await addMember(get().hub.store.db, other.name, me.body.user.name);

    expect((await c.get(`/api/projects/${project.name}`)).status).toBe(200);
    expect((await c.get(`/api/projects/${other.name}`)).status).toBe(403);
    expect((await c.get(`/api/projects/${other.name}/next`)).status).toBe(403);
    expect((await c.get<{ projects: unknown[] }>('/api/projects')).body.projects).toHaveLength(1);
  });

  test('annotators and crowd workers read no source, run, item list, snapshot or model', async () => {
    const source = await seedSource(get().hub, ['private text']);
    await createProject(get().hub.store.db, { name: unique('p'), sources: [source.name], schema: sentimentSchema });
    for (const caller of ['annotator', 'crowd'] as const) {
      const c = await signedIn(caller);
      for (const path of ['/api/items', `/api/items?source=${source.name}`, '/api/sources', `/api/sources/${source.name}`, '/api/runs', '/api/snapshots', '/api/models', '/api/serving/v1/models']) {
        expect([caller, path, (await c.get(path)).status]).toEqual([caller, path, 403]);
      }
    }
  });
});
