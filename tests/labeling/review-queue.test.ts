import { randomUUID } from 'node:crypto';
import { listAnnotations } from '../../src/labeling/review.js';
import { getTaskContext, nextTask, submitAnnotation } from '../../src/labeling/tasks.js';
import { describeEachStore } from '../helpers/stores.js';
import { seedProject, seedUsers } from './helpers.js';

describeEachStore('review queue paging', (get) => {
  const db = () => get().hub.store.db;

  test('pages through every pending annotation once, newest first, by cursor; the last page has no next cursor', async () => {
    const project = await seedProject(get().hub, ['a', 'b', 'c', 'd', 'e'], { overlap: 1 });
    const [u] = await seedUsers(get().hub, 1);
    for (let next = await nextTask(db(), project, u.id); next; next = await nextTask(db(), project, u.id)) {
      await submitAnnotation(db(), project, await getTaskContext(db(), next.task.id, u.id), u.id, { clientId: randomUUID(), result: { label: 'pos' } });
    }
    const seen: number[] = [];
    const cursors: Array<string | null> = [];
    let cursor: string | undefined;
    do {
      const page = await listAnnotations(db(), project, { status: 'pending', limit: 2, cursor });
      seen.push(...page.annotations.map((a) => a.id));
      cursors.push(page.nextCursor);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);

    expect(seen).toHaveLength(5);
    expect([...seen].sort((x, y) => y - x)).toEqual(seen);
    expect(cursors.map((c) => c !== null)).toEqual([true, true, false]);
  });

  test('a cursor that was not handed out is a 400', async () => {
    const project = await seedProject(get().hub, ['a'], { overlap: 1 });
    await expect(listAnnotations(db(), project, { cursor: 'not-a-cursor' })).rejects.toMatchObject({ status: 400 });
  });
});
