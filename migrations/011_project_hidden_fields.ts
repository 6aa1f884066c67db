import type { Knex } from 'knex';

/**
 * Fields of a project's items that annotators, crowd workers and crowd exports never see (a JSON
 * array of field names; null: none besides the label columns of the project's sources).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('projects', (t) => {
    t.text('hidden_fields');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('projects', (t) => {
    t.dropColumn('hidden_fields');
  });
}
