import type { Knex } from 'knex';
import * as core from './001_core.js';

/**
 * Every migration, in order. Listed explicitly (not read from the folder) so they load the same
 * under the CLI, the server and the tests. Append new ones at the end; never edit an applied one.
 */
const migrations: Array<[string, Knex.Migration]> = [
  ['001_core', core],
];

export const migrationSource: Knex.MigrationSource<[string, Knex.Migration]> = {
  getMigrations: async () => migrations,
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};
