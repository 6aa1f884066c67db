import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../../src/core/errors.js';
import { createSource } from '../../src/core/sources.js';
import { runSource } from '../../src/hub.js';
import { createProject, getProject, type Project } from '../../src/labeling/projects.js';
import { listFlags, resolveFlag } from '../../src/labeling/review-flags.js';
import { reviewAnnotation } from '../../src/labeling/review.js';
import { getTaskContext, nextTask, submitAnnotation } from '../../src/labeling/tasks.js';
import { createUser, type User } from '../../src/labeling/users.js';
import { sendLabelIssuesToReview } from '../../src/ml/send-to-review.js';
import { createSnapshot } from '../../src/ml/snapshots/create-snapshot.js';
import { loadSnapshotRows } from '../../src/ml/snapshots/snapshot-store.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { runCli } from '../helpers/cli.js';
import { datasetsDir } from '../helpers/shared-data.js';
import { describeEachStore } from '../helpers/stores.js';
import { Client, unique } from '../labeling/helpers.js';

/** Item keys are line numbers; these setosa flowers (lines 2, 3, 4 of iris.csv) get the wrong label. */
const MISLABELED = new Set(['2', '3', '4']);
const SPECIES = ['setosa', 'versicolor', 'virginica'];

describeEachStore('label issues sent back to review', (get) => {
  let project: Project;
  let manager: User;
  let server: RunningServer;
  const password = 'manager password';
  const cli = (args: string[]) => runCli(['--data-dir', get().dataDir, ...args], { env: { DATABASE_URL: get().databaseUrl }, timeoutMs: 120_000 });

  beforeAll(async () => {
    const { hub } = get();
    const db = hub.store.db;
    const config = hub.kinds.parseConfig('file', { kind: 'file', path: path.join(datasetsDir, 'iris.csv'), label: 'species' }, 'test') as Record<string, unknown>;
    await createSource(db, { name: 'iris-flowers', kind: 'file', config });
    await runSource(hub, 'iris-flowers');
    project = await createProject(db, { name: 'flowers', sources: ['iris-flowers'], schema: { kind: 'single', labels: SPECIES.map((value) => ({ value })) }, ordering: 'source' });
    const annotator = await createUser(db, { name: unique('ann'), role: 'annotator' });
    manager = await createUser(db, { name: unique('boss'), role: 'manager', password });
    for (let next = await nextTask(db, project, annotator.id); next; next = await nextTask(db, project, annotator.id)) {
      const item = await db('items').where('id', next.item.id).first('key');
      const label = MISLABELED.has(item.key) ? 'virginica' : String(next.item.fields.species);
      const task = await getTaskContext(db, next.task.id);
      const { annotation } = await submitAnnotation(db, project, task, annotator.id, { clientId: unique('c'), result: { label } });
      if (MISLABELED.has(item.key)) await reviewAnnotation(db, project, annotation.id, manager.id, 'accept');
    }
    server = await startServer(hub, 0, '127.0.0.1');
  });
  afterAll(() => server.close());

  const itemIdsOf = async (keys: string[]) => (await get().hub.store.db('items').whereIn('key', keys).pluck('id')).map(Number).sort((a, b) => a - b);

  test("a project snapshot leaves out the dataset's own label field: the annotators' answer is the label", async () => {
    const { hub } = get();
    await createSnapshot(hub.store, { name: 'flowers-features', project: 'flowers' });
    const { rows } = await loadSnapshotRows(hub.store.db, 'flowers-features');
    expect(Object.keys(rows[0].features).sort()).toEqual(['petal_length', 'petal_width', 'sepal_length', 'sepal_width']);
  });

  test('flags the items, puts their reviewed annotations back in the queue, and refuses a source snapshot', async () => {
    const { hub } = get();
    const db = hub.store.db;
    const snapshot = await createSnapshot(hub.store, { name: 'flowers-1', project: 'flowers' });
    const [first, second] = await itemIdsOf(['2', '3']);
    const issue = (itemId: number) => ({ itemId, givenLabel: 'virginica', suggestedLabel: 'setosa', selfConfidence: 0.01, suggestedProbability: 0.98 });

    const outcome = await sendLabelIssuesToReview(db, snapshot, [issue(first), issue(second), issue(999_999)], 'flowers v1');

    expect(outcome).toEqual({ flagged: 2, reopened: 2, notInProject: [999_999] });
    const { flags } = await listFlags(db, await getProject(db, 'flowers'));
    expect(flags.map((f) => f.itemId).sort((a, b) => a - b)).toEqual([first, second]);
    expect(flags[0].reason).toBe('model flowers v1 suggests "setosa" (p 0.98) over the given "virginica" (p 0.01)');
    expect(await db('annotations').whereIn('item_id', [first, second]).pluck('review_status')).toEqual(['pending', 'pending']);
    const fromSource = { ...snapshot, origin: { kind: 'source' as const, source: 'iris-flowers', labelField: 'species' } };
    await expect(sendLabelIssuesToReview(db, fromSource, [issue(first)], 'flowers v1')).rejects.toThrow(InputError);
  });

  test('flagging an item again refreshes its one open flag; a resolved flag leaves the open list', async () => {
    const { hub } = get();
    const db = hub.store.db;
    const snapshot = await createSnapshot(hub.store, { name: 'flowers-2', project: 'flowers' });
    const [item] = await itemIdsOf(['4']);
    const issue = { itemId: item, givenLabel: 'virginica', suggestedLabel: 'setosa', selfConfidence: 0.2, suggestedProbability: 0.7 };
    await sendLabelIssuesToReview(db, snapshot, [issue], 'flowers v1');
    await sendLabelIssuesToReview(db, snapshot, [{ ...issue, suggestedProbability: 0.9 }], 'flowers v2');
    const open = (await listFlags(db, project)).flags.filter((f) => f.itemId === item);
    expect(open).toHaveLength(1);
    expect(open[0].origin).toContain('flowers v2');

    const resolved = await resolveFlag(db, project, open[0].id, manager.id);

    expect(resolved).toMatchObject({ resolvedBy: manager.name, resolvedAt: expect.any(String) });
    expect((await listFlags(db, project)).flags.some((f) => f.itemId === item)).toBe(false);
    expect((await listFlags(db, project, { resolved: true })).flags.map((f) => f.itemId)).toContain(item);
  });

  test('managers list and resolve flags over the API; annotators may not', async () => {
    const { hub } = get();
    const boss = new Client(server.url);
    await boss.login(manager.name, password);
    const annotatorName = unique('curious');
    await createUser(hub.store.db, { name: annotatorName, role: 'annotator', password });
    const curious = new Client(server.url);
    await curious.login(annotatorName, password);

    const listed = await boss.get<{ flags: Array<{ id: number; item: { text: string | null } }> }>('/api/projects/flowers/flags');
    const resolved = await boss.post<{ flag: { resolvedBy: string } }>(`/api/projects/flowers/flags/${listed.body.flags[0].id}/resolve`);

    expect(listed.status).toBe(200);
    expect(listed.body.flags.length).toBeGreaterThan(0);
    expect(resolved.body.flag.resolvedBy).toBe(manager.name);
    expect((await curious.get('/api/projects/flowers/flags')).status).toBe(403);
    expect((await boss.post('/api/projects/flowers/flags/123456789/resolve')).status).toBe(404);
  });

  test('`trove train --send-to-review` flags the mislabeled flowers in their project', async () => {
    const configFile = path.join(get().dataDir, 'noise.json');
    fs.writeFileSync(configFile, JSON.stringify({ model: { epochs: 40, layers: [16], learningRate: 0.01 } }));
    expect((await cli(['snapshots', 'create', 'flowers-cli', '--project', 'flowers'])).code).toBe(0);

    const train = await cli(['--json', 'train', '--snapshot', 'flowers-cli', '--config', configFile, '--send-to-review']);

    expect(train.code).toBe(0);
    const result = JSON.parse(train.stdout) as { labelIssues: Array<{ itemId: number }>; review: { flagged: number } };
    const mislabeled = await itemIdsOf([...MISLABELED]);
    expect(result.labelIssues.map((i) => i.itemId)).toEqual(expect.arrayContaining(mislabeled));
    expect(result.review.flagged).toBe(result.labelIssues.length);
    const open = (await listFlags(get().hub.store.db, project, { limit: 500 })).flags.map((f) => f.itemId);
    expect(open).toEqual(expect.arrayContaining(mislabeled));
  });

  test('`--send-to-review` on a snapshot of a source is refused before training', async () => {
    expect((await cli(['snapshots', 'create', 'iris-given', '--source', 'iris-flowers', '--label-field', 'species'])).code).toBe(0);

    const train = await cli(['train', '--snapshot', 'iris-given', '--send-to-review']);

    expect(train.code).not.toBe(0);
    expect(train.stderr.trim()).toBe('trove: --send-to-review: snapshot "iris-given" comes from source "iris-flowers", not from a labeling project');
    expect(train.stderr).not.toMatch(/epoch/);
  });
});
