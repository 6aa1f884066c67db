/**
 * `npm run bench:serve`: a model trained on digits.csv, served by `trove serve-model` in its own
 * process, loaded by autocannon from a second process on loopback at 50 connections — with
 * batching on and off — next to the bare `predict` throughput of the same model (the ceiling).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCsvRows } from '../../src/ml/dataset.js';
import { loadPredictor } from '../../src/ml/predictor.js';
import { trainModel } from '../../src/ml/train.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CONNECTIONS = 50;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const ROWS_PER_REQUEST = [1, 16];

interface LoadResult {
  requestsPerSecond: number;
  rowsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  meanBatchRows: number;
  /** The machine's 1-minute load average at the end of the run: on a shared 2-core box it explains most of the spread. */
  loadAverage: number;
}

async function main(): Promise<void> {
  const rows = readCsvRows(path.resolve(repoRoot, '../shared/datasets/digits.csv'), 'digit');
  const modelDir = await trainDigits(rows);
  const records = rows.slice(0, 256).map((r) => r.features);
  const ceiling = await bareCeiling(modelDir, records);
  console.log(`bare predict (preprocessing + model.predict, in process): ${ceiling.map((c) => `${c.batch} rows/call → ${fmt(c.rowsPerSecond)} rows/s`).join(', ')}`);
  const best = Math.max(...ceiling.map((c) => c.rowsPerSecond));
  const results: Array<{ mode: string; rows: number; r: LoadResult }> = [];
  for (const batching of [true, false]) {
    for (const perRequest of ROWS_PER_REQUEST) {
      const r = await underLoad(modelDir, batching, records.slice(0, perRequest));
      results.push({ mode: batching ? 'on' : 'off', rows: perRequest, r });
      console.log(
        `batching ${batching ? 'on ' : 'off'} rows/request ${perRequest}: ${fmt(r.requestsPerSecond)} req/s, ${fmt(r.rowsPerSecond)} rows/s ` +
          `(${((100 * r.rowsPerSecond) / best).toFixed(0)}% of ceiling), p50 ${r.p50} ms, p99 ${r.p99} ms, mean batch ${r.meanBatchRows.toFixed(1)} rows, ` +
          `event loop p99 ${r.eventLoopP99Ms.toFixed(1)} ms max ${r.eventLoopMaxMs.toFixed(1)} ms, errors ${r.errors}, non-2xx ${r.non2xx}, load average ${r.loadAverage.toFixed(1)}`,
      );
    }
  }
  console.log('\n| batching | rows/request | req/s | rows/s | % of ceiling | p50 ms | p99 ms | mean batch rows | event-loop p99 / max ms | load avg |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const { mode, rows: n, r } of results) {
    console.log(`| ${mode} | ${n} | ${fmt(r.requestsPerSecond)} | ${fmt(r.rowsPerSecond)} | ${((100 * r.rowsPerSecond) / best).toFixed(0)}% | ${r.p50} | ${r.p99} | ${r.meanBatchRows.toFixed(1)} | ${r.eventLoopP99Ms.toFixed(1)} / ${r.eventLoopMaxMs.toFixed(1)} | ${r.loadAverage.toFixed(1)} |`);
  }
}

async function trainDigits(rows: ReturnType<typeof readCsvRows>): Promise<string> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'trove-bench-serve-'));
  const dir = path.join(root, 'digits', '1');
  const started = performance.now();
  await trainModel(rows, { model: { architecture: 'mlp', layers: [128, 64], epochs: 10 } }, { outDir: dir, name: 'digits', seed: 1 });
  console.log(`trained digits (MLP 128-64) in ${((performance.now() - started) / 1000).toFixed(1)} s → ${dir}`);
  return path.dirname(dir);
}

/** Rows per second of the predictor itself, preprocessing included, at a few batch sizes. */
async function bareCeiling(modelDir: string, records: Array<Record<string, unknown>>): Promise<Array<{ batch: number; rowsPerSecond: number }>> {
  const predictor = await loadPredictor(path.join(modelDir, '1'));
  const out = [];
  for (const batch of [1, 16, 64, 256]) {
    const input = records.slice(0, batch);
    await predictor.predict(input);
    let rows = 0;
    const started = performance.now();
    while (performance.now() - started < 3000) {
      await predictor.predict(input);
      rows += batch;
    }
    out.push({ batch, rowsPerSecond: rows / ((performance.now() - started) / 1000) });
  }
  predictor.dispose();
  return out;
}

async function underLoad(modelDir: string, batching: boolean, records: Array<Record<string, unknown>>): Promise<LoadResult> {
  const port = await freePort();
  const server = spawn(process.execPath, ['bin/trove.js', 'serve-model', modelDir, '--port', String(port), '--host', '127.0.0.1', ...(batching ? [] : ['--no-batching'])], {
    cwd: repoRoot,
    env: { ...process.env, TROVE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitReady(base, server);
    const body = JSON.stringify({ instances: records });
    await autocannon(`${base}/v1/models/digits:predict`, body, 2);
    const before = await scrape(base);
    const result = await autocannon(`${base}/v1/models/digits:predict`, body, DURATION_S);
    const after = await scrape(base);
    const batches = after.batches - before.batches;
    return {
      requestsPerSecond: result.requests.average,
      rowsPerSecond: result.requests.average * records.length,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.errors,
      non2xx: result.non2xx,
      eventLoopP99Ms: after.loopP99 * 1000,
      eventLoopMaxMs: after.loopMax * 1000,
      meanBatchRows: batches > 0 ? (after.rows - before.rows) / batches : 0,
      loadAverage: os.loadavg()[0],
    };
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }
}

interface AutocannonJson {
  requests: { average: number };
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
}

/** autocannon in its own process, so the load generator does not share the server's event loop. */
function autocannon(url: string, body: string, seconds: number): Promise<AutocannonJson> {
  const bin = path.join(repoRoot, 'node_modules/autocannon/autocannon.js');
  const child = spawn(process.execPath, [bin, '-c', String(CONNECTIONS), '-d', String(seconds), '-m', 'POST', '-H', 'content-type=application/json', '-b', body, '-j', url], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as AutocannonJson) : reject(new Error(`autocannon exited with ${code}`)))),
  );
}

/** Batch counters and the event-loop delay since the previous scrape (prom-client resets it on each). */
async function scrape(base: string): Promise<{ batches: number; rows: number; loopP99: number; loopMax: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const value = (prefix: string) => Number(text.split('\n').find((l) => l.startsWith(prefix))?.split(' ').pop() ?? NaN);
  return {
    batches: value('trove_serving_batch_rows_count{'),
    rows: value('trove_serving_batch_rows_sum{'),
    loopP99: value('trove_serving_nodejs_eventloop_lag_p99_seconds '),
    loopMax: value('trove_serving_nodejs_eventloop_lag_max_seconds '),
  };
}

async function waitReady(base: string, server: ChildProcess): Promise<void> {
  for (;;) {
    if (server.exitCode !== null) throw new Error(`serve-model exited with ${server.exitCode}`);
    const ok = await fetch(`${base}/v2/health/ready`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

await main();
