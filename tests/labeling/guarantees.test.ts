import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { addMember, getProject, type Project } from '../../src/labeling/projects.js';
import { editAnnotation, reviewAnnotation } from '../../src/labeling/review.js';
import { getTaskContext, nextTask, skipTask, submitAnnotation } from '../../src/labeling/tasks.js';
import { createToken } from '../../src/labeling/users.js';
import { troveBin } from '../helpers/cli.js';
import { describeEachStore } from '../helpers/stores.js';
import { seedProject, seedUsers, unique } from './helpers.js';

/**
 * Issue 4's promise: never more than K counted annotations on an item, never two from one
 * annotator — under any concurrency, whatever path writes, and across a crash of the server.
 */
describeEachStore('labeling guarantees', (get) => {
  const db = () => get().hub.store.db;

  /** Counted (not rejected) annotations per task, rows per annotator and task, slots out of range, task counters that disagree with the rows. */
  async function violations(project: Project) {
    const overK = await db()('annotations').where({ project_id: project.id }).whereNot('review_status', 'rejected').groupBy('task_id').havingRaw('count(*) > ?', [project.overlap]).select('task_id');
    const twice = await db()('annotations').where({ project_id: project.id }).groupBy('task_id', 'user_id').havingRaw('count(*) > 1').select('task_id');
    const leasesTwice = await db()('assignments').where({ project_id: project.id }).groupBy('task_id', 'user_id').havingRaw('count(*) > 1').select('task_id');
    const badSlots = await db()('assignments').where({ project_id: project.id }).where((q) => q.where('slot', '<', 0).orWhere('slot', '>=', project.overlap)).select('id');
    const drifted = await db()('tasks')
      .where({ project_id: project.id })
      .where((q) =>
        q
          .whereRaw('filled <> (SELECT count(*) FROM assignments a WHERE a.task_id = tasks.id AND a.slot IS NOT NULL)')
          .orWhereRaw("done <> (SELECT count(*) FROM annotations n WHERE n.task_id = tasks.id AND n.review_status <> 'rejected')"),
      )
      .select('id');
    return { overK: overK.length, twice: twice.length, leasesTwice: leasesTwice.length, badSlots: badSlots.length, countersOff: drifted.length };
  }
  const none = { overK: 0, twice: 0, leasesTwice: 0, badSlots: 0, countersOff: 0 };

  async function firstTask(project: Project): Promise<number> {
    const row: { id: number } = await db()('tasks').where({ project_id: project.id }).orderBy('id').first('id');
    return row.id;
  }

  async function labelOnce(project: Project, userId: number, label = 'pos'): Promise<number | undefined> {
    const next = await nextTask(db(), project, userId);
    if (!next) return undefined;
    const outcome = await submitAnnotation(db(), project, await getTaskContext(db(), next.task.id, userId), userId, { clientId: randomUUID(), result: { label } });
    return outcome.annotation.id;
  }

  /**
   * The error message a refused write fails with, or 'accepted'. Not `rejects.toThrow`: better-sqlite3
   * builds its errors with the SqliteError of the first test file that loaded the native module, so
   * in later files of the same Jest worker they are not `instanceof Error` and `toThrow` reports a
   * refused write as "did not throw" (how the store once seemed to accept a second row).
   */
  async function refusal(write: PromiseLike<unknown>): Promise<string> {
    try {
      await write;
    } catch (err) {
      return String((err as { message?: unknown }).message);
    }
    return 'accepted';
  }

  describe('the store refuses, whatever code writes', () => {
    const row = (taskId: number, projectId: number) => ({ task_id: taskId, project_id: projectId, status: 'leased', created_at: new Date().toISOString() });

    test('a second row for one annotator on one item', async () => {
      const project = await seedProject(get().hub, ['a'], { overlap: 2 });
      const [u] = await seedUsers(get().hub, 1);
      const taskId = await firstTask(project);
      await db()('assignments').insert({ ...row(taskId, project.id), user_id: u.id, slot: 0 });

      expect(await refusal(db()('assignments').insert({ ...row(taskId, project.id), user_id: u.id, slot: 1 }))).toMatch(/unique/i);
    });

    test('a slot another annotator holds', async () => {
      const project = await seedProject(get().hub, ['a'], { overlap: 2 });
      const [u, v] = await seedUsers(get().hub, 2);
      const taskId = await firstTask(project);
      await db()('assignments').insert({ ...row(taskId, project.id), user_id: u.id, slot: 0 });

      expect(await refusal(db()('assignments').insert({ ...row(taskId, project.id), user_id: v.id, slot: 0 }))).toMatch(/unique/i);
    });

    test('a slot beyond the overlap K', async () => {
      const project = await seedProject(get().hub, ['a'], { overlap: 2 });
      const [u] = await seedUsers(get().hub, 1);
      const taskId = await firstTask(project);

      expect(await refusal(db()('assignments').insert({ ...row(taskId, project.id), user_id: u.id, slot: 2 }))).toMatch(/outside the project overlap/);
    });

    test('an annotation that is not its assignment’s annotator’s', async () => {
      const project = await seedProject(get().hub, ['a'], { overlap: 2 });
      const [u, v] = await seedUsers(get().hub, 2);
      const next = await nextTask(db(), project, u.id);
      const assignment: { id: number } = await db()('assignments').where({ task_id: next?.task.id, user_id: u.id }).first('id');
      const item: { item_id: number } = await db()('tasks').where({ id: next?.task.id }).first('item_id');
      const now = new Date().toISOString();
      const annotation = { client_id: unique('forged'), assignment_id: assignment.id, task_id: next?.task.id, project_id: project.id, item_id: item.item_id, user_id: v.id, result: '{"label":"pos"}', created_at: now, updated_at: now };

      expect(await refusal(db()('annotations').insert(annotation))).toMatch(/does not match its assignment/);
    });

    test('bringing a rejected annotation back, and freeing the slot of a counted one', async () => {
      const project = await seedProject(get().hub, ['a', 'b'], { overlap: 1 });
      const [u, v, manager] = await seedUsers(get().hub, 3);
      const rejected = (await labelOnce(project, u.id)) ?? 0;
      const counted = (await labelOnce(project, v.id)) ?? 0;
      await reviewAnnotation(db(), project, rejected, manager.id, 'reject');
      const countedAssignment: { assignment_id: number } = await db()('annotations').where({ id: counted }).first('assignment_id');

      expect(await refusal(db()('annotations').where({ id: rejected }).update({ review_status: 'pending' }))).toMatch(/rejected annotation cannot change/);
      expect(await refusal(db()('assignments').where({ id: countedAssignment.assignment_id }).update({ slot: null }))).toMatch(/only once its annotation is rejected/);
    });
  });

  test('many annotators at once, with leases expiring under them and late submits racing the reclaim', async () => {
    const project = await seedProject(get().hub, Array.from({ length: 30 }, (_, i) => `text ${i}`), { overlap: 3, leaseSeconds: 5 });
    const users = await seedUsers(get().hub, 12);
    const late: Array<{ taskId: number; userId: number }> = [];
    await Promise.all(
      users.map(async (u, i) => {
        for (let round = 0; ; round++) {
          const next = await nextTask(db(), project, u.id);
          if (!next) return;
          // Every third annotator walks away from every fourth item: its lease expires at once,
          // and it comes back to submit after the lease may already be someone else's.
          if (i % 3 === 0 && round % 4 === 0) {
            await db()('assignments').where({ task_id: next.task.id, user_id: u.id, status: 'leased' }).update({ lease_expires_at: '2000-01-01T00:00:00.000Z' });
            late.push({ taskId: next.task.id, userId: u.id });
            continue;
          }
          if (i % 5 === 0 && round % 3 === 1) {
            await skipTask(db(), next.task.id, u.id);
            continue;
          }
          await submitAnnotation(db(), project, await getTaskContext(db(), next.task.id, u.id), u.id, { clientId: randomUUID(), result: { label: 'pos' } });
        }
      }),
    );
    const lateOutcomes = await Promise.allSettled(
      late.map(async ({ taskId, userId }) => submitAnnotation(db(), project, await getTaskContext(db(), taskId, userId), userId, { clientId: randomUUID(), result: { label: 'neg' } })),
    );

    expect(await violations(project)).toEqual(none);
    expect(lateOutcomes.filter((o) => o.status === 'rejected').every((o) => (o as PromiseRejectedResult).reason.status === 409)).toBe(true);
  });

  test('an edit or a second review racing a rejection cannot bring the rejected answer back beside its replacement', async () => {
    const project = await seedProject(get().hub, ['contested'], { overlap: 1 });
    const [u, v, w, manager] = await seedUsers(get().hub, 4);
    const first = (await labelOnce(project, u.id)) ?? 0;
    const raced = await Promise.allSettled([
      reviewAnnotation(db(), project, first, manager.id, 'reject'),
      editAnnotation(db(), project, first, u.id, { label: 'neg' }),
      reviewAnnotation(db(), project, first, manager.id, 'accept'),
    ]);
    await labelOnce(project, v.id);
    await labelOnce(project, w.id);
    const task: { done: number } = await db()('tasks').where({ project_id: project.id }).first('done');

    expect(raced[0].status).toBe('fulfilled');
    expect(await violations(project)).toEqual(none);
    expect(await db()('annotations').where({ id: first }).first('review_status')).toEqual({ review_status: 'rejected' });
    expect(Number(task.done)).toBe(1);
  });

  test('a server killed while many annotators submit leaves no item over K and no annotator twice on one', async () => {
    const { hub, dataDir, databaseUrl } = get();
    const project = await seedProject(hub, Array.from({ length: 40 }, (_, i) => `crash ${i}`), { overlap: 2 });
    const users = await seedUsers(hub, 10);
    const tokens = await Promise.all(
      users.map(async (u) => {
        await addMember(db(), project.name, u.name);
        return createToken(db(), u.name);
      }),
    );
    const env: NodeJS.ProcessEnv = { ...process.env, TROVE_LOG_LEVEL: 'info', DATABASE_URL: databaseUrl };
    delete env.CI;
    if (!databaseUrl) delete env.DATABASE_URL;
    const server = spawn(process.execPath, [troveBin, '--data-dir', dataDir, 'start', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => server.on('exit', (_code, signal) => resolve(signal)));
    const url = await new Promise<string>((resolve, reject) => {
      let log = '';
      server.once('exit', (code) => reject(new Error(`trove start exited with ${code} before listening: ${log}`)));
      const scan = (chunk: Buffer) => {
        log += chunk.toString();
        const m = /listening on (http:\/\/\S+)/.exec(log);
        if (m) resolve(m[1]);
      };
      server.stdout.on('data', scan);
      server.stderr.on('data', scan);
    });
    let submitted = 0;
    let killed = false;
    await Promise.allSettled(
      tokens.map(async (token) => {
        const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
        for (;;) {
          const next = await fetch(`${url}/api/projects/${project.name}/next`, { headers });
          if (next.status !== 200) return;
          const { task } = (await next.json()) as { task: { id: number } };
          const sub = await fetch(`${url}/api/tasks/${task.id}/annotations`, { method: 'POST', headers, body: JSON.stringify({ id: randomUUID(), result: { label: 'pos' } }) });
          await sub.arrayBuffer();
          // Killed with requests in flight: some submits commit, some never reach the store.
          if (++submitted === 25 && !killed) {
            killed = true;
            server.kill('SIGKILL');
          }
        }
      }),
    );
    expect(await exited).toBe('SIGKILL');

    const fresh = await getProject(db(), project.name);
    await db()('assignments').where({ project_id: fresh.id, status: 'leased' }).update({ lease_expires_at: '2000-01-01T00:00:00.000Z' });
    await Promise.all(
      users.map(async (u) => {
        while ((await labelOnce(fresh, u.id)) !== undefined) {
          /* the annotators carry on in a new server until nothing is left */
        }
      }),
    );
    const perTask = await db()('annotations').where({ project_id: fresh.id }).groupBy('task_id').select('task_id').count({ n: '*' });

    expect(await violations(fresh)).toEqual(none);
    expect(perTask).toHaveLength(40);
    expect(perTask.every((r) => Number(r.n) === 2)).toBe(true);
    // Starting `trove start` compiles the sources in the child; on a busy machine that is slow.
  }, 240_000);
});
