import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { cachePreparedStatements } from '../../src/core/statement-cache.js';
import { openStore } from '../../src/core/store.js';

describe('prepared statement cache', () => {
  let db: Database.Database;
  beforeEach(() => {
    db = new Database(':memory:');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  });
  afterEach(() => db.close());

  it('hands back the statement it prepared before for the same SQL', () => {
    cachePreparedStatements(db);
    expect(db.prepare('SELECT v FROM t WHERE id = ?')).toBe(db.prepare('SELECT v FROM t WHERE id = ?'));
    expect(db.prepare('SELECT v FROM t WHERE id = ?')).not.toBe(db.prepare('SELECT id FROM t WHERE id = ?'));
  });

  it('drops the least recently used statement past its capacity', () => {
    cachePreparedStatements(db, 2);
    const a = db.prepare('SELECT 1');
    const b = db.prepare('SELECT 2');
    expect(db.prepare('SELECT 1')).toBe(a);
    db.prepare('SELECT 3');
    expect(db.prepare('SELECT 1')).toBe(a);
    expect(db.prepare('SELECT 2')).not.toBe(b);
  });

  it('does not keep a statement that failed to prepare', () => {
    cachePreparedStatements(db);
    expect(() => db.prepare('SELECT nope FROM missing')).toThrow(/no such table/);
    db.exec('CREATE TABLE missing (nope TEXT)');
    expect(db.prepare('SELECT nope FROM missing').all()).toEqual([]);
  });
});

describe('the SQLite store with cached statements', () => {
  it('answers a repeated knex query with the current rows, also after the schema changed', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trove-stmt-cache-'));
    const store = await openStore({ dataDir, databaseUrl: undefined });
    try {
      await store.db.schema.createTable('notes', (t) => {
        t.increments('id');
        t.string('body');
      });
      await store.db('notes').insert({ body: 'one' });
      expect(await store.db('notes').select('*').orderBy('id')).toEqual([{ id: 1, body: 'one' }]);
      await store.db.schema.alterTable('notes', (t) => t.string('extra').defaultTo('x'));
      await store.db('notes').insert({ body: 'two' });
      expect(await store.db('notes').select('*').orderBy('id')).toEqual([
        { id: 1, body: 'one', extra: 'x' },
        { id: 2, body: 'two', extra: 'x' },
      ]);
    } finally {
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
