import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { chinookDir } from '../../helpers/shared-data.js';
import { createPgDatabase, pgUrl, tempDir } from '../../helpers/stores.js';


export const mysqlUrl = process.env.TROVE_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** The server without a database, for creating and dropping the test's own. */
function serverUri(): string {
  const u = new URL(mysqlUrl);
  u.pathname = '/';
  return u.toString();
}

/** A writable copy of the Chinook SQLite file. */
export function chinookSqliteCopy(): string {
  const file = path.join(tempDir('trove-chinook-'), 'chinook.db');
  fs.copyFileSync(path.join(chinookDir, 'Chinook_Sqlite.sqlite'), file);
  fs.chmodSync(file, 0o600);
  return file;
}

/** Chinook loaded into a fresh PostgreSQL database; one simple-protocol query runs the whole script. */
export async function chinookPostgres(): Promise<{ url: string; drop: () => Promise<void> }> {
  const db = await createPgDatabase();
  const script = fs.readFileSync(path.join(chinookDir, 'Chinook_PostgreSql.sql'), 'utf8');
  const body = script.slice(script.indexOf('\\c chinook;') + '\\c chinook;'.length);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(body);
  } finally {
    await client.end();
  }
  return db;
}

/** Whether a MariaDB/MySQL server answers: required under CI=true, else tests skip without it. */
export function mysqlAvailable(): boolean {
  if (process.env.CI === 'true') return true;
  const u = new URL(mysqlUrl);
  try {
    execFileSync(
      process.execPath,
      ['-e', `const s=require('net').connect(${Number(u.port || 3306)},'${u.hostname}');s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(1),2000)`],
      { stdio: 'ignore' },
    );
    return true;
  } catch {
    return false;
  }
}

/** Chinook loaded into a fresh MariaDB/MySQL database; returns its URL and a function that drops it. */
export async function chinookMysql(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `trove_chinook_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = await mysql.createConnection({ uri: serverUri(), multipleStatements: true });
  try {
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
    const script = fs.readFileSync(path.join(chinookDir, 'Chinook_MySql.sql'), 'utf8');
    const body = script.slice(script.indexOf('USE `Chinook`;') + 'USE `Chinook`;'.length);
    await admin.query(`USE \`${name}\`; SET autocommit = 0; ${body.trim().replace(/;$/, "")}; COMMIT`);
  } finally {
    await admin.end();
  }
  const url = new URL(mysqlUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = await mysql.createConnection({ uri: serverUri() });
      try {
        await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await c.end();
      }
    },
  };
}

export { pgUrl };
