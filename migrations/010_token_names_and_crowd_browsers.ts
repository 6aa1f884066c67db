import type { Knex } from 'knex';

/**
 * API tokens get a name and an optional expiry (they can be listed and revoked by id), and a
 * crowd worker remembers the browser that first claimed its id, so the same worker id typed in
 * another browser does not sign in as that worker.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_tokens', (t) => {
    t.string('name', 100);
    t.string('expires_at', 30);
  });
  await knex.schema.alterTable('users', (t) => {
    t.string('browser_hash', 64);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('browser_hash');
  });
  await knex.schema.alterTable('api_tokens', (t) => {
    t.dropColumn('expires_at');
    t.dropColumn('name');
  });
}
