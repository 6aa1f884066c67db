import type { Knex } from 'knex';

/**
 * Review flags: items of a labeling project that something other than a reviewer (the label-noise
 * finder of a trained model) asks a manager to look at again. One open flag per item and project;
 * flagging again refreshes it. Resolving keeps the row, so the history of a flag stays readable.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('review_flags', (t) => {
    t.increments('id');
    t.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    t.integer('item_id').notNullable().references('items.id').onDelete('CASCADE');
    t.text('origin').notNullable();
    t.text('reason').notNullable();
    t.text('details').notNullable();
    t.string('created_at', 30).notNullable();
    t.string('resolved_at', 30);
    t.integer('resolved_by').references('users.id').onDelete('SET NULL');
    t.unique(['project_id', 'item_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('review_flags');
}
