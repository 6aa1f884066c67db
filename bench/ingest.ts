/**
 * npm run bench:ingest [-- ROWS [REPEAT]]
 * Generates a CSV (default 300,000 rows) and imports it through `trove import`'s code path into a
 * fresh SQLite store and a fresh PostgreSQL database (BENCH_PG_URL, default the local server), each in
 * its own process so peak RSS is that of one import. Prints one JSON line per run and the medians.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { median } from './median.js';
import { createScratchDatabase, dropScratchDatabase } from './pg-scratch.js';

const here = path.dirname(fileURLToPath(import.meta.url));

interface Result {
  store: string;
  rows: number;
  seconds: number;
  rowsPerSec: number;
  peakRssMB: number;
  /** The import's own CPU time: on a loaded machine, wall time mostly measures the neighbours. */
  cpuSeconds?: number;
  rowsPerCpuSec?: number;
  /** The inserting thread alone (Linux): the file is read and prepared on another thread. */
  mainThreadCpuSeconds?: number;
}

const WORDS = ['data', 'label', 'model', 'crawl', 'trove', 'train', 'split', 'item', 'source', 'review', 'gold', 'token'];

function generateCsv(file: string, rows: number): void {
  const out = fs.openSync(file, 'w');
  let chunk = 'id,text,label,score,category\n';
  for (let i = 1; i <= rows; i++) {
    const text = `${WORDS[i % 12]} ${WORDS[(i * 7) % 12]} ${WORDS[(i * 13) % 12]} number ${i}, "quoted" words`;
    chunk += `${i},"${text.replace(/"/g, '""')}",${i % 3 === 0 ? 'pos' : 'neg'},${(i % 1000) / 10},cat${i % 17}\n`;
    if (chunk.length > 1 << 20) {
      fs.writeSync(out, chunk);
      chunk = '';
    }
  }
  fs.writeSync(out, chunk);
  fs.closeSync(out);
}

function runImport(csv: string, store: 'sqlite' | 'pg', databaseUrl?: string): Result {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trove-bench-'));
  const env = { ...process.env, TROVE_DATA_DIR: dataDir, TROVE_LOG_LEVEL: 'warn' as const };
  if (databaseUrl) Object.assign(env, { DATABASE_URL: databaseUrl });
  else delete (env as Record<string, string | undefined>).DATABASE_URL;
  const child = spawnSync(process.execPath, [path.join(here, '../bin/run-ingest-once.js'), csv], { env, encoding: 'utf8' });
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (child.status !== 0) throw new Error(`import failed: ${child.stderr}`);
  return { store, ...(JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as Omit<Result, 'store'>) };
}

/** Ceiling for SQLite: the same rows through one prepared better-sqlite3 statement, no parsing or hashing. */
function rawSqliteInsert(rows: number): Result {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trove-bench-raw-'));
  const db = new Database(path.join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, source_id INT, key TEXT, text TEXT, fields TEXT, hash TEXT, at TEXT, UNIQUE (source_id, key))');
  const insert = db.prepare('INSERT INTO t (source_id, key, text, fields, hash, at) VALUES (?, ?, ?, ?, ?, ?)');
  const at = new Date().toISOString();
  const started = performance.now();
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) insert.run(1, String(i), `text of row ${i}`, `{"label":"pos","score":${i % 100},"category":"cat${i % 17}"}`, 'f'.repeat(64), at);
  });
  for (let i = 0; i < rows; i += 1000) batch(i, Math.min(rows, i + 1000));
  const seconds = (performance.now() - started) / 1000;
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { store: 'sqlite-raw-ceiling', rows, seconds: Number(seconds.toFixed(2)), rowsPerSec: Math.round(rows / seconds), peakRssMB: 0 };
}

/** Ceiling for PostgreSQL: psql's \copy of the same CSV into a table with the same unique index. */
function pgCopy(csv: string, rows: number, url: string): Result {
  const setup = spawnSync('psql', [url, '-qc', 'CREATE TABLE t (id serial PRIMARY KEY, source_id int DEFAULT 1, key text, text text, label text, score text, category text, UNIQUE (source_id, key))'], { encoding: 'utf8' });
  if (setup.status !== 0) throw new Error(setup.stderr);
  const started = performance.now();
  const copy = spawnSync('psql', [url, '-qc', `\\copy t (key, text, label, score, category) FROM '${csv}' CSV HEADER`], { encoding: 'utf8' });
  if (copy.status !== 0) throw new Error(copy.stderr);
  const seconds = (performance.now() - started) / 1000;
  return { store: 'pg-copy-ceiling', rows, seconds: Number(seconds.toFixed(2)), rowsPerSec: Math.round(rows / seconds), peakRssMB: 0 };
}

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 300_000);
  const repeat = Number(process.argv[3] ?? 3);
  const csv = path.join(os.tmpdir(), `trove-bench-${rows}.csv`);
  if (!fs.existsSync(csv)) generateCsv(csv, rows);
  console.error(`# ${rows} rows, ${(fs.statSync(csv).size / 1e6).toFixed(1)} MB, cpus=${os.cpus().length} node=${process.version}`);
  const results: Result[] = [];
  for (let r = 0; r < repeat; r++) {
    results.push(runImport(csv, 'sqlite'));
    console.log(JSON.stringify(results[results.length - 1]));
    results.push(rawSqliteInsert(rows));
    console.log(JSON.stringify(results[results.length - 1]));
    const url = await createScratchDatabase('trove_bench');
    try {
      results.push(runImport(csv, 'pg', url));
      console.log(JSON.stringify(results[results.length - 1]));
    } finally {
      await dropScratchDatabase(url);
    }
    const copyUrl = await createScratchDatabase('trove_bench');
    try {
      results.push(pgCopy(csv, rows, copyUrl));
      console.log(JSON.stringify(results[results.length - 1]));
    } finally {
      await dropScratchDatabase(copyUrl);
    }
  }
  for (const store of ['sqlite', 'sqlite-raw-ceiling', 'pg', 'pg-copy-ceiling']) {
    const mine = results.filter((x) => x.store === store);
    console.log(
      JSON.stringify({
        summary: store,
        medianRowsPerSec: Math.round(median(mine.map((x) => x.rowsPerSec))),
        medianRowsPerCpuSec: Math.round(median(mine.map((x) => x.rowsPerCpuSec ?? 0))),
        medianMainThreadCpuSeconds: median(mine.map((x) => x.mainThreadCpuSeconds ?? 0)),
        medianPeakRssMB: Math.round(median(mine.map((x) => x.peakRssMB))),
        runs: mine.length,
      }),
    );
  }
}

await main();
