import { InputError } from '../../src/core/errors.js';
import { getProject } from '../../src/labeling/projects.js';
import { getTaskContext, nextTask, submitAnnotation } from '../../src/labeling/tasks.js';
import { createSnapshot } from '../../src/ml/snapshots/create-snapshot.js';
import { streamSnapshotRows, type SnapshotRow } from '../../src/ml/snapshots/snapshot-store.js';
import { describeEachStore } from '../helpers/stores.js';
import { seedProject, seedUsers, unique } from '../labeling/helpers.js';

/**
 * Three annotators label four texts. Their answers, per text (annotator 0, 1, 2):
 *   "great" pos pos pos · "fine" pos pos neg · "awful" neg neg neg · "meh" neg pos —(third skips the rest)
 */
const ANSWERS: Record<string, string[]> = { great: ['pos', 'pos', 'pos'], fine: ['pos', 'pos', 'neg'], awful: ['neg', 'neg', 'neg'], meh: ['neg', 'pos'] };

describeEachStore('snapshots of a labeling project', (get) => {
  let projectName: string;

  async function frozenRows(snapshotId: number): Promise<SnapshotRow[]> {
    const rows: SnapshotRow[] = [];
    for await (const row of streamSnapshotRows(get().hub.store.db, snapshotId)) rows.push(row);
    return rows;
  }

  beforeAll(async () => {
    const { hub } = get();
    const db = hub.store.db;
    const project = await seedProject(hub, Object.keys(ANSWERS), { overlap: 3, ordering: 'source' });
    projectName = project.name;
    const users = await seedUsers(hub, 3);
    for (const [n, user] of users.entries()) {
      for (let next = await nextTask(db, project, user.id); next; next = await nextTask(db, project, user.id)) {
        const answer = ANSWERS[next.item.text ?? '']?.[n];
        if (!answer) break;
        const task = await getTaskContext(db, next.task.id);
        await submitAnnotation(db, await getProject(db, projectName), task, user.id, { clientId: unique('c'), result: { label: answer } });
      }
    }
  });

  test('freezes the majority answer of every annotated item with its confidence', async () => {
    const { hub } = get();
    const snapshot = await createSnapshot(hub.store, { name: unique('votes'), project: projectName });
    const rows = await frozenRows(snapshot.id);
    const byText = Object.fromEntries(rows.map((r) => [r.features.text, { label: r.label, confidence: r.confidence }]));
    expect(byText.great).toEqual({ label: 'pos', confidence: 1 });
    expect(byText.fine.label).toBe('pos');
    expect(byText.fine.confidence).toBeCloseTo(2 / 3, 6);
    expect(byText.awful).toEqual({ label: 'neg', confidence: 1 });
    expect(Object.keys(byText).sort()).toEqual(['awful', 'fine', 'great', 'meh']);
    expect(snapshot.origin).toMatchObject({ kind: 'project', project: projectName, policy: 'majority' });
  });

  test('the datasheet reports agreement: unanimous items and the mean confidence', async () => {
    const { hub } = get();
    const snapshot = await createSnapshot(hub.store, { name: unique('agree'), project: projectName });
    expect(snapshot.datasheet.agreement).toMatchObject({ annotatedItems: 4, unanimous: 2 });
    expect(snapshot.datasheet.agreement?.meanConfidence).toBeGreaterThan(0.5);
    expect(snapshot.datasheet.agreement?.meanConfidence).toBeLessThan(1);
  });

  test('--min-confidence leaves out the contested items and counts them as excluded', async () => {
    const { hub } = get();
    const snapshot = await createSnapshot(hub.store, { name: unique('sure'), project: projectName, minConfidence: 0.9 });
    const rows = await frozenRows(snapshot.id);
    expect(rows.map((r) => r.features.text).sort()).toEqual(['awful', 'great']);
    expect(snapshot.datasheet.excluded).toMatchObject({ lowConfidence: 2 });
  });

  test('Dawid–Skene weighs annotators by their estimated accuracy and still labels every item', async () => {
    const { hub } = get();
    const snapshot = await createSnapshot(hub.store, { name: unique('ds'), project: projectName, policy: 'dawid-skene' });
    const rows = await frozenRows(snapshot.id);
    const byText = Object.fromEntries(rows.map((r) => [r.features.text, r.label]));
    expect(byText).toMatchObject({ great: 'pos', fine: 'pos', awful: 'neg' });
    expect(rows.every((r) => r.confidence !== null && r.confidence > 0 && r.confidence <= 1)).toBe(true);
  });

  test('an unknown policy or a confidence outside 0..1 is refused before anything is written', async () => {
    const { hub } = get();
    await expect(createSnapshot(hub.store, { name: unique('bad'), project: projectName, policy: 'vote' as never })).rejects.toThrow(InputError);
    await expect(createSnapshot(hub.store, { name: unique('bad'), project: projectName, minConfidence: 1.5 })).rejects.toThrow(InputError);
  });
});
