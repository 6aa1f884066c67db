/**
 * npm run bench:sql [-- ROWS [REPEAT]]
 * Loads ROWS (default 1,000,000) generated rows into a fresh PostgreSQL database (BENCH_PG_URL,
 * default the local server), then streams them through the `sql` connector into a fresh SQLite
 * store, each run in its own process so peak RSS is that of one run. Side by side: the raw read
 * rate of the same server-side cursor with no ingest, the ceiling the connector cannot beat.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../median.js';
import { createScratchDatabase, dropScratchDatabase, withPgClient } from '../pg-scratch.js';

const here = path.dirname(fileURLToPath(import.meta.url));

interface Result {
  run: string;
  rows: number;
  seconds: number;
  rowsPerSec: number;
  peakRssMB: number;
  cpuSeconds?: number;
  rowsPerCpuSec?: number;
  rssAtQuarterMB?: number;
  rssAtEndMB?: number;
}

/** A scratch database holding `rows` generated rows in `bench_rows`; returns its URL. */
async function loadRows(rows: number): Promise<string> {
  const url = await createScratchDatabase('trove_bench_sql');
  await withPgClient(async (c) => {
    await c.query('CREATE TABLE bench_rows (id bigint PRIMARY KEY, title text, body text, score double precision, category text, created_at timestamptz)');
    await c.query(
      `INSERT INTO bench_rows SELECT i, 'title ' || i, 'the body of row ' || i || ', with a few more words to look like text', (i % 1000) / 10.0, 'cat' || (i % 17), timestamptz '2024-01-01' + i * interval '1 second' FROM generate_series(1, $1) AS i`,
      [rows],
    );
  }, url);
  return url;
}

function connectorRun(url: string): Result {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trove-bench-sql-'));
  const env = { ...process.env, TROVE_DATA_DIR: dataDir, TROVE_LOG_LEVEL: 'warn', BENCH_SQL_URL: url } as Record<string, string | undefined>;
  delete env.DATABASE_URL;
  const child = spawnSync(process.execPath, [path.join(here, 'run-sql-once.js')], { env: env as NodeJS.ProcessEnv, encoding: 'utf8' });
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (child.status !== 0) throw new Error(`sql run failed: ${child.stderr}`);
  return { run: 'sql-connector', ...(JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as Omit<Result, 'run'>) };
}

/** The same cursor, fetched and dropped: what reading alone costs. */
async function rawCursor(url: string): Promise<Result> {
  return withPgClient(async (c) => {
    const started = performance.now();
    let rows = 0;
    await c.query('BEGIN READ ONLY');
    await c.query('DECLARE r NO SCROLL CURSOR FOR SELECT id, title, body, score, category, created_at FROM bench_rows ORDER BY id');
    for (;;) {
      const res = await c.query('FETCH FORWARD 5000 FROM r');
      rows += res.rows.length;
      if (res.rows.length < 5000) break;
    }
    await c.query('ROLLBACK');
    const seconds = (performance.now() - started) / 1000;
    return { run: 'raw-cursor-ceiling', rows, seconds: Number(seconds.toFixed(2)), rowsPerSec: Math.round(rows / seconds), peakRssMB: 0 };
  }, url);
}

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 1_000_000);
  const repeat = Number(process.argv[3] ?? 3);
  console.error(`# ${rows} rows, cpus=${os.cpus().length} node=${process.version}`);
  const url = await loadRows(rows);
  const results: Result[] = [];
  try {
    for (let r = 0; r < repeat; r++) {
      for (const result of [connectorRun(url), await rawCursor(url)]) {
        results.push(result);
        console.log(JSON.stringify(result));
      }
    }
  } finally {
    await dropScratchDatabase(url);
  }
  for (const run of ['sql-connector', 'raw-cursor-ceiling']) {
    const mine = results.filter((x) => x.run === run);
    console.log(JSON.stringify({ summary: run, medianRowsPerSec: median(mine.map((x) => x.rowsPerSec)), medianRowsPerCpuSec: median(mine.map((x) => x.rowsPerCpuSec ?? 0)), medianPeakRssMB: median(mine.map((x) => x.peakRssMB)), runs: mine.length }));
  }
}

await main();
