import { PassThrough } from 'node:stream';
import { aggregateProject } from '../../src/labeling/aggregate.js';
import { completionCodeFor, enableCrowdLink } from '../../src/labeling/crowd-link.js';
import { importCrowdResults } from '../../src/labeling/crowd-import.js';
import { crowdTemplate } from '../../src/labeling/crowd-template.js';
import { exportProject, type ProjectExportFormat } from '../../src/labeling/export.js';
import { getProject, type Project } from '../../src/labeling/projects.js';
import { reviewAnnotation } from '../../src/labeling/review.js';
import { getTaskContext, nextTask, submitAnnotation } from '../../src/labeling/tasks.js';
import { createToken, crowdWorker } from '../../src/labeling/users.js';
import { startServer } from '../../src/server/serve.js';
import { describeEachStore } from '../helpers/stores.js';
import { Client, seedProject, seedUsers, unique, type NextReply } from './helpers.js';

describeEachStore('crowd work and export', (get) => {
  const db = () => get().hub.store.db;

  async function exported(project: Project, format: ProjectExportFormat, aggregate?: 'majority' | 'dawid-skene'): Promise<string> {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await exportProject(db(), await getProject(db(), project.name), { format, aggregate }, out);
    return Buffer.concat(chunks).toString('utf8');
  }

  async function labelAll(project: Project, userId: number, label: string) {
    for (;;) {
      const next = await nextTask(db(), project, userId);
      if (!next) return;
      await submitAnnotation(db(), project, await getTaskContext(db(), next.task.id), userId, { clientId: unique('c'), result: { label } });
    }
  }

  function mturkCsv(rows: string[][]): string {
    const header = ['HITId', 'AssignmentId', 'WorkerId', 'AssignmentStatus', 'WorkTimeInSeconds', 'Input.task_id', 'Input.text', 'Answer.taskAnswers'];
    const q = (v: string) => `"${v.replace(/"/g, '""')}"`;
    return [header, ...rows].map((r) => r.map(q).join(',')).join('\n') + '\n';
  }

  test('a crowd batch exports as CSV with escaped text plus an HTML form template with ${column} placeholders', async () => {
    const project = await seedProject(get().hub, ['<img src=x onerror=alert(1)>', 'plain'], { overlap: 2 });
    const csv = await exported(project, 'crowd-csv');
    const template = crowdTemplate(project);

    expect(csv.split('\n')[0]).toBe('task_id,item_id,text,url');
    expect(csv).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(csv).not.toContain('<img');
    expect(template).toContain('<crowd-classifier name="label"');
    expect(template).toContain('${text}');
    expect(template).toContain('value="${task_id}"');
  });

  test('Mechanical Turk batch results import as crowd annotators; importing twice adds nothing', async () => {
    const project = await seedProject(get().hub, ['a', 'b'], { overlap: 2 });
    const tasks: number[] = await db()('tasks').where({ project_id: project.id }).orderBy('id').pluck('id');
    const answer = (label: string) => JSON.stringify([{ label: { label } }]);
    const file = mturkCsv([
      ['H1', 'A1', 'W1', 'Approved', '12', String(tasks[0]), 'a', answer('pos')],
      ['H1', 'A2', 'W2', 'Submitted', '9', String(tasks[0]), 'a', answer('pos')],
      ['H2', 'A3', 'W1', 'Approved', '7', String(tasks[1]), 'b', answer('neg')],
      ['H2', 'A4', 'W3', 'Rejected', '1', String(tasks[1]), 'b', answer('pos')],
    ]);
    const first = await importCrowdResults(db(), project, 'mturk', file, 'batch.csv');
    const second = await importCrowdResults(db(), project, 'mturk', file, 'batch.csv');
    const workers = await db()('annotations').join('users', 'users.id', 'annotations.user_id').where('annotations.project_id', project.id).distinct('users.kind', 'users.external_id');

    expect(first).toMatchObject({ imported: 3, alreadyImported: 0, skippedRejected: 1, workers: 2 });
    expect(second).toMatchObject({ imported: 0, alreadyImported: 3 });
    expect(workers.map((w) => `${w.kind} ${w.external_id}`).sort()).toEqual(['crowd mturk:W1', 'crowd mturk:W2']);
  });

  test('a malformed crowd file names the line and reason, and nothing is imported', async () => {
    const project = await seedProject(get().hub, ['a', 'b'], { overlap: 2 });
    const tasks: number[] = await db()('tasks').where({ project_id: project.id }).orderBy('id').pluck('id');
    const file = mturkCsv([
      ['H1', 'A1', 'W1', 'Approved', '3', String(tasks[0]), 'a', JSON.stringify([{ label: { label: 'pos' } }])],
      ['H1', 'A2', 'W2', 'Approved', '3', String(tasks[0]), 'a', JSON.stringify([{ label: { label: 'sideways' } }])],
    ]);
    await expect(importCrowdResults(db(), project, 'mturk', file, 'batch.csv')).rejects.toThrow(/^batch\.csv line 3: label "sideways" is not in the project's schema/);
    await expect(importCrowdResults(db(), project, 'jsonl', '{"worker":"w","taskId":1,"result":{}}\nnot json\n', 'r.jsonl')).rejects.toThrow(/^r\.jsonl line 2: not valid JSON/);
    expect(await db()('annotations').where({ project_id: project.id }).count({ n: '*' }).first()).toMatchObject({ n: 0 });
  });

  test('more answers than the overlap allows are refused with the line', async () => {
    const project = await seedProject(get().hub, ['a'], { overlap: 1 });
    const [task] = await db()('tasks').where({ project_id: project.id }).pluck('id');
    const lines = ['w1', 'w2'].map((w) => JSON.stringify({ worker: w, taskId: task, result: { label: 'pos' } })).join('\n');
    await expect(importCrowdResults(db(), project, 'jsonl', lines, 'x.jsonl')).rejects.toThrow(/x\.jsonl line 2: item \d+ already has its 1 annotations/);
  });

  test('Label Studio export carries tasks, annotations and predictions; Trove\'s own answers coming back are not counted again', async () => {
    const project = await seedProject(get().hub, ['good', 'bad'], { overlap: 3 });
    const [u] = await seedUsers(get().hub, 1);
    await labelAll(project, u.id, 'pos');
    const tasks = JSON.parse(await exported(project, 'labelstudio', 'majority')) as Array<{ data: { text: string; trove_task_id: number }; annotations: Array<{ result: unknown[] }>; predictions: Array<{ score: number }> }>;
    const summary = await importCrowdResults(db(), project, 'labelstudio', JSON.stringify(tasks), 'ls.json');

    expect(tasks).toHaveLength(2);
    expect(tasks[0].annotations[0].result).toEqual([{ id: expect.stringMatching(/^trove-\d+-0$/), from_name: 'label', to_name: 'text', type: 'choices', value: { choices: ['pos'] } }]);
    expect(tasks[0].predictions[0].score).toBe(1);
    expect(summary).toMatchObject({ imported: 0, ownAnswers: 2, workers: 0 });
  });

  test('Ground Truth output manifest exports the consolidated label and imports back', async () => {
    const project = await seedProject(get().hub, ['good', 'bad'], { overlap: 3 });
    const [u, v] = await seedUsers(get().hub, 2);
    await labelAll(project, u.id, 'neg');
    await labelAll(project, v.id, 'neg');
    const manifest = await exported(project, 'groundtruth');
    const lines = manifest.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const summary = await importCrowdResults(db(), project, 'groundtruth', manifest, 'output.manifest');

    expect(lines[0][project.name]).toBe(1);
    expect(lines[0][`${project.name}-metadata`]).toMatchObject({ 'class-name': 'neg', confidence: 1, type: 'groundtruth/text-classification' });
    expect(summary).toMatchObject({ imported: 2, workers: 1 });
  });

  test('aggregation: majority per item with confidence, Dawid–Skene, and a reviewer correction wins', async () => {
    const project = await seedProject(get().hub, ['x'], { overlap: 3 });
    const users = await seedUsers(get().hub, 3);
    for (const [i, u] of users.entries()) await labelAll(project, u.id, i === 0 ? 'neg' : 'pos');
    const results = [];
    for await (const r of aggregateProject(get().hub.store, project.name, 'majority')) results.push(r);
    const ds = [];
    for await (const r of aggregateProject(get().hub.store, project.name, 'dawid-skene')) ds.push(r);
    const jsonl = (await exported(project, 'jsonl')).trim().split('\n');
    const [manager] = await seedUsers(get().hub, 1, 'manager');
    const second = await db()('annotations').where({ project_id: project.id, user_id: users[1].id }).first('id');
    await reviewAnnotation(db(), project, second.id, manager.id, 'correct', { label: 'neg' });
    const afterReview = [];
    for await (const r of aggregateProject(get().hub.store, project.name, 'majority')) afterReview.push(r);

    expect(results).toEqual([{ itemId: expect.any(Number), label: 'pos', confidence: 2 / 3, annotations: 3, source: 'majority' }]);
    expect(ds[0]).toMatchObject({ label: 'pos', source: 'dawid-skene' });
    expect(afterReview[0]).toMatchObject({ label: 'neg', confidence: 1, source: 'review' });
    expect(jsonl).toHaveLength(3);
    expect(JSON.parse(jsonl[0])).toMatchObject({ project: project.name, annotator: users[0].name, result: { label: 'neg' } });
  });

  test('a crowd link: a worker arrives with its id, labels its quota and gets the completion code', async () => {
    const project = await seedProject(get().hub, ['one', 'two', 'three'], { overlap: 2 });
    const link = await enableCrowdLink(db(), project, { quota: 2, completionCode: 'DONE-1234' });
    const server = await startServer(get().hub, 0, '127.0.0.1');
    try {
      const worker = new Client(server.url);
      const arrival = await worker.get(`/crowd/${link.token}?PROLIFIC_PID=worker_42`);
      worker.csrf = (await worker.get<{ csrfToken: string }>('/api/auth/me')).body.csrfToken;
      for (let i = 0; i < 2; i++) {
        const next = await worker.get<NextReply>(`/api/projects/${project.name}/next`);
        expect((await worker.post(`/api/tasks/${next.body.task.id}/annotations`, { id: unique('crowd'), result: { label: 'pos' } })).status).toBe(201);
      }
      const after = await worker.get(`/api/projects/${project.name}/next`);
      const status = await worker.get<{ done: number; completionCode: string }>(`/api/projects/${project.name}/crowd-status`);
      const noId = await new Client(server.url).get(`/crowd/${link.token}`);

      expect(arrival.status).toBe(303);
      expect(arrival.headers.get('location')).toBe(`/label.html?project=${project.name}&crowd=1`);
      expect(after.status).toBe(204);
      expect(status.body).toMatchObject({ done: 2, completionCode: completionCodeFor(link, 'PROLIFIC_PID:worker_42') });
      expect(noId.status).toBe(400);
      expect((await worker.get('/api/projects')).body).toMatchObject({ projects: [{ name: project.name }] });
    } finally {
      await server.close();
    }
  });

  test('a crowd worker is named by its external id, not a hash', async () => {
    const worker = await crowdWorker(db(), 'PROLIFIC_PID', unique('p'));

    expect(worker.name).toBe(worker.externalId);
    expect(worker.name).toMatch(/^PROLIFIC_PID:p-/);
  });

  test('opening a crowd link again keeps its completion code unless a new one is asked for', async () => {
    const project = await seedProject(get().hub, ['one']);
    const first = await enableCrowdLink(db(), project, { quota: 2 });
    const again = await enableCrowdLink(db(), await getProject(db(), project.name), { quota: 3 });
    const renewed = await enableCrowdLink(db(), await getProject(db(), project.name), { quota: 3, newCode: true });

    expect(again).toMatchObject({ token: first.token, completionCode: first.completionCode, quota: 3 });
    expect(renewed.token).toBe(first.token);
    expect(renewed.completionCode).not.toBe(first.completionCode);
  });

  test('the crowd-link API never builds the link from the Host header a client sent', async () => {
    const project = await seedProject(get().hub, ['one']);
    const [boss] = await seedUsers(get().hub, 1, 'manager');
    const server = await startServer(get().hub, 0, '127.0.0.1');
    try {
      const client = new Client(server.url, await createToken(db(), boss.name));
      const res = await client.request<{ link: { url: string | null } }>('POST', `/api/projects/${project.name}/crowd-link`, { quota: 2 }, { 'x-forwarded-host': 'evil.example', host: 'evil.example' });

      expect(res.status).toBe(200);
      expect(res.body.link.url).toBeNull();
    } finally {
      await server.close();
    }
  });
});
