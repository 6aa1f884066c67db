import type { Knex } from 'knex';
import { createSource } from '../../src/core/sources.js';
import { nowIso } from '../../src/core/time.js';
import { createProject, type Project } from '../../src/labeling/projects.js';
import { createToken, createUser } from '../../src/labeling/users.js';

/**
 * Bench fixtures written straight with SQL where the code under test is not the writer (a million
 * items, a million annotations); projects, users and tokens go through the real functions.
 */
export async function seedItems(db: Knex, sourceName: string, count: number): Promise<void> {
  const source = await createSource(db, { name: sourceName, kind: 'file', config: { path: '/dev/null' } });
  const now = nowIso();
  const chunk = 50_000;
  for (let start = 0; start < count; start += chunk) {
    const n = Math.min(chunk, count - start);
    await db.raw(
      `WITH RECURSIVE seq(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
       INSERT INTO items (source_id, key, text, fields, content_hash, fetched_at, created_at, updated_at)
       SELECT ?, 'k' || i, 'item number ' || i || ' with some words to label', '{}', 'h' || i, ?, ?, ? FROM seq`,
      [start, start + n - 1, source.id, now, now, now],
    );
  }
}

export async function seedProjectOver(db: Knex, name: string, items: number, overlap: number): Promise<Project> {
  await seedItems(db, `${name}-src`, items);
  return createProject(db, { name, sources: [`${name}-src`], schema: { kind: 'single', labels: [{ value: 'pos' }, { value: 'neg' }, { value: 'neutral' }] }, overlap });
}

export async function seedAnnotators(db: Knex, prefix: string, n: number, projectId: number): Promise<Array<{ id: number; token: string }>> {
  const out = [];
  for (let i = 0; i < n; i++) {
    const user = await createUser(db, { name: `${prefix}${i}`, role: 'annotator' });
    await db('project_members').insert({ project_id: projectId, user_id: user.id });
    out.push({ id: user.id, token: await createToken(db, user.name) });
  }
  return out;
}

/** K annotations on every task of the project, by K users, as if they had been submitted. */
export async function seedAnnotations(db: Knex, project: Project, userIds: number[]): Promise<void> {
  const now = nowIso();
  for (const [slot, userId] of userIds.entries()) {
    await db.raw(
      `INSERT INTO assignments (task_id, project_id, user_id, slot, status, created_at)
       SELECT id, project_id, ?, ?, 'submitted', ? FROM tasks WHERE project_id = ?`,
      [userId, slot, now, project.id],
    );
    await db.raw(
      `INSERT INTO annotations (client_id, assignment_id, task_id, project_id, item_id, user_id, result, is_gold, review_status, work_seconds, created_at, updated_at)
       SELECT 'seed-' || a.id, a.id, a.task_id, a.project_id, t.item_id, a.user_id,
              CASE (t.item_id + a.slot) % 3 WHEN 0 THEN '{"label":"pos"}' WHEN 1 THEN '{"label":"neg"}' ELSE '{"label":"neutral"}' END,
              ?, 'pending', 2.5, ?, ?
       FROM assignments a JOIN tasks t ON t.id = a.task_id WHERE a.project_id = ? AND a.user_id = ?`,
      [false, now, now, project.id, userId],
    );
  }
  await db('tasks').where({ project_id: project.id }).update({ done: userIds.length, filled: userIds.length, open: false });
}
