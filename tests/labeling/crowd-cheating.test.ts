import http from 'node:http';
import { completionCodeFor, enableCrowdLink } from '../../src/labeling/crowd-link.js';
import { getProject, setGold, type Project } from '../../src/labeling/projects.js';
import { createUser } from '../../src/labeling/users.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { describeEachStore } from '../helpers/stores.js';
import { Client, seedProject, unique, type AnnotationReply, type NextReply } from './helpers.js';

type Status = { done: number; goldSeen: number | null; goldAccuracy: number | null; passed: boolean | null; completionCode: string | null };

describeEachStore('crowd workers cannot cheat their way to a completion code', (get) => {
  let server: RunningServer;
  let manager: Client;
  const password = 'a long enough passphrase';

  beforeAll(async () => {
    const name = (await createUser(get().hub.store.db, { name: unique('mgr'), role: 'manager', password })).name;
    server = await startServer(get().hub, 0, '127.0.0.1');
    manager = new Client(server.url);
    await manager.login(name, password);
  });
  afterAll(() => server.close());

  async function crowdProject(texts: string[], opts: { quota: number; minGoldAccuracy?: number; goldRate?: number }): Promise<{ project: Project; token: string }> {
    const project = await seedProject(get().hub, texts, { goldRate: opts.goldRate ?? 0 });
    const link = await enableCrowdLink(get().hub.store.db, project, { quota: opts.quota, minGoldAccuracy: opts.minGoldAccuracy });
    return { project: await getProject(get().hub.store.db, project.name), token: link.token };
  }

  async function arrive(token: string, workerId: string, browser = new Client(server.url)) {
    const res = await browser.get(`/crowd/${token}?PROLIFIC_PID=${workerId}`);
    if (res.status === 303) browser.csrf = (await browser.get<{ csrfToken: string }>('/api/auth/me')).body.csrfToken;
    return { browser, status: res.status };
  }

  async function label(worker: Client, project: Project, answer: string): Promise<number> {
    const next = await worker.get<NextReply>(`/api/projects/${project.name}/next`);
    const saved = await worker.post<AnnotationReply>(`/api/tasks/${next.body.task.id}/annotations`, { id: unique('a'), result: { label: answer } });
    return saved.body.annotation.id;
  }

  test('editing a wrong gold answer after seeing the status does not change the gold score, and accuracy shows only at the end', async () => {
    const { project, token } = await crowdProject(['gold one', 'gold two'], { quota: 2, minGoldAccuracy: 1, goldRate: 1 });
    const items: Array<{ item_id: number }> = await get().hub.store.db('tasks').where({ project_id: project.id }).select('item_id');
    await setGold(get().hub.store.db, project, items.map((t) => ({ itemId: t.item_id, result: { label: 'pos' } })));
    const { browser: worker } = await arrive(token, unique('w'));

    const first = await label(worker, project, 'neg');
    const midway = await worker.get<Status>(`/api/projects/${project.name}/crowd-status`);
    const edit = await worker.put(`/api/annotations/${first}`, { result: { label: 'pos' } });
    await label(worker, project, 'pos');
    const final = await worker.get<Status>(`/api/projects/${project.name}/crowd-status`);

    expect(midway.body).toEqual({ done: 1, quota: 2, goldSeen: null, goldAccuracy: null, passed: null, completionCode: null });
    expect(edit.status).toBe(200);
    expect(final.body).toMatchObject({ done: 2, goldSeen: 2, goldAccuracy: 0.5, passed: false, completionCode: null });
  });

  test('each worker gets its own completion code, which the manager can look up', async () => {
    const { project, token } = await crowdProject(['a', 'b', 'c', 'd'], { quota: 1 });
    const ids = [unique('w'), unique('w')];
    const codes: Array<string | null> = [];
    for (const id of ids) {
      const { browser } = await arrive(token, id);
      await label(browser, project, 'pos');
      codes.push((await browser.get<Status>(`/api/projects/${project.name}/crowd-status`)).body.completionCode);
    }
    const listed = await manager.get<{ workers: Array<{ worker: string; completionCode: string | null }> }>(`/api/projects/${project.name}/crowd-workers`);

    expect(codes[0]).not.toEqual(codes[1]);
    expect(codes).toEqual(ids.map((id) => completionCodeFor(project.crowd!, `PROLIFIC_PID:${id}`)));
    expect(listed.body.workers.map((w) => [w.worker, w.completionCode])).toEqual(ids.map((id, i) => [id, codes[i]]));
  });

  test('a worker id is bound to the browser that claimed it first, until the manager releases it', async () => {
    const { project, token } = await crowdProject(['a', 'b'], { quota: 2 });
    const id = unique('w');
    const first = await arrive(token, id);
    const second = await arrive(token, id);
    const firstAgain = await arrive(token, id, first.browser);
    const release = await manager.post(`/api/projects/${project.name}/crowd-workers/${id}/release`);
    const secondAfterRelease = await arrive(token, id, second.browser);

    expect(first.status).toBe(303);
    expect(second.status).toBe(409);
    expect(firstAgain.status).toBe(303);
    expect(release.status).toBe(204);
    expect(secondAfterRelease.status).toBe(303);
    expect((await first.browser.get('/api/auth/me')).status).toBe(401);
  });

  test('opening a crowd link does not replace the session of a signed-in person', async () => {
    const { token } = await crowdProject(['a'], { quota: 1 });
    const opened = await manager.get(`/crowd/${token}?PROLIFIC_PID=${unique('w')}`);
    const me = await manager.get<{ user: { kind: string } }>('/api/auth/me');

    expect(opened.status).toBe(409);
    expect(me.body.user.kind).toBe('human');
  });

  test('the crowd-link URL comes from TROVE_PUBLIC_URL, never from the Host header of the request', async () => {
    const { project } = await crowdProject(['a'], { quota: 1 });
    const post = (base: string, host: string) =>
      new Promise<{ link: { url: string | null; path: string } }>((resolve, reject) => {
        const req = http.request(`${base}/api/projects/${project.name}/crowd-link`, {
          method: 'POST',
          headers: { host, cookie: manager.cookie ?? '', 'x-csrf-token': manager.csrf ?? '', 'content-type': 'application/json' },
        });
        req.on('response', (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve(JSON.parse(text)));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ quota: 1 }));
      });
    const hub = get().hub;
    const published = await startServer({ ...hub, config: { ...hub.config, publicUrl: 'https://trove.example.org' } }, 0, '127.0.0.1');
    try {
      const unset = await post(server.url, 'evil.example');
      const set = await post(published.url, 'evil.example');

      expect(unset.link.url).toBeNull();
      expect(unset.link.path).toMatch(/^\/crowd\/[\w-]+\?PROLIFIC_PID=\{\{PROLIFIC_PID\}\}$/);
      expect(set.link.url).toBe(`https://trove.example.org${set.link.path}`);
    } finally {
      await published.close();
    }
  });
});
