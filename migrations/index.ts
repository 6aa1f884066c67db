import type { Knex } from 'knex';
import * as core from './001_core.js';
import * as crawl from './002_crawl.js';
import * as labeling from './003_labeling.js';
import * as ml from './004_ml.js';
import * as jobs from './006_jobs.js';
import * as labelingGuarantees from './007_labeling_guarantees.js';
import * as reviewFlags from './008_review_flags.js';
import * as itemsReferenceChecks from './009_items_reference_checks.js';
import * as tokenNamesAndCrowdBrowsers from './010_token_names_and_crowd_browsers.js';
import * as projectHiddenFields from './011_project_hidden_fields.js';
import * as runWorkerProgress from './012_run_worker_progress.js';

/**
 * Every migration, in order. Listed explicitly (not read from the folder) so they load the same
 * under the CLI, the server and the tests. Append new ones at the end; never edit an applied one.
 */
const migrations: Array<[string, Knex.Migration]> = [
  ['001_core', core],
  ['002_crawl', crawl],
  ['003_labeling', labeling],
  ['004_ml', ml],
  ['006_jobs', jobs],
  ['007_labeling_guarantees', labelingGuarantees],
  ['008_review_flags', reviewFlags],
  ['009_items_reference_checks', itemsReferenceChecks],
  ['010_token_names_and_crowd_browsers', tokenNamesAndCrowdBrowsers],
  ['011_project_hidden_fields', projectHiddenFields],
  ['012_run_worker_progress', runWorkerProgress],
];

export const migrationSource: Knex.MigrationSource<[string, Knex.Migration]> = {
  getMigrations: async () => migrations,
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};
