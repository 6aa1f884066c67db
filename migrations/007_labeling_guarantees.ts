import type { Knex } from 'knex';

/**
 * Labeling guarantees the unique indexes of 003 cannot state on their own. With them, "never more
 * than K counted annotations on an item, never two from one annotator" is a property of the store:
 * every counted (not rejected) annotation of a regular item holds its own slot 0..K-1, whatever
 * code path or process wrote it.
 * - a slot lies in 0..K-1 of the assignment's project;
 * - an annotation belongs to the assignment of the same task and annotator;
 * - an annotation of a regular item is stored only while its assignment holds a slot, and a slot
 *   is given up only once the annotation is rejected;
 * - a rejection is final: a late edit or review cannot bring a rejected annotation back to count
 *   next to the annotation that took over its slot.
 *
 * The task counters `filled` (slots held), `open` (filled < K; gold always) and `done` (counted
 * annotations) are kept by triggers too, in the statement that changes what they count: they cannot
 * drift from the rows whatever path writes (reclaim, skip, rejection, crowd import, cascades) and
 * cost `next` and submit no statement of their own. Counters written before this are recounted.
 */
const RULES: Array<{ name: string; table: string; when: string; condition: string; message: string }> = [
  {
    name: 'assignments_slot_in_overlap_ins',
    table: 'assignments',
    when: 'BEFORE INSERT',
    condition: 'NEW.slot IS NOT NULL AND (NEW.slot < 0 OR NEW.slot >= (SELECT overlap FROM projects WHERE id = NEW.project_id))',
    message: 'assignment slot outside the project overlap',
  },
  {
    name: 'assignments_slot_in_overlap_upd',
    table: 'assignments',
    when: 'BEFORE UPDATE',
    condition: 'NEW.slot IS NOT NULL AND (NEW.slot < 0 OR NEW.slot >= (SELECT overlap FROM projects WHERE id = NEW.project_id))',
    message: 'assignment slot outside the project overlap',
  },
  {
    name: 'assignments_slot_kept_while_counted',
    table: 'assignments',
    when: 'BEFORE UPDATE',
    condition:
      "OLD.slot IS NOT NULL AND NEW.slot IS NULL AND EXISTS (SELECT 1 FROM annotations WHERE annotations.assignment_id = OLD.id AND annotations.review_status <> 'rejected')",
    message: 'a slot is given up only once its annotation is rejected',
  },
  {
    name: 'annotations_match_assignment',
    table: 'annotations',
    when: 'BEFORE INSERT',
    condition: 'NOT EXISTS (SELECT 1 FROM assignments WHERE assignments.id = NEW.assignment_id AND assignments.task_id = NEW.task_id AND assignments.user_id = NEW.user_id)',
    message: 'annotation does not match its assignment',
  },
  {
    name: 'annotations_hold_slot',
    table: 'annotations',
    when: 'BEFORE INSERT',
    condition:
      'EXISTS (SELECT 1 FROM assignments JOIN tasks ON tasks.id = assignments.task_id WHERE assignments.id = NEW.assignment_id AND assignments.slot IS NULL AND NOT tasks.is_gold)',
    message: 'annotation of a regular item without a slot',
  },
  {
    name: 'annotations_rejection_final',
    table: 'annotations',
    when: 'BEFORE UPDATE',
    condition: "OLD.review_status = 'rejected' AND NEW.review_status <> 'rejected'",
    message: 'a rejected annotation cannot change',
  },
];

const OVERLAP = '(SELECT overlap FROM projects WHERE projects.id = tasks.project_id)';
const COUNTERS: Array<{ name: string; table: string; when: string; condition: string; action: string }> = [
  {
    name: 'tasks_filled_on_lease',
    table: 'assignments',
    when: 'AFTER INSERT',
    condition: 'NEW.slot IS NOT NULL',
    action: `UPDATE tasks SET filled = filled + 1, open = (filled + 1 < ${OVERLAP}) WHERE id = NEW.task_id`,
  },
  {
    name: 'tasks_filled_on_release',
    table: 'assignments',
    when: 'AFTER DELETE',
    condition: 'OLD.slot IS NOT NULL',
    action: 'UPDATE tasks SET filled = filled - 1, open = TRUE WHERE id = OLD.task_id',
  },
  {
    name: 'tasks_filled_on_slot_freed',
    table: 'assignments',
    when: 'AFTER UPDATE',
    condition: 'OLD.slot IS NOT NULL AND NEW.slot IS NULL',
    action: 'UPDATE tasks SET filled = filled - 1, open = TRUE WHERE id = OLD.task_id',
  },
  {
    name: 'tasks_done_on_annotation',
    table: 'annotations',
    when: 'AFTER INSERT',
    condition: "NEW.review_status <> 'rejected'",
    action: 'UPDATE tasks SET done = done + 1 WHERE id = NEW.task_id',
  },
  {
    name: 'tasks_done_on_rejection',
    table: 'annotations',
    when: 'AFTER UPDATE',
    condition: "OLD.review_status <> 'rejected' AND NEW.review_status = 'rejected'",
    action: 'UPDATE tasks SET done = done - 1 WHERE id = NEW.task_id',
  },
  {
    name: 'tasks_done_on_delete',
    table: 'annotations',
    when: 'AFTER DELETE',
    condition: "OLD.review_status <> 'rejected'",
    action: 'UPDATE tasks SET done = done - 1 WHERE id = OLD.task_id',
  },
];

export async function up(knex: Knex): Promise<void> {
  const pg = knex.client.config.client === 'pg';
  await knex.raw(
    `UPDATE tasks SET
       filled = (SELECT count(*) FROM assignments WHERE assignments.task_id = tasks.id AND assignments.slot IS NOT NULL),
       done = (SELECT count(*) FROM annotations WHERE annotations.task_id = tasks.id AND annotations.review_status <> 'rejected')`,
  );
  await knex.raw(`UPDATE tasks SET open = (is_gold OR filled < ${OVERLAP})`);
  for (const counter of COUNTERS) {
    if (pg) {
      await knex.raw(`CREATE FUNCTION ${counter.name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF ${counter.condition} THEN ${counter.action}; END IF; RETURN NULL; END $$`);
      await knex.raw(`CREATE TRIGGER ${counter.name} ${counter.when} ON ${counter.table} FOR EACH ROW EXECUTE FUNCTION ${counter.name}()`);
    } else {
      await knex.raw(`CREATE TRIGGER ${counter.name} ${counter.when} ON ${counter.table} FOR EACH ROW WHEN ${counter.condition} BEGIN ${counter.action}; END`);
    }
  }
  for (const rule of RULES) {
    if (pg) {
      await knex.raw(
        `CREATE FUNCTION ${rule.name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF ${rule.condition} THEN RAISE EXCEPTION '${rule.message}' USING ERRCODE = '23514'; END IF; RETURN NEW; END $$`,
      );
      await knex.raw(`CREATE TRIGGER ${rule.name} ${rule.when} ON ${rule.table} FOR EACH ROW EXECUTE FUNCTION ${rule.name}()`);
    } else {
      await knex.raw(`CREATE TRIGGER ${rule.name} ${rule.when} ON ${rule.table} FOR EACH ROW WHEN ${rule.condition} BEGIN SELECT RAISE(ABORT, '${rule.message}'); END`);
    }
  }
}

export async function down(knex: Knex): Promise<void> {
  const pg = knex.client.config.client === 'pg';
  for (const trigger of [...RULES, ...COUNTERS]) {
    await knex.raw(`DROP TRIGGER IF EXISTS ${trigger.name}${pg ? ` ON ${trigger.table}` : ''}`);
    if (pg) await knex.raw(`DROP FUNCTION IF EXISTS ${trigger.name}()`);
  }
}
