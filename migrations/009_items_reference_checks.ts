import type { Knex } from 'knex';

/**
 * PostgreSQL only: items keep their references to sources and runs, checked once per statement
 * instead of once per row. A foreign key checks each inserted row with a query of its own and a
 * row lock, which was about 40% of the server's work in a bulk import; these triggers check the
 * distinct sources and runs of a whole statement (an import batch: one source, one run) and take
 * the same key-share locks, so a source or run cannot be deleted under rows that refer to it.
 * The delete rules stay those of the foreign keys they replace: deleting a source deletes its
 * items, deleting a run leaves its items without one. SQLite keeps the foreign keys, whose checks
 * cost it little.
 */
/**
 * A statement-level check of the sources and runs the statement's rows refer to: `sourceIds` and
 * `runIds` are queries over the transition tables giving the ids to check.
 */
function referenceCheck(name: string, sourceIds: string, runIds: string): string {
  const missing = (table: string, ids: string, what: string) => `
  IF EXISTS (SELECT 1 FROM (${ids}) c (id) WHERE NOT EXISTS (SELECT 1 FROM ${table} t WHERE t.id = c.id)) THEN
    RAISE foreign_key_violation USING MESSAGE = 'insert or update on table "items" refers to a ${what} that does not exist';
  END IF;`;
  return `
CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM sources WHERE id IN (${sourceIds}) FOR KEY SHARE;
  PERFORM 1 FROM runs WHERE id IN (${runIds}) FOR KEY SHARE;${missing('sources', sourceIds, 'source')}${missing('runs', runIds, 'run')}
  RETURN NULL;
END $$`;
}

const CHECK_INSERTED = referenceCheck(
  'items_check_inserted_references',
  'SELECT DISTINCT source_id FROM new_items',
  'SELECT DISTINCT run_id FROM new_items WHERE run_id IS NOT NULL',
);

// An update checks only the references it changed: clearing run_id (a run deleted while its
// source is deleted too) must not trip over the source already gone.
const CHANGED = 'FROM new_items n JOIN old_items o ON o.id = n.id';
const CHECK_UPDATED = referenceCheck(
  'items_check_updated_references',
  `SELECT DISTINCT n.source_id ${CHANGED} WHERE n.source_id <> o.source_id`,
  `SELECT DISTINCT n.run_id ${CHANGED} WHERE n.run_id IS NOT NULL AND n.run_id IS DISTINCT FROM o.run_id`,
);

const DELETE_WITH_SOURCE = `
CREATE FUNCTION items_delete_with_source() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM items WHERE source_id IN (SELECT id FROM old_sources);
  RETURN NULL;
END $$`;

const UNLINK_DELETED_RUN = `
CREATE FUNCTION items_unlink_deleted_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE items SET run_id = NULL WHERE run_id IN (SELECT id FROM old_runs);
  RETURN NULL;
END $$`;

const TRIGGERS = [
  'CREATE TRIGGER items_references_on_insert AFTER INSERT ON items REFERENCING NEW TABLE AS new_items FOR EACH STATEMENT EXECUTE FUNCTION items_check_inserted_references()',
  'CREATE TRIGGER items_references_on_update AFTER UPDATE ON items REFERENCING OLD TABLE AS old_items NEW TABLE AS new_items FOR EACH STATEMENT EXECUTE FUNCTION items_check_updated_references()',
  'CREATE TRIGGER sources_delete_items AFTER DELETE ON sources REFERENCING OLD TABLE AS old_sources FOR EACH STATEMENT EXECUTE FUNCTION items_delete_with_source()',
  'CREATE TRIGGER runs_unlink_items AFTER DELETE ON runs REFERENCING OLD TABLE AS old_runs FOR EACH STATEMENT EXECUTE FUNCTION items_unlink_deleted_run()',
];

const FUNCTIONS = ['items_check_inserted_references', 'items_check_updated_references', 'items_delete_with_source', 'items_unlink_deleted_run'];

export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'pg') return;
  await knex.raw('ALTER TABLE items DROP CONSTRAINT items_source_id_foreign, DROP CONSTRAINT items_run_id_foreign');
  for (const sql of [CHECK_INSERTED, CHECK_UPDATED, DELETE_WITH_SOURCE, UNLINK_DELETED_RUN, ...TRIGGERS]) await knex.raw(sql);
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'pg') return;
  await knex.raw('DROP TRIGGER items_references_on_insert ON items; DROP TRIGGER items_references_on_update ON items');
  await knex.raw('DROP TRIGGER sources_delete_items ON sources; DROP TRIGGER runs_unlink_items ON runs');
  for (const name of FUNCTIONS) await knex.raw(`DROP FUNCTION ${name}()`);
  await knex.raw(
    `ALTER TABLE items
       ADD CONSTRAINT items_source_id_foreign FOREIGN KEY (source_id) REFERENCES sources (id) ON DELETE CASCADE,
       ADD CONSTRAINT items_run_id_foreign FOREIGN KEY (run_id) REFERENCES runs (id) ON DELETE SET NULL`,
  );
}
