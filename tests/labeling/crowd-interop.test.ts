import { PassThrough } from 'node:stream';
import { ConflictError } from '../../src/core/errors.js';
import { importCrowdResults } from '../../src/labeling/crowd-import.js';
import { exportProject, labelStudioConfig, type ProjectExportFormat } from '../../src/labeling/export.js';
import { getProject, type Project } from '../../src/labeling/projects.js';
import { getTaskContext, nextTask, submitAnnotation } from '../../src/labeling/tasks.js';
import { describeEachStore } from '../helpers/stores.js';
import { seedProject, seedUsers, unique } from './helpers.js';

interface LsTask {
  id: number;
  data: { text: string; trove_task_id: number };
  annotations: Array<{ id: number; completed_by: Record<string, unknown>; result: Array<{ id?: string; value: Record<string, unknown> }> }>;
}

describeEachStore('crowd import beside live labeling, and Label Studio both ways', (get) => {
  const db = () => get().hub.store.db;

  async function exported(project: Project, format: ProjectExportFormat): Promise<string> {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await exportProject(db(), await getProject(db(), project.name), { format }, out);
    return Buffer.concat(chunks).toString('utf8');
  }

  async function label(project: Project, userId: number, result: unknown): Promise<void> {
    const next = await nextTask(db(), project, userId);
    if (!next) throw new Error('nothing to label');
    await submitAnnotation(db(), project, await getTaskContext(db(), next.task.id), userId, { clientId: unique('c'), result });
  }

  function mturkRows(rows: Array<{ worker: string; taskId: number; label: string }>): string {
    const header = 'HITId,AssignmentId,WorkerId,AssignmentStatus,WorkTimeInSeconds,Input.task_id,Answer.taskAnswers';
    const line = (r: { worker: string; taskId: number; label: string }, i: number) => `H${r.taskId},${unique('A')}-${i},${r.worker},Submitted,5,${r.taskId},"${JSON.stringify([{ label: { label: r.label } }]).replace(/"/g, '""')}"`;
    return [header, ...rows.map(line)].join('\n') + '\n';
  }

  async function counted(project: Project): Promise<number> {
    return Number((await db()('annotations').where({ project_id: project.id }).count({ n: '*' }).first())?.n);
  }

  test('an item the crowd batch offered is taken back although an annotator holds its last slot: the lease gives way', async () => {
    const project = await seedProject(get().hub, ['only'], { overlap: 2 });
    const [u1, u2] = await seedUsers(get().hub, 2);
    await label(project, u1.id, { label: 'pos' });
    const lease = await nextTask(db(), project, u2.id);
    const batch = await exported(project, 'crowd-csv');
    const taskId = lease?.task.id ?? 0;
    const summary = await importCrowdResults(db(), project, 'mturk', mturkRows([{ worker: 'W1', taskId, label: 'neg' }]), 'results.csv');
    const lateSubmit = submitAnnotation(db(), project, await getTaskContext(db(), taskId), u2.id, { clientId: unique('c'), result: { label: 'pos' } });

    expect(batch).toContain(`\n${taskId},`);
    expect(summary).toMatchObject({ imported: 1, leasesReleased: 1, expiredLeasesReclaimed: 0 });
    await expect(lateSubmit).rejects.toThrow(ConflictError);
    expect(await counted(project)).toBe(2);
  });

  test('expired leases are reclaimed by the import itself', async () => {
    const project = await seedProject(get().hub, ['only'], { overlap: 2 });
    const [u1, u2] = await seedUsers(get().hub, 2);
    await label(project, u1.id, { label: 'pos' });
    const lease = await nextTask(db(), project, u2.id);
    await db()('assignments').where({ project_id: project.id, status: 'leased' }).update({ lease_expires_at: '2000-01-01T00:00:00.000Z' });
    const summary = await importCrowdResults(db(), project, 'mturk', mturkRows([{ worker: 'W1', taskId: lease?.task.id ?? 0, label: 'neg' }]), 'results.csv');

    expect(summary).toMatchObject({ imported: 1, leasesReleased: 0, expiredLeasesReclaimed: 1 });
  });

  test('answers for items already full refuse the file with their count and the way out; --skip-full imports the rest', async () => {
    const project = await seedProject(get().hub, ['full', 'open'], { overlap: 1 });
    const [u1] = await seedUsers(get().hub, 1);
    const tasks: number[] = await db()('tasks').where({ project_id: project.id }).orderBy('id').pluck('id');
    await label(project, u1.id, { label: 'pos' });
    const [full, open] = (await db()('annotations').where({ project_id: project.id }).pluck('task_id')).includes(tasks[0]) ? tasks : [tasks[1], tasks[0]];
    const file = mturkRows([
      { worker: 'W1', taskId: full, label: 'neg' },
      { worker: 'W1', taskId: open, label: 'neg' },
    ]);

    await expect(importCrowdResults(db(), project, 'mturk', file, 'results.csv')).rejects.toThrow(
      /^results\.csv line 2: item \d+ already has its 1 annotations \(overlap\); 1 answer\(s\) of this file are for items already full, so nothing was imported: pass --skip-full/,
    );
    expect(await counted(project)).toBe(1);
    expect(await importCrowdResults(db(), project, 'mturk', file, 'results.csv', { skipFull: true })).toMatchObject({ imported: 1, skippedFull: 1 });
  });

  test('Trove answers sent through Label Studio come back as the same answers, not as a new worker; its annotators go back by email', async () => {
    const project = await seedProject(get().hub, ['one', 'two'], { overlap: 2 });
    const [u] = await seedUsers(get().hub, 1);
    await label(project, u.id, { label: 'pos' });
    await label(project, u.id, { label: 'pos' });
    const tasks = JSON.parse(await exported(project, 'labelstudio')) as LsTask[];
    // What Label Studio does on import and export: its own annotation ids and user; the regions as they were.
    const throughLabelStudio = tasks.map((t, i) => ({
      ...t,
      annotations: [
        ...t.annotations.map((a, j) => ({ ...a, id: 100 + i * 10 + j, completed_by: { id: 1, email: 'admin@ls.example' } })),
        { id: 200 + i, completed_by: { id: 2, email: 'bob@ls.example' }, result: [{ from_name: 'label', to_name: 'text', type: 'choices', value: { choices: ['neg'] } }] },
      ],
    }));
    const summary = await importCrowdResults(db(), project, 'labelstudio', JSON.stringify(throughLabelStudio), 'ls.json');
    const annotators = await db()('annotations').join('users', 'users.id', 'annotations.user_id').where('annotations.project_id', project.id).distinct('users.name', 'users.external_id');

    const again = JSON.parse(await exported(project, 'labelstudio')) as LsTask[];
    const byEmail = again.flatMap((t) => t.annotations.map((a) => a.completed_by.email)).filter(Boolean);

    expect(summary).toMatchObject({ imported: 2, ownAnswers: 2, workers: 1 });
    expect(annotators.map((a) => a.external_id ?? a.name).sort()).toEqual(['labelstudio:bob@ls.example', u.name].sort());
    expect(JSON.stringify(tasks)).not.toContain('"email"');
    expect(byEmail).toEqual(['bob@ls.example', 'bob@ls.example']);
  });

  test('a Trove answer changed in Label Studio is refused with its place, not stored as a second answer', async () => {
    const project = await seedProject(get().hub, ['one'], { overlap: 2 });
    const [u] = await seedUsers(get().hub, 1);
    await label(project, u.id, { label: 'pos' });
    const tasks = JSON.parse(await exported(project, 'labelstudio')) as LsTask[];
    tasks[0].annotations[0].result[0].value = { choices: ['neg'] };

    await expect(importCrowdResults(db(), project, 'labelstudio', JSON.stringify(tasks), 'ls.json')).rejects.toThrow(/^ls\.json task #1 annotation #1: is Trove's annotation \d+, changed since it was exported/);
  });

  test('the Label Studio export holds unlabeled tasks, and its labeling config names the control and object its regions use', async () => {
    const project = await seedProject(get().hub, ['💩 Paris', 'Berlin'], { schema: { kind: 'spans', labels: [{ value: 'City' }] }, ordering: 'source' });
    const fresh = JSON.parse(await exported(project, 'labelstudio')) as LsTask[];
    const [u] = await seedUsers(get().hub, 1);
    const next = await nextTask(db(), project, u.id);
    await submitAnnotation(db(), project, await getTaskContext(db(), next?.task.id ?? 0), u.id, { clientId: unique('c'), result: { spans: [{ start: 3, end: 8, label: 'City' }] } });
    const labeled = (JSON.parse(await exported(project, 'labelstudio')) as LsTask[]).find((t) => t.annotations.length);
    const region = labeled?.annotations[0].result[0] as { from_name: string; to_name: string; value: { start: number; end: number; text: string } };
    const config = labelStudioConfig(project);

    expect(fresh.map((t) => t.annotations.length)).toEqual([0, 0]);
    expect(config).toContain(`<Labels name="${region.from_name}" toName="${region.to_name}">`);
    expect(config).toContain(`<Text name="${region.to_name}" value="$text"/>`);
    expect(config).toContain('<Label value="City"');
    expect(next?.item.text).toBe('💩 Paris');
    expect(region.value).toMatchObject({ start: 2, end: 7, text: 'Paris' });
  });

  test('tasks no item matches are refused with the way out; --create-in creates them in a source of the project, once', async () => {
    const project = await seedProject(get().hub, ['known']);
    const file = JSON.stringify([{ data: { text: `brand new ${unique('t')}` }, annotations: [{ id: 1, completed_by: { email: 'a@ls.example' }, result: [{ from_name: 'label', to_name: 'text', type: 'choices', value: { choices: ['pos'] } }] }] }]);
    const create = { store: get().hub.store, listeners: get().hub.ingestListeners, source: project.sources[0] };

    await expect(importCrowdResults(db(), project, 'labelstudio', file, 'ls.json')).rejects.toThrow(/^ls\.json task #1: no item of project \S+ has text "brand new .*" \(pass --create-in/);
    expect(await importCrowdResults(db(), project, 'labelstudio', file, 'ls.json', { create })).toMatchObject({ imported: 1, itemsCreated: 1 });
    expect(await importCrowdResults(db(), project, 'labelstudio', file, 'ls.json', { create })).toMatchObject({ imported: 0, alreadyImported: 1, itemsCreated: 0 });
  });

  test('a Trove id whose item holds another text than the file is refused: the file comes from another hub', async () => {
    const project = await seedProject(get().hub, ['here']);
    const [taskId] = await db()('tasks').where({ project_id: project.id }).pluck('id');
    const file = JSON.stringify([{ data: { text: 'there', trove_task_id: taskId }, annotations: [] }]);

    await expect(importCrowdResults(db(), project, 'labelstudio', file, 'ls.json')).rejects.toThrow(/^ls\.json task #1: task \d+ of project \S+ holds another text than the file's .*--match-field text/);
  });

  test('a text two items share is refused as ambiguous rather than given to either', async () => {
    const project = await seedProject(get().hub, ['twin', 'twin']);
    const file = JSON.stringify([{ data: { text: 'twin' }, annotations: [] }]);

    await expect(importCrowdResults(db(), project, 'labelstudio', file, 'ls.json')).rejects.toThrow(/^ls\.json task #1: text "twin" matches 2 items of project/);
  });
});
