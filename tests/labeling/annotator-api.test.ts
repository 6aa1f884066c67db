import { addMember } from '../../src/labeling/projects.js';
import { createUser } from '../../src/labeling/users.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { describeEachStore } from '../helpers/stores.js';
import { Client, seedProject, seedSource, unique, type AnnotationReply, type NextReply } from './helpers.js';

describeEachStore('annotator API', (get) => {
  let server: RunningServer;
  const password = 'annotator password';
  let projectName: string;
  let spansProject: string;
  let ann: Client;
  let other: Client;
  let boss: Client;

  beforeAll(async () => {
    const hub = get().hub;
    const project = await seedProject(hub, ['great film', 'awful film', 'fine film'], { overlap: 2 });
    const spanSource = await seedSource(hub, ['Ada 😀 met Linus in 東京']);
    const { createProject } = await import('../../src/labeling/projects.js');
    spansProject = (await createProject(hub.store.db, { name: unique('ner'), sources: [spanSource.name], schema: { kind: 'spans', labels: [{ value: 'PER' }, { value: 'LOC' }] } })).name;
    projectName = project.name;
    const names = { ann: unique('ann'), other: unique('other'), boss: unique('boss') };
    await createUser(hub.store.db, { name: names.ann, role: 'annotator', password });
    await createUser(hub.store.db, { name: names.other, role: 'annotator', password });
    await createUser(hub.store.db, { name: names.boss, role: 'manager', password });
    await addMember(hub.store.db, projectName, names.ann);
    await addMember(hub.store.db, spansProject, names.ann);
    server = await startServer(hub, 0, '127.0.0.1');
    [ann, other, boss] = [new Client(server.url), new Client(server.url), new Client(server.url)];
    await ann.login(names.ann, password);
    await other.login(names.other, password);
    await boss.login(names.boss, password);
  });
  afterAll(() => server.close());

  test('annotators see only the projects they are members of', async () => {
    const mine = await ann.get<{ projects: Array<{ name: string; schema: { labels: Array<{ value: string; hotkey: string; color: string }> } }> }>('/api/projects');
    const theirs = await other.get<{ projects: unknown[] }>('/api/projects');

    expect(mine.body.projects.map((p) => p.name).sort()).toEqual([projectName, spansProject].sort());
    expect(mine.body.projects.find((p) => p.name === projectName)?.schema.labels[0]).toMatchObject({ value: 'pos', hotkey: '1', color: expect.stringMatching(/^#/) });
    expect(theirs.body.projects).toEqual([]);
    expect((await other.get(`/api/projects/${projectName}/next`)).status).toBe(403);
  });

  test('next, submit (201), replay (200), then the history shows it and it can be edited', async () => {
    const next = await ann.get<NextReply>(`/api/projects/${projectName}/next`);
    const body = { id: '9b2f1c1e-0000-4000-8000-000000000001', result: { label: 'pos' } };
    const first = await ann.post<AnnotationReply>(`/api/tasks/${next.body.task.id}/annotations`, body);
    const replay = await ann.post<AnnotationReply>(`/api/tasks/${next.body.task.id}/annotations`, body);
    const history = await ann.get<{ annotations: Array<{ annotationId: number; item: { id: number }; result: unknown }> }>(`/api/projects/${projectName}/my-annotations`);
    const edited = await ann.put<AnnotationReply>(`/api/annotations/${first.body.annotation.id}`, { result: { label: 'neg' } });
    const progress = await ann.get<{ progress: { items: number; mine: number } }>(`/api/projects/${projectName}/progress`);

    expect(next.status).toBe(200);
    expect(next.body.item).toMatchObject({ id: expect.any(Number), text: expect.stringContaining('film') });
    expect([first.status, replay.status]).toEqual([201, 200]);
    expect(replay.body.annotation.id).toBe(first.body.annotation.id);
    expect(history.body.annotations[0]).toMatchObject({ annotationId: first.body.annotation.id, item: { id: next.body.item.id }, result: { label: 'pos' } });
    expect(edited.body.annotation.result).toEqual({ label: 'neg' });
    expect(progress.body.progress).toMatchObject({ items: 3, mine: 1 });
  });

  test('a label outside the schema is 422 with the reason; a task one does not hold is 409', async () => {
    const next = await ann.get<NextReply>(`/api/projects/${projectName}/next`);
    const bad = await ann.post<{ error: { message: string } }>(`/api/tasks/${next.body.task.id}/annotations`, { id: unique('bad-label'), result: { label: 'maybe' } });
    const wrongShape = await ann.post<{ error: { message: string } }>(`/api/tasks/${next.body.task.id}/annotations`, { id: unique('bad-shape'), result: { labels: ['pos'] } });
    const managerTask = await boss.post(`/api/tasks/${next.body.task.id}/annotations`, { id: unique('not-held'), result: { label: 'pos' } });

    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toMatch(/label "maybe" is not in the project's schema/);
    expect(wrongShape.status).toBe(422);
    expect(managerTask.status).toBe(409);
  });

  test('spans use UTF-16 offsets; out of range or overlapping spans are 422', async () => {
    const next = await ann.get<NextReply>(`/api/projects/${spansProject}/next`);
    const text = next.body.item.text ?? '';
    const url = `/api/tasks/${next.body.task.id}/annotations`;
    const tokyo = text.indexOf('東京');
    const outOfRange = await ann.post(url, { id: unique('s'), result: { spans: [{ start: 0, end: text.length + 1, label: 'PER' }] } });
    const overlapping = await ann.post(url, { id: unique('s'), result: { spans: [{ start: 0, end: 3, label: 'PER' }, { start: 2, end: 5, label: 'PER' }] } });
    const ok = await ann.post<AnnotationReply>(url, { id: unique('s'), result: { spans: [{ start: tokyo, end: tokyo + 2, label: 'LOC' }, { start: 0, end: 3, label: 'PER' }] } });

    expect(text.slice(tokyo, tokyo + 2)).toBe('東京');
    expect([outOfRange.status, overlapping.status, ok.status]).toEqual([422, 422, 201]);
    expect(ok.body.annotation.result).toEqual({ spans: [{ start: 0, end: 3, label: 'PER' }, { start: tokyo, end: tokyo + 2, label: 'LOC' }] });
  });

  test('nothing left for this annotator: 204', async () => {
    for (;;) {
      const next = await ann.get<NextReply>(`/api/projects/${projectName}/next`);
      if (next.status === 204) break;
      expect((await ann.post(`/api/tasks/${next.body.task.id}/annotations`, { id: unique('drain'), result: { label: 'pos' } })).status).toBe(201);
    }
    expect((await ann.get(`/api/projects/${projectName}/next`)).status).toBe(204);
  });

  test('a manager reviews: reject frees the slot, correct replaces the answer; stats report it', async () => {
    const list = await boss.get<{ annotations: Array<{ id: number; user: string }> }>(`/api/projects/${projectName}/annotations?status=pending`);
    const [a, b] = list.body.annotations;
    const rejected = await boss.post<AnnotationReply>(`/api/annotations/${a.id}/review`, { action: 'reject' });
    const corrected = await boss.post<AnnotationReply>(`/api/annotations/${b.id}/review`, { action: 'correct', result: { label: 'neg' } });
    const badCorrection = await boss.post(`/api/annotations/${b.id}/review`, { action: 'correct', result: { label: 'nope' } });
    const annotatorTries = await ann.post(`/api/annotations/${b.id}/review`, { action: 'accept' });
    const stats = await boss.get<{ labels: Array<{ label: string; count: number }>; agreement: { perLabel: unknown[] }; annotators: Array<{ annotations: number }> }>(`/api/projects/${projectName}/stats`);

    expect(rejected.body.annotation.reviewStatus).toBe('rejected');
    expect(corrected.body.annotation).toMatchObject({ reviewStatus: 'corrected' });
    expect([badCorrection.status, annotatorTries.status]).toEqual([422, 403]);
    expect(stats.status).toBe(200);
    expect(stats.body.labels.map((l) => l.label)).toEqual(['pos', 'neg']);
    expect(stats.body.agreement.perLabel).toHaveLength(2);
    expect(stats.body.annotators[0].annotations).toBeGreaterThan(0);
  });
});
