import type { Knex } from 'knex';

/**
 * Sources, runs, items and their history. Timestamps are ISO-8601 UTC text and JSON is text on
 * both dialects (see src/core/time.ts and src/core/json-column.ts).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sources', (t) => {
    t.increments('id');
    t.string('name', 200).notNullable().unique();
    t.string('kind', 40).notNullable();
    t.text('config').notNullable();
    t.string('schedule', 200);
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
  });

  await knex.schema.createTable('runs', (t) => {
    t.increments('id');
    t.integer('source_id').notNullable().references('sources.id').onDelete('CASCADE');
    t.string('status', 20).notNullable();
    t.string('trigger', 20).notNullable();
    t.integer('seen').notNullable().defaultTo(0);
    t.integer('inserted').notNullable().defaultTo(0);
    t.integer('updated').notNullable().defaultTo(0);
    t.integer('unchanged').notNullable().defaultTo(0);
    t.integer('failed').notNullable().defaultTo(0);
    t.text('progress');
    t.text('stats');
    t.text('error');
    t.boolean('cancel_requested').notNullable().defaultTo(false);
    t.string('worker', 200);
    t.string('created_at', 30).notNullable();
    t.string('started_at', 30);
    t.string('finished_at', 30);
    t.string('heartbeat_at', 30);
    t.index(['source_id', 'id']);
    t.index(['status']);
  });
  // A source never runs twice at once, whichever process or machine starts it.
  await knex.raw(
    "CREATE UNIQUE INDEX runs_one_active_per_source ON runs (source_id) WHERE status IN ('queued', 'running')",
  );

  await knex.schema.createTable('run_errors', (t) => {
    t.increments('id');
    t.integer('run_id').notNullable().references('runs.id').onDelete('CASCADE');
    t.text('location').notNullable();
    t.text('message').notNullable();
    t.string('at', 30).notNullable();
    t.index(['run_id', 'id']);
  });

  await knex.schema.createTable('items', (t) => {
    t.increments('id');
    t.integer('source_id').notNullable().references('sources.id').onDelete('CASCADE');
    t.integer('run_id').references('runs.id').onDelete('SET NULL');
    t.text('key').notNullable();
    t.text('url');
    t.text('text');
    t.text('fields').notNullable();
    t.string('content_hash', 64).notNullable();
    t.string('blob_hash', 64);
    t.string('fetched_at', 30).notNullable();
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.unique(['source_id', 'key']);
    t.index(['source_id', 'id']);
  });

  // One row per content an item has left behind, so labels made on older content stay traceable.
  await knex.schema.createTable('item_versions', (t) => {
    t.increments('id');
    t.integer('item_id').notNullable().references('items.id').onDelete('CASCADE');
    t.string('content_hash', 64).notNullable();
    t.string('blob_hash', 64);
    t.integer('run_id').references('runs.id').onDelete('SET NULL');
    t.string('replaced_at', 30).notNullable();
    t.index(['item_id']);
  });

  await knex.schema.createTable('checkpoints', (t) => {
    t.integer('source_id').primary().references('sources.id').onDelete('CASCADE');
    t.text('state').notNullable();
    t.string('updated_at', 30).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['checkpoints', 'item_versions', 'items', 'run_errors', 'runs', 'sources']) {
    await knex.schema.dropTableIfExists(table);
  }
}
