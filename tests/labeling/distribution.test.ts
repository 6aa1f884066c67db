import { createProject, getProject, setGold, setPriorities } from '../../src/labeling/projects.js';
import { nextTask, getTaskContext, skipTask, submitAnnotation } from '../../src/labeling/tasks.js';
import { describeEachStore } from '../helpers/stores.js';
import { ingestTexts, seedProject, seedSource, seedUsers, sentimentSchema, unique } from './helpers.js';

describeEachStore('task distribution', (get) => {
  const db = () => get().hub.store.db;

  async function label(projectName: string, userId: number, label = 'pos') {
    const project = await getProject(db(), projectName);
    const next = await nextTask(db(), project, userId);
    if (!next) return undefined;
    const task = await getTaskContext(db(), next.task.id);
    await submitAnnotation(db(), project, task, userId, { clientId: unique('c'), result: { label } });
    return next;
  }

  test('many annotators at once: never more than K annotations on an item, never two from one annotator', async () => {
    const project = await seedProject(get().hub, Array.from({ length: 12 }, (_, i) => `text ${i}`), { overlap: 3 });
    const users = await seedUsers(get().hub, 8);
    await Promise.all(
      users.map(async (u) => {
        while (await label(project.name, u.id)) {
          /* keep labeling until nothing is left for this annotator */
        }
      }),
    );
    const perTask = await db()('annotations').where('project_id', project.id).groupBy('task_id').select('task_id').count({ n: '*' });
    const perPair = await db()('annotations').where('project_id', project.id).groupBy('task_id', 'user_id').count({ n: '*' });

    expect(perTask).toHaveLength(12);
    expect(perTask.every((r) => Number(r.n) === 3)).toBe(true);
    expect(perPair.every((r) => Number(r.n) === 1)).toBe(true);
  });

  test('nothing left for an annotator gives undefined (204 in the API)', async () => {
    const project = await seedProject(get().hub, ['only one'], { overlap: 1 });
    const [u, v] = await seedUsers(get().hub, 2);
    expect(await label(project.name, u.id)).toBeDefined();
    expect(await nextTask(db(), project, u.id)).toBeUndefined();
    expect(await nextTask(db(), project, v.id)).toBeUndefined();
  });

  test('next returns the lease an annotator already holds instead of a new item', async () => {
    const project = await seedProject(get().hub, ['a', 'b', 'c']);
    const [u] = await seedUsers(get().hub, 1);
    const first = await nextTask(db(), project, u.id);
    const again = await nextTask(db(), project, u.id);
    expect(again?.task.id).toBe(first?.task.id);
  });

  test('an abandoned lease returns to the pool once it expires', async () => {
    const project = await seedProject(get().hub, ['only'], { overlap: 1 });
    const [u, v] = await seedUsers(get().hub, 2);
    const held = await nextTask(db(), project, u.id);
    expect(await nextTask(db(), project, v.id)).toBeUndefined();
    await db()('assignments').where({ task_id: held?.task.id }).update({ lease_expires_at: '2000-01-01T00:00:00.000Z' });
    const taken = await nextTask(db(), project, v.id);
    const task = await getTaskContext(db(), held?.task.id ?? 0);

    expect(taken?.task.id).toBe(held?.task.id);
    await expect(submitAnnotation(db(), project, task, u.id, { clientId: unique('late'), result: { label: 'pos' } })).rejects.toMatchObject({ status: 409 });
  });

  test('a submit is idempotent on its client id', async () => {
    const project = await seedProject(get().hub, ['a', 'b']);
    const [u] = await seedUsers(get().hub, 1);
    const next = await nextTask(db(), project, u.id);
    const task = await getTaskContext(db(), next?.task.id ?? 0);
    const first = await submitAnnotation(db(), project, task, u.id, { clientId: 'same-client-id-1', result: { label: 'neg' } });
    const replay = await submitAnnotation(db(), project, task, u.id, { clientId: 'same-client-id-1', result: { label: 'neg' } });

    expect(first.replay).toBe(false);
    expect(replay).toEqual({ replay: true, annotation: first.annotation });
    expect(await db()('annotations').where({ task_id: task.id }).count({ n: '*' }).first()).toMatchObject({ n: 1 });
  });

  test('a skipped item goes back to the pool and is never offered to that annotator again', async () => {
    const project = await seedProject(get().hub, ['only'], { overlap: 1 });
    const [u, v] = await seedUsers(get().hub, 2);
    const held = await nextTask(db(), project, u.id);
    await skipTask(db(), held?.task.id ?? 0, u.id);

    expect(await nextTask(db(), project, u.id)).toBeUndefined();
    expect((await nextTask(db(), project, v.id))?.task.id).toBe(held?.task.id);
    await expect(skipTask(db(), held?.task.id ?? 0, u.id)).rejects.toMatchObject({ status: 409 });
  });

  test('source ordering serves items in source order; priority puts high scores first', async () => {
    const source = await seedSource(get().hub, ['first', 'second', 'third']);
    const project = await createProject(db(), { name: unique('ord'), sources: [source.name], schema: sentimentSchema, ordering: 'source' });
    const [u, v] = await seedUsers(get().hub, 2);
    expect((await label(project.name, u.id))?.item.text).toBe('first');
    const third = await db()('items').where({ source_id: source.id, key: 'k2' }).first();
    await setPriorities(db(), project.id, [{ itemId: third.id, priority: 0.9 }]);
    expect((await nextTask(db(), project, v.id))?.item.text).toBe('third');
  });

  test('new items from a source join its projects as they are ingested, with the project filter applied', async () => {
    const source = await seedSource(get().hub, ['old']);
    const project = await createProject(db(), { name: unique('live'), sources: [source.name], schema: sentimentSchema, filter: { textContains: 'keep' } });
    await ingestTexts(get().hub, source.id, ['keep me', 'drop me', 'also keep'], 10);
    const texts = await db()('tasks').join('items', 'items.id', 'tasks.item_id').where('tasks.project_id', project.id).orderBy('items.text').pluck('items.text');
    expect(texts).toEqual(['also keep', 'keep me']);
  });

  test('gold items are served at the gold rate, outside the overlap, and scored', async () => {
    const project = await seedProject(get().hub, ['g', 'x', 'y'], { overlap: 1, goldRate: 1 });
    const gold = await db()('tasks').join('items', 'items.id', 'tasks.item_id').where({ 'tasks.project_id': project.id, 'items.text': 'g' }).first('items.id');
    await setGold(db(), project, [{ itemId: gold.id, result: { label: 'neg' } }]);
    const fresh = await getProject(db(), project.name);
    const [u, v] = await seedUsers(get().hub, 2);
    const a = await label(fresh.name, u.id, 'neg');
    const b = await label(fresh.name, v.id, 'pos');
    const scores = await db()('annotations').where({ project_id: project.id, is_gold: true }).orderBy('id').pluck('gold_correct');

    expect(a?.item.text).toBe('g');
    expect(b?.item.text).toBe('g');
    expect(scores.map(Boolean)).toEqual([true, false]);
  });
});
