import type { Knex } from 'knex';

/** Each participant's own progress, so a shared run's progress is the sum of every part (JSON). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('run_workers', (t) => {
    t.text('progress');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('run_workers', (t) => {
    t.dropColumn('progress');
  });
}
