import type { Knex } from 'knex';

/**
 * The crawl frontier: one row per URL a crawl source has discovered, so the queue lives in the
 * database (flat memory, resumable after a kill, shared by several workers through leases).
 * See src/scrapers/frontier.ts for the statements that use it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('crawl_frontier', (t) => {
    t.increments('id');
    t.integer('source_id').notNullable().references('sources.id').onDelete('CASCADE');
    t.text('url').notNullable();
    t.string('url_hash', 64).notNullable();
    t.integer('depth').notNullable();
    // queued | leased | done | skipped | failed
    t.string('status', 12).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('next_attempt_at', 30).notNullable();
    t.string('lease_owner', 200);
    t.integer('lease_run_id');
    t.string('lease_until', 30);
    t.text('last_error');
    t.string('discovered_at', 30).notNullable();
    t.string('finished_at', 30);
    t.unique(['source_id', 'url_hash']);
    t.index(['source_id', 'status', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('crawl_frontier');
}
