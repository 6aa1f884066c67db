import fs from 'node:fs';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { listItems } from '../../src/core/items.js';
import { createSource } from '../../src/core/sources.js';
import { runSource } from '../../src/hub.js';
import { createPgDatabase, describeEachStore, pgUrl, type TestHub } from '../helpers/stores.js';
import { chinookMysql, chinookPostgres, chinookSqliteCopy, mysqlAvailable } from './helpers/chinook.js';

interface Engine {
  name: string;
  url: string;
  tracks: string;
  track: { key: string; text: string; field: string };
  invoices: string;
  invoiceKey: string;
  insertInvoice: string;
  missingTable: string;
  exec(sql: string): Promise<void>;
  drop(): Promise<void>;
}

const engines: Array<[string, () => Promise<Engine>]> = [
  [
    'sqlite',
    async () => {
      const file = chinookSqliteCopy();
      return {
        name: 'sqlite',
        url: `sqlite://${file}`,
        tracks: 'SELECT TrackId, Name, AlbumId, Composer, UnitPrice FROM Track',
        track: { key: 'TrackId', text: 'Name', field: 'AlbumId' },
        invoices: 'SELECT InvoiceId, InvoiceDate, BillingCity, Total FROM Invoice',
        invoiceKey: 'InvoiceId',
        insertInvoice: "INSERT INTO Invoice (InvoiceId, CustomerId, InvoiceDate, Total) VALUES (413, 1, '2014-01-01 00:00:00', 1.98)",
        missingTable: 'SELECT * FROM NoSuchTable',
        exec: async (sql) => {
          const db = new Database(file);
          db.exec(sql);
          db.close();
        },
        drop: async () => fs.rmSync(file, { force: true }),
      };
    },
  ],
];
if (pgUrl || process.env.CI === 'true') {
  engines.push([
    'postgres',
    async () => {
      const db = await chinookPostgres();
      return {
        name: 'postgres',
        url: db.url,
        tracks: 'SELECT track_id, name, album_id, composer, unit_price FROM track',
        track: { key: 'track_id', text: 'name', field: 'album_id' },
        invoices: 'SELECT invoice_id, invoice_date, billing_city, total FROM invoice',
        invoiceKey: 'invoice_id',
        insertInvoice: "INSERT INTO invoice (invoice_id, customer_id, invoice_date, total) VALUES (413, 1, '2014-01-01', 1.98)",
        missingTable: 'SELECT * FROM no_such_table',
        exec: async (sql) => {
          const c = new pg.Client({ connectionString: db.url });
          await c.connect();
          await c.query(sql);
          await c.end();
        },
        drop: db.drop,
      };
    },
  ]);
}
if (mysqlAvailable()) {
  engines.push([
    'mariadb',
    async () => {
      const db = await chinookMysql();
      return {
        name: 'mariadb',
        url: db.url,
        tracks: 'SELECT TrackId, Name, AlbumId, Composer, UnitPrice FROM Track',
        track: { key: 'TrackId', text: 'Name', field: 'AlbumId' },
        invoices: 'SELECT InvoiceId, InvoiceDate, BillingCity, Total FROM Invoice',
        invoiceKey: 'InvoiceId',
        insertInvoice: "INSERT INTO Invoice (InvoiceId, CustomerId, InvoiceDate, Total) VALUES (413, 1, '2014-01-01', 1.98)",
        missingTable: 'SELECT * FROM NoSuchTable',
        exec: async (sql) => {
          const c = await mysql.createConnection({ uri: db.url });
          await c.query(sql);
          await c.end();
        },
        drop: db.drop,
      };
    },
  ]);
}

for (const [engineName, load] of engines) {
  let engine: Engine;
  beforeAll(async () => {
    engine = await load();
  });
  afterAll(async () => {
    await engine?.drop();
  });

  describeEachStore(`sql source on ${engineName}`, (get) => {
    let seq = 0;
    async function addSql(t: TestHub, config: Record<string, unknown>) {
      const name = `sql-${engineName}-${++seq}`;
      // The test servers' Chinook copies are read as their superusers; sql-role-guard.test.ts covers the role check.
      const allowWriteRole = engineName === 'sqlite' ? undefined : true;
      const parsed = t.hub.kinds.parseConfig('sql', { kind: 'sql', url: engine.url, allowWriteRole, ...config }) as Record<string, unknown>;
      const source = await createSource(t.hub.store.db, { name, kind: 'sql', config: parsed });
      return { name, source };
    }

    test('every row of the query becomes an item: key and text columns, the other columns as fields', async () => {
      const t = get();
      const { name, source } = await addSql(t, { query: engine.tracks, key: engine.track.key, text: engine.track.text, batchSize: 1000 });
      const run = await runSource(t.hub, name);
      expect(run).toMatchObject({ status: 'succeeded', seen: 3503, inserted: 3503 });
      const page = await listItems(t.hub.store.db, { sourceId: source.id, limit: 1 });
      const first = page.items[0];
      expect(first.key).toBe('1');
      expect(first.text).toBe('For Those About To Rock (We Salute You)');
      expect(first.fields).toMatchObject({ [engine.track.key]: 1, [engine.track.field]: 1 });
      expect(first.fields).not.toHaveProperty(engine.track.text);
    });

    test('with a cursor column, the next run fetches only rows past the checkpoint', async () => {
      const t = get();
      const { name } = await addSql(t, { query: engine.invoices, key: engine.invoiceKey, cursor: engine.invoiceKey, batchSize: 50 });
      const first = await runSource(t.hub, name);
      expect(first).toMatchObject({ status: 'succeeded', seen: 412, inserted: 412 });
      const idle = await runSource(t.hub, name);
      expect(idle).toMatchObject({ status: 'succeeded', seen: 0 });
      await engine.exec(engine.insertInvoice);
      try {
        const next = await runSource(t.hub, name);
        expect(next).toMatchObject({ status: 'succeeded', seen: 1, inserted: 1 });
      } finally {
        await engine.exec(`DELETE FROM ${engine.name === 'postgres' ? 'invoice WHERE invoice_id' : 'Invoice WHERE InvoiceId'} = 413`);
      }
    });

    test('an unknown table fails the run with one line naming the problem', async () => {
      const t = get();
      const { name } = await addSql(t, { query: engine.missingTable, key: 'id' });
      const run = await runSource(t.hub, name);
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/no_such_table|NoSuchTable/i);
      expect(run.error).not.toContain('\n');
    });

    test('a key column the query does not return is named in the error', async () => {
      const t = get();
      const { name } = await addSql(t, { query: engine.tracks, key: 'nope' });
      const run = await runSource(t.hub, name);
      expect(run.status).toBe('failed');
      expect(run.error).toContain('key column "nope" is not in the query\'s result');
      expect(run.inserted).toBe(0);
    });
  });
}

if (mysqlAvailable()) {
  describeEachStore('sql source credentials', (get) => {
    test('a wrong password fails the run with one line that never shows the password', async () => {
      const t = get();
      process.env.TROVE_SECRET_TEST_SQL_BAD_PASSWORD = 'not-the-password-9431';
      const config = t.hub.kinds.parseConfig('sql', {
        kind: 'sql',
        url: 'mysql://root@127.0.0.1:3306/mysql',
        passwordEnv: 'TROVE_SECRET_TEST_SQL_BAD_PASSWORD',
        query: 'SELECT 1 AS id',
        key: 'id',
      }) as Record<string, unknown>;
      await createSource(t.hub.store.db, { name: 'sql-bad-password', kind: 'sql', config });
      const run = await runSource(t.hub, 'sql-bad-password');
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/Access denied/);
      expect(JSON.stringify(run)).not.toContain('not-the-password-9431');
      expect(JSON.stringify(config)).not.toContain('not-the-password-9431');
    });
  });
}

if (pgUrl || process.env.CI === 'true') {
  describeEachStore('sql source safeguards on postgres', (get) => {
    let db: { url: string; drop: () => Promise<void> };
    beforeAll(async () => {
      db = await createPgDatabase();
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      await c.query('CREATE SEQUENCE counter');
      await c.end();
    });
    afterAll(async () => {
      await db?.drop();
    });

    async function runQuery(name: string, config: Record<string, unknown>) {
      const t = get();
      const parsed = t.hub.kinds.parseConfig('sql', { kind: 'sql', url: db.url, key: 'id', allowWriteRole: true, ...config }) as Record<string, unknown>;
      await createSource(t.hub.store.db, { name, kind: 'sql', config: parsed });
      return runSource(t.hub, name);
    }

    test('a SELECT that would write (nextval) is stopped by the read-only transaction', async () => {
      const run = await runQuery('sql-pg-nextval', { query: "SELECT nextval('counter') AS id" });
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/read-only transaction/);
    });

    test('a query running past timeoutSeconds is cancelled by the server', async () => {
      const run = await runQuery('sql-pg-timeout', { query: 'SELECT 1 AS id FROM pg_sleep(5)', timeoutSeconds: 1 });
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/statement timeout/);
    });
  });
}
