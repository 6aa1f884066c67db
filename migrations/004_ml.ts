import type { Knex } from 'knex';

/**
 * Snapshots: frozen, hashed, labeled datasets. A snapshot's rows never change after creation
 * (nothing updates them; only deleting the whole snapshot removes them).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('snapshots', (t) => {
    t.increments('id');
    t.string('name', 200).notNullable().unique();
    t.string('content_hash', 64).notNullable();
    t.text('origin').notNullable();
    t.text('datasheet').notNullable();
    t.integer('row_count').notNullable();
    t.string('created_at', 30).notNullable();
  });
  await knex.schema.createTable('snapshot_rows', (t) => {
    t.increments('id');
    t.integer('snapshot_id').notNullable().references('snapshots.id').onDelete('CASCADE');
    t.integer('position').notNullable();
    t.integer('item_id').notNullable();
    t.text('item_key').notNullable();
    t.text('url');
    t.text('features').notNullable();
    t.text('label').notNullable();
    t.float('confidence');
    t.unique(['snapshot_id', 'position']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('snapshot_rows');
  await knex.schema.dropTableIfExists('snapshots');
}
