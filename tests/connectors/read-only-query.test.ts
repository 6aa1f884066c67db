import { checkReadOnlyQuery } from '../../src/connectors/sql/read-only-query.js';
import { sqlConfigSchema } from '../../src/connectors/sql/sql-source.js';

describe('read-only query check', () => {
  test('accepts one SELECT or WITH statement, dropping a trailing semicolon', () => {
    expect(checkReadOnlyQuery('SELECT * FROM track;  -- done\n', 'postgres')).toBe('SELECT * FROM track');
    expect(checkReadOnlyQuery('WITH t AS (SELECT 1 AS id) SELECT id FROM t', 'mysql')).toBe('WITH t AS (SELECT 1 AS id) SELECT id FROM t');
  });

  test('refuses a second statement, even after a string that holds a semicolon', () => {
    expect(() => checkReadOnlyQuery("SELECT 'a;b'; DROP TABLE track", 'postgres')).toThrow(/only one statement/);
  });

  test('refuses statements that are not SELECT or WITH', () => {
    expect(() => checkReadOnlyQuery('DELETE FROM track', 'sqlite')).toThrow(/only SELECT or WITH statements are allowed, not DELETE/);
    expect(() => checkReadOnlyQuery('/* SELECT */ UPDATE track SET name = 1', 'mysql')).toThrow(/not UPDATE/);
  });

  test('refuses data-modifying CTEs and SELECT … INTO', () => {
    expect(() => checkReadOnlyQuery('WITH gone AS (DELETE FROM track RETURNING *) SELECT * FROM gone', 'postgres')).toThrow(/DELETE at character 15/);
    expect(() => checkReadOnlyQuery("SELECT * FROM track INTO OUTFILE '/tmp/x'", 'mysql')).toThrow(/INTO/);
    expect(() => checkReadOnlyQuery('SELECT * FROM track FOR UPDATE', 'postgres')).toThrow(/UPDATE/);
  });

  test('keywords inside strings, quoted identifiers, dollar quotes and comments do not count', () => {
    expect(() => checkReadOnlyQuery(`SELECT 'DELETE', "update" FROM t -- INSERT\n /* ; DROP */`, 'postgres')).not.toThrow();
    expect(() => checkReadOnlyQuery('SELECT $x$ ; DELETE $x$ AS body', 'postgres')).not.toThrow();
    expect(() => checkReadOnlyQuery("SELECT `delete`, 'it\\'s; DROP' FROM t # INSERT", 'mysql')).not.toThrow();
    expect(() => checkReadOnlyQuery('SELECT insert(name, 1, 2, "x") FROM t', 'mysql')).not.toThrow();
  });

  test('a comment or string that would hide the rest from one engine is read as that engine reads it', () => {
    // In PostgreSQL "#" is an operator, not a comment: the DROP is a real second statement.
    expect(() => checkReadOnlyQuery('SELECT 1 # 2; DROP TABLE t', 'postgres')).toThrow(/only one statement/);
    // MySQL's "--" is a comment only before a space: "1--1" is arithmetic.
    expect(() => checkReadOnlyQuery('SELECT 1--1; DROP TABLE t', 'mysql')).toThrow(/only one statement/);
    expect(() => checkReadOnlyQuery('SELECT /*! 1; DROP TABLE t */ 1', 'mysql')).toThrow(/executable comments/);
  });

  test('unclosed quotes and comments are refused', () => {
    expect(() => checkReadOnlyQuery("SELECT 'abc", 'sqlite')).toThrow(/never closed/);
    expect(() => checkReadOnlyQuery('SELECT 1 /* /* */', 'postgres')).toThrow(/never closed/);
  });
});

describe('sql config', () => {
  const base = { url: 'postgres://reader@db.example:5432/app', query: 'SELECT id FROM t', key: 'id' };

  test('refuses a password written into the URL, so it is never stored', () => {
    const result = sqlConfigSchema.safeParse({ ...base, url: 'postgres://reader:s3cret@db.example/app' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].message).toMatch(/passwordEnv/);
    expect(JSON.stringify(result.error?.issues)).not.toContain('s3cret');
  });

  test('refuses a writing query before anything reaches the database', () => {
    const result = sqlConfigSchema.safeParse({ ...base, query: 'DROP TABLE t' });
    expect(result.error?.issues[0]).toMatchObject({ path: ['query'] });
  });

  test('needs exactly one of url and urlEnv', () => {
    expect(sqlConfigSchema.safeParse({ query: base.query, key: 'id' }).success).toBe(false);
    expect(sqlConfigSchema.safeParse({ ...base, urlEnv: 'TROVE_SECRET_DB_URL' }).success).toBe(false);
    expect(sqlConfigSchema.safeParse({ query: base.query, key: 'id', urlEnv: 'TROVE_SECRET_DB_URL' }).success).toBe(true);
  });
});
