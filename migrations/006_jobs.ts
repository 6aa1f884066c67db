import type { Knex } from 'knex';

/**
 * Scheduling and shared runs. `source_schedules` remembers the last cron slot that fired per source:
 * it makes a slot fire once across every process (a conditional update wins it) and lets a hub that
 * was down run a missed slot once at start. `run_workers` lists the processes taking part in a run,
 * so several workers can crawl one source together and the last to finish closes the run.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('source_schedules', (t) => {
    t.integer('source_id').primary().references('sources.id').onDelete('CASCADE');
    t.string('last_slot', 30).notNullable();
    t.string('updated_at', 30).notNullable();
  });

  await knex.schema.createTable('run_workers', (t) => {
    t.increments('id');
    t.integer('run_id').notNullable().references('runs.id').onDelete('CASCADE');
    t.string('worker', 200).notNullable();
    t.string('status', 20).notNullable();
    t.integer('seen').notNullable().defaultTo(0);
    t.integer('inserted').notNullable().defaultTo(0);
    t.integer('updated').notNullable().defaultTo(0);
    t.integer('unchanged').notNullable().defaultTo(0);
    t.integer('failed').notNullable().defaultTo(0);
    t.text('stats');
    t.text('error');
    t.string('joined_at', 30).notNullable();
    t.string('finished_at', 30);
    t.string('heartbeat_at', 30);
    t.unique(['run_id', 'worker']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('run_workers');
  await knex.schema.dropTableIfExists('source_schedules');
}
