import type { Knex } from 'knex';

/**
 * Users and access, labeling projects, tasks, leases and annotations.
 *
 * The labeling guarantees live in constraints, not only in code, so they hold under any
 * concurrency and across a crash:
 * - `assignments (task_id, user_id)` is unique: one annotator never works an item twice;
 * - `assignments (task_id, slot)` is unique and slots are numbered 0..K-1: never more than K
 *   leases-or-annotations on an item. Released work (skips, reclaimed leases) deletes its row;
 *   rejected annotations keep their row with a null slot, which frees the slot for someone else.
 * - `annotations.client_id` is unique: a replayed submit is recognised, never stored twice.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.increments('id');
    t.string('name', 200).notNullable().unique();
    t.string('role', 20).notNullable();
    t.string('kind', 20).notNullable().defaultTo('human');
    t.string('external_id', 300);
    t.text('password_hash');
    t.boolean('disabled').notNullable().defaultTo(false);
    t.string('created_at', 30).notNullable();
    t.unique(['kind', 'external_id']);
  });

  await knex.schema.createTable('api_tokens', (t) => {
    t.increments('id');
    t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.string('token_hash', 64).notNullable().unique();
    t.string('created_at', 30).notNullable();
    t.string('last_used_at', 30);
  });

  await knex.schema.createTable('sessions', (t) => {
    t.increments('id');
    t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.string('token_hash', 64).notNullable().unique();
    t.string('csrf_token', 64).notNullable();
    // A crowd session is bound to one project.
    t.integer('project_id');
    t.string('created_at', 30).notNullable();
    t.string('expires_at', 30).notNullable();
  });

  await knex.schema.createTable('projects', (t) => {
    t.increments('id');
    t.string('name', 200).notNullable().unique();
    t.text('schema').notNullable();
    t.integer('overlap').notNullable();
    t.float('gold_rate').notNullable().defaultTo(0);
    t.string('ordering', 20).notNullable();
    t.text('filter');
    t.integer('lease_seconds').notNullable();
    t.text('crowd');
    t.string('created_at', 30).notNullable();
  });

  await knex.schema.createTable('project_sources', (t) => {
    t.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    t.integer('source_id').notNullable().references('sources.id').onDelete('CASCADE');
    t.primary(['project_id', 'source_id']);
    t.index(['source_id']);
  });

  await knex.schema.createTable('project_members', (t) => {
    t.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.primary(['project_id', 'user_id']);
    t.index(['user_id']);
  });

  await knex.schema.createTable('tasks', (t) => {
    t.increments('id');
    t.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    t.integer('item_id').notNullable().references('items.id').onDelete('CASCADE');
    t.boolean('is_gold').notNullable().defaultTo(false);
    t.text('gold_result');
    // Written by the ML side (model uncertainty); higher is served first.
    t.float('priority').notNullable().defaultTo(0);
    // Tie-break order: item id (source order) or a random number (random order), fixed at creation.
    t.float('rank').notNullable();
    // Leases plus annotations holding a slot; `open` is filled < overlap (always true for gold).
    t.integer('filled').notNullable().defaultTo(0);
    t.integer('done').notNullable().defaultTo(0);
    t.boolean('open').notNullable().defaultTo(true);
    t.unique(['project_id', 'item_id']);
    t.index(['item_id']);
  });
  // `next` walks this index in serving order and stops at the first task the annotator may take.
  await knex.raw('CREATE INDEX tasks_next ON tasks (project_id, is_gold, open, priority DESC, rank)');

  await knex.schema.createTable('assignments', (t) => {
    t.increments('id');
    t.integer('task_id').notNullable().references('tasks.id').onDelete('CASCADE');
    t.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.integer('slot');
    t.string('status', 20).notNullable();
    t.string('lease_expires_at', 30);
    t.string('created_at', 30).notNullable();
    t.unique(['task_id', 'user_id']);
    t.unique(['task_id', 'slot']);
    t.index(['project_id', 'status', 'lease_expires_at'], 'assignments_leases');
    t.index(['project_id', 'user_id', 'status'], 'assignments_by_user');
  });

  await knex.schema.createTable('skips', (t) => {
    t.integer('task_id').notNullable().references('tasks.id').onDelete('CASCADE');
    t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.string('at', 30).notNullable();
    t.primary(['task_id', 'user_id']);
  });

  await knex.schema.createTable('annotations', (t) => {
    t.increments('id');
    t.string('client_id', 100).notNullable().unique();
    t.integer('assignment_id').notNullable().unique().references('assignments.id').onDelete('CASCADE');
    t.integer('task_id').notNullable().references('tasks.id').onDelete('CASCADE');
    t.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    t.integer('item_id').notNullable().references('items.id').onDelete('CASCADE');
    t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('result').notNullable();
    t.boolean('is_gold').notNullable().defaultTo(false);
    t.boolean('gold_correct');
    t.string('review_status', 20).notNullable().defaultTo('pending');
    t.text('review_result');
    t.integer('reviewed_by').references('users.id').onDelete('SET NULL');
    t.string('reviewed_at', 30);
    t.float('work_seconds');
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.unique(['task_id', 'user_id']);
    t.index(['project_id', 'id']);
    t.index(['project_id', 'task_id']);
    t.index(['project_id', 'user_id', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['annotations', 'skips', 'assignments', 'tasks', 'project_members', 'project_sources', 'projects', 'sessions', 'api_tokens', 'users']) {
    await knex.schema.dropTableIfExists(table);
  }
}
