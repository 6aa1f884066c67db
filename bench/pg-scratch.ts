// Scratch PostgreSQL databases for benchmarks: created fresh per run, dropped after.
import pg from 'pg';

export const pgAdminUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Runs `fn` on a connection of its own to `url` (the admin database by default). */
export async function withPgClient<T>(fn: (c: pg.Client) => Promise<T>, url = pgAdminUrl): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A new, empty database named after `prefix`; returns its URL. */
export async function createScratchDatabase(prefix: string): Promise<string> {
  const name = `${prefix}_${process.pid}_${Date.now()}`;
  await withPgClient((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(pgAdminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropScratchDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await withPgClient((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
