import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { openMysqlReader } from '../../src/connectors/sql/mysql-reader.js';
import { checkReadOnlyQuery } from '../../src/connectors/sql/read-only-query.js';
import { createLogger } from '../../src/core/log.js';
import { listItems } from '../../src/core/items.js';
import { getRun, queueRun, requestCancel } from '../../src/core/runs.js';
import { executeRun } from '../../src/core/run-executor.js';
import { createSource } from '../../src/core/sources.js';
import { runSource } from '../../src/hub.js';
import { createPgDatabase, describeEachStore, type TestHub } from '../helpers/stores.js';
import { mysqlAvailable, mysqlUrl } from './helpers/chinook.js';

describe('the query guard refuses what leaves the read-only transaction or touches files and processes', () => {
  test("MariaDB's /*M! executable comments are refused like /*!", () => {
    expect(() => checkReadOnlyQuery("SELECT id /*M! INTO OUTFILE 'x.txt' */ FROM t", 'mysql')).toThrow(/executable comments/);
    expect(() => checkReadOnlyQuery('SELECT id /*m!100000 , 2 */ FROM t', 'mysql')).toThrow(/executable comments/);
  });

  test.each([
    ["SELECT 1 AS id, dblink_exec('dbname=x', 'DELETE FROM victim')", 'postgres'],
    ["SELECT 1 AS id, public.dblink_exec('dbname=x', 'COPY (SELECT 1) TO PROGRAM ''id''')", 'postgres'],
    ["SELECT 1 AS id, \"dblink\"('dbname=x', 'SELECT 1')", 'postgres'],
    ["SELECT pg_read_file('/etc/passwd') AS id", 'postgres'],
    ["SELECT pg_read_binary_file /* gap */ ('/etc/passwd') AS id", 'postgres'],
    ["SELECT pg_ls_dir('.') AS id", 'postgres'],
    ["SELECT (pg_stat_file('postgresql.conf')).size AS id", 'postgres'],
    ['SELECT lo_import(\'/etc/passwd\') AS id', 'postgres'],
    ["SELECT lo_export(16400, '/tmp/x') AS id", 'postgres'],
    ["SELECT query_to_xml('SELECT dblink_exec(''x'', ''DELETE FROM victim'')', true, true, '') AS id", 'postgres'],
    ["SELECT set_config('statement_timeout', '0', true) AS id", 'postgres'],
    ['SELECT U&"\\0064blink"(1) AS id', 'postgres'],
    ["SELECT LOAD_FILE('/etc/passwd') AS id", 'mysql'],
    ["SELECT sys_exec('id') AS id", 'mysql'],
    ["SELECT id FROM t INTO DUMPFILE '/tmp/x'", 'mysql'],
  ] as const)('%s (%s)', (query, dialect) => {
    expect(() => checkReadOnlyQuery(query, dialect)).toThrow(/not allowed/);
  });

  test('ordinary queries, with names that only look alike, still pass', () => {
    expect(() => checkReadOnlyQuery('SELECT id, "into", lower(name) AS low, location FROM t', 'postgres')).not.toThrow();
    expect(() => checkReadOnlyQuery("SELECT id, 'dblink_exec' AS word FROM t", 'postgres')).not.toThrow();
  });
});

function warnings(): { log: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const log = createLogger({ level: 'warn', write: (line) => lines.push(line) });
  return { log, lines };
}

async function addSql(t: TestHub, name: string, config: Record<string, unknown>) {
  const parsed = t.hub.kinds.parseConfig('sql', { kind: 'sql', key: 'id', ...config }) as Record<string, unknown>;
  await createSource(t.hub.store.db, { name, kind: 'sql', config: parsed });
}

/** Waits until the run is running and its statement has been sent. */
async function untilRunning(t: TestHub, runId: number): Promise<void> {
  for (let i = 0; i < 200 && (await getRun(t.hub.store.db, runId)).status !== 'running'; i++) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 500));
}

describeEachStore('sql sources on PostgreSQL: the role is the boundary', (get) => {
  const tag = randomBytes(3).toString('hex');
  const reader = `trove_reader_${tag}`;
  const writer = `trove_writer_${tag}`;
  let db: { url: string; drop: () => Promise<void> };
  const as = (role: string) => {
    const u = new URL(db.url);
    u.username = role;
    return u.toString();
  };
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  beforeAll(async () => {
    db = await createPgDatabase();
    await admin(`CREATE TABLE victim (id int PRIMARY KEY, body text); INSERT INTO victim SELECT g, 'row ' || g FROM generate_series(1, 30) g;
      CREATE ROLE ${reader} LOGIN; CREATE ROLE ${writer} LOGIN;
      GRANT SELECT ON victim TO ${reader}; GRANT SELECT, DELETE ON victim TO ${writer}`);
  });
  afterAll(async () => {
    await db.drop();
    const c = new pg.Client({ connectionString: process.env.TROVE_TEST_PG_URL });
    await c.connect();
    await c.query(`DROP ROLE IF EXISTS ${reader}; DROP ROLE IF EXISTS ${writer}`);
    await c.end();
  });

  let seq = 0;
  const name = (what: string) => `pg-${what}-${++seq}`;

  test('a role that may only read imports the rows', async () => {
    const n = name('reader');
    await addSql(get(), n, { url: as(reader), query: 'SELECT id, body FROM victim', text: 'body' });

    expect(await runSource(get().hub, n)).toMatchObject({ status: 'succeeded', inserted: 30 });
  });

  test('a superuser is refused before any query runs', async () => {
    const n = name('super');
    await addSql(get(), n, { url: db.url, query: 'SELECT id FROM victim' });

    const run = await runSource(get().hub, n);

    expect(run).toMatchObject({ status: 'failed', inserted: 0 });
    expect(run.error).toMatch(/is a superuser: connect as a role that may only read \(or set allowWriteRole: true in the source\)/);
  });

  test('a role with write grants on the database is refused', async () => {
    const n = name('writer');
    await addSql(get(), n, { url: as(writer), query: 'SELECT id FROM victim' });

    const run = await runSource(get().hub, n);

    expect(run.status).toBe('failed');
    expect(run.error).toMatch(new RegExp(`${writer} may write to public.victim`));
  });

  test('allowWriteRole: true reads as such a role, with a warning in the log', async () => {
    const t = get();
    const n = name('allowed');
    await addSql(t, n, { url: as(writer), query: 'SELECT id FROM victim', allowWriteRole: true });
    const { log, lines } = warnings();
    const runId = await queueRun(t.hub.store.db, (await t.hub.store.db('sources').where({ name: n }).first('id')).id, 'manual');

    const run = await executeRun(t.hub.store, runId, { kinds: t.hub.kinds, log });

    expect(run).toMatchObject({ status: 'succeeded', inserted: 30 });
    expect(lines.join('\n')).toMatch(/may write to public.victim; reading anyway because the source sets allowWriteRole/);
  });

  test('an endless recursive query stops at maxRows, keeping exactly that many rows', async () => {
    const n = name('endless');
    await addSql(get(), n, { url: as(reader), query: 'WITH RECURSIVE n(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM n) SELECT id FROM n', maxRows: 2500, batchSize: 1000 });

    const run = await runSource(get().hub, n);

    expect(run).toMatchObject({ status: 'failed', inserted: 2500 });
    expect(run.error).toMatch(/more than maxRows \(2500\) rows and was stopped after storing 2500/);
  });

  test('maxRunSeconds stops a run whose statements together take too long', async () => {
    const n = name('slow');
    await addSql(get(), n, { url: as(reader), query: 'SELECT id, (SELECT 1 FROM pg_sleep(0.2 + id * 0)) AS slow FROM victim', batchSize: 1, maxRunSeconds: 1, timeoutSeconds: 30 });

    const run = await runSource(get().hub, n);

    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/took longer than maxRunSeconds \(1 s\)/);
    expect((await listItems(get().hub.store.db, { sourceId: run.sourceId, limit: 100 })).items.length).toBeLessThan(30);
  });

  test('cancel reaches the server: a long statement is stopped and the run ends cancelled', async () => {
    const t = get();
    const n = name('cancel');
    await addSql(t, n, { url: as(reader), query: 'SELECT 1 AS id FROM pg_sleep(60)', timeoutSeconds: 120 });
    const sourceId = (await t.hub.store.db('sources').where({ name: n }).first('id')).id;
    const runId = await queueRun(t.hub.store.db, sourceId, 'manual');
    const done = executeRun(t.hub.store, runId, { kinds: t.hub.kinds, log: t.hub.log, heartbeatMs: 100 });
    await untilRunning(t, runId);

    await requestCancel(t.hub.store.db, runId);

    expect(await done).toMatchObject({ status: 'cancelled' });
  });
});

if (mysqlAvailable()) {
  describeEachStore('sql sources on MariaDB: the role is the boundary', (get) => {
    const tag = randomBytes(3).toString('hex');
    const dbName = `trove_guard_${tag}`;
    const reader = `trove_r_${tag}`;
    const writer = `trove_w_${tag}`;
    const server = () => {
      const u = new URL(mysqlUrl);
      u.pathname = '/';
      return u.toString();
    };
    const as = (user: string) => {
      const u = new URL(mysqlUrl);
      u.username = user;
      u.pathname = `/${dbName}`;
      return u.toString();
    };
    const admin = async (sql: string) => {
      const c = await mysql.createConnection({ uri: server(), multipleStatements: true });
      try {
        await c.query(sql);
      } finally {
        await c.end();
      }
    };
    beforeAll(async () => {
      await admin(`CREATE DATABASE \`${dbName}\`; CREATE TABLE \`${dbName}\`.victim (id INT PRIMARY KEY, body TEXT);
        INSERT INTO \`${dbName}\`.victim VALUES (1, 'one'), (2, 'two'), (3, 'three');
        CREATE USER '${reader}'@'127.0.0.1'; GRANT SELECT ON \`${dbName}\`.* TO '${reader}'@'127.0.0.1';
        CREATE USER '${writer}'@'127.0.0.1'; GRANT SELECT, DELETE ON \`${dbName}\`.* TO '${writer}'@'127.0.0.1'`);
    });
    afterAll(async () => {
      await admin(`DROP DATABASE IF EXISTS \`${dbName}\`; DROP USER IF EXISTS '${reader}'@'127.0.0.1'; DROP USER IF EXISTS '${writer}'@'127.0.0.1'`);
    });

    let seq = 0;
    const name = (what: string) => `my-${what}-${++seq}`;

    test('a user that may only read imports the rows', async () => {
      const n = name('reader');
      await addSql(get(), n, { url: as(reader), query: 'SELECT id, body FROM victim', text: 'body' });

      expect(await runSource(get().hub, n)).toMatchObject({ status: 'succeeded', inserted: 3 });
    });

    test('root (ALL PRIVILEGES, FILE, SUPER) and a user with DELETE are refused', async () => {
      const root = name('root');
      const del = name('writer');
      await addSql(get(), root, { url: as('root'), query: 'SELECT id FROM victim' });
      await addSql(get(), del, { url: as(writer), query: 'SELECT id FROM victim' });

      const [rootRun, delRun] = [await runSource(get().hub, root), await runSource(get().hub, del)];

      expect(rootRun.error).toMatch(/holds ALL PRIVILEGES/);
      expect(delRun.error).toMatch(/holds DELETE on/);
      expect([rootRun.inserted, delRun.inserted]).toEqual([0, 0]);
    });

    test('a statement that returns no result set ends with a clear error instead of running for ever', async () => {
      // No SELECT the guard lets through has none; the reader is asked directly, as a bypass would reach it.
      const session = await openMysqlReader(as(reader), { timeoutMs: 5000 });
      try {
        const batches = session.stream('DO 1', undefined, 100);

        await expect(batches.next()).rejects.toThrow(/returned no result set/);
      } finally {
        await session.close();
      }
    });

    test('cancel kills the query on the server and the run ends cancelled', async () => {
      const t = get();
      const n = name('cancel');
      await addSql(t, n, { url: as(reader), query: 'SELECT SLEEP(60) AS id', timeoutSeconds: 120 });
      const sourceId = (await t.hub.store.db('sources').where({ name: n }).first('id')).id;
      const runId = await queueRun(t.hub.store.db, sourceId, 'manual');
      const done = executeRun(t.hub.store, runId, { kinds: t.hub.kinds, log: t.hub.log, heartbeatMs: 100 });
      await untilRunning(t, runId);

      await requestCancel(t.hub.store.db, runId);

      expect(await done).toMatchObject({ status: 'cancelled' });
    });
  });
}
