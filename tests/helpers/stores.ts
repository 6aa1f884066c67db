import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { silentLogger } from '../../src/core/log.js';
import { openHub, type Hub } from '../../src/hub.js';

/**
 * Every store test runs on SQLite, and on PostgreSQL when TROVE_TEST_PG_URL is set. Under CI=true
 * PostgreSQL must be there: an unreachable server fails the suite instead of skipping it.
 */
export type StoreKind = 'sqlite' | 'pg';

export const pgUrl = process.env.TROVE_TEST_PG_URL;
export const storeKinds: StoreKind[] = pgUrl ? ['sqlite', 'pg'] : process.env.CI === 'true' ? ['sqlite', 'pg'] : ['sqlite'];

const createdDirs: string[] = [];

/** A fresh directory under the system's temp folder, removed after the test file by removeTempDirs. */
export function tempDir(prefix = 'trove-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  createdDirs.push(dir);
  return dir;
}

/** Removes every directory tempDir made in this test file (run by tests/helpers/cleanup.ts). */
export function removeTempDirs(): void {
  for (const dir of createdDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** A fresh, empty PostgreSQL database; returns its URL and a function that drops it. */
export async function createPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!pgUrl) throw new Error('CI=true but TROVE_TEST_PG_URL is not set: PostgreSQL tests cannot run');
  const name = `trove_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface TestHub {
  hub: Hub;
  dataDir: string;
  /** Set on PostgreSQL: the database URL, for child processes. */
  databaseUrl?: string;
  close(): Promise<void>;
}

/** A hub on a fresh store of the given kind, with its own data directory. */
export async function openTestHub(kind: StoreKind): Promise<TestHub> {
  const dataDir = tempDir();
  const pgDb = kind === 'pg' ? await createPgDatabase() : undefined;
  const hub = await openHub({ dataDir, databaseUrl: pgDb?.url, log: silentLogger });
  return {
    hub,
    dataDir,
    databaseUrl: pgDb?.url,
    close: async () => {
      await hub.close();
      await pgDb?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Declares a describe block per store kind; `get()` inside tests returns that block's fresh hub
 * (one per test file and store, emptied of nothing: tests use their own source names).
 */
export function describeEachStore(title: string, body: (get: () => TestHub, kind: StoreKind) => void): void {
  for (const kind of storeKinds) {
    describe(`${title} [${kind}]`, () => {
      let current: TestHub | undefined;
      beforeAll(async () => {
        current = await openTestHub(kind);
      });
      afterAll(async () => {
        await current?.close();
      });
      body(() => {
        if (!current) throw new Error('test hub not open');
        return current;
      }, kind);
    });
  }
}
