/**
 * `npm run bench:serve`: a model trained on digits.csv, served by `trove serve-model` in its own
 * process, loaded by autocannon from a second process on loopback at 50 connections — with
 * batching on and off, 1, 16 and 64 records per request. Each run is set against its ceiling: the
 * same model's bare `predictor.predict` throughput in one process at the rows per tensor call the
 * server actually formed (its mean batch).
 *
 * BENCH_DURATION_S (default 10) sets the seconds of each load run; BENCH_SERVE_MODEL_DIR reuses a
 * model folder (holding version `1/`) instead of training one.
 */
import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { readCsvRows } from '../../src/ml/dataset.js';
import type { Predictor } from '../../src/ml/predictor-contract.js';
import { loadPredictor } from '../../src/ml/predictor.js';
import { trainModel } from '../../src/ml/train.js';
import { EVENT_LOOP_RESOLUTION_MS } from '../../src/serving/serving-metrics.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CONNECTIONS = 50;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP_S = 2;
const ROWS_PER_REQUEST = [1, 16, 64];
/** Room for every connection's largest request, so the biggest requests measure throughput rather than the 503 path. */
const MAX_QUEUE_ROWS = CONNECTIONS * Math.max(...ROWS_PER_REQUEST) * 2;
const CEILING_SECONDS = 2;
const P99_TARGET_MS = 20;
const CEILING_SHARE_TARGET = 0.5;

type RawRecord = Record<string, unknown>;

interface LoadResult {
  requestsPerSecond: number;
  rowsPerSecond: number;
  p50: number;
  p99: number;
  /** The server's own p99 (request read to answer written), as the upper bound of its histogram bucket. */
  serverP99Ms: number;
  errors: number;
  non2xx: number;
  /** The HTTP thread's event-loop delay beyond the monitor's own timer interval (an idle loop reads 0). */
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  meanBatchRows: number;
  /** Server process CPU (HTTP and inference threads) per request answered: robust to a busy machine. */
  cpuMsPerRequest: number;
  /** The machine's 1-minute load average at the end of the run: on a shared 2-core box it explains most of the spread. */
  loadAverage: number;
}

interface Row {
  batching: boolean;
  perRequest: number;
  r: LoadResult;
  /** Bare predict rows/s at the server's mean batch size (rounded). */
  ceiling: { batch: number; rowsPerSecond: number };
}

async function main(): Promise<void> {
  const rows = readCsvRows(path.join(repoRoot, 'tests/fixtures/datasets/digits.csv'), 'digit');
  const modelDir = process.env.BENCH_SERVE_MODEL_DIR ?? (await trainDigits(rows));
  const records = rows.slice(0, 256).map((r) => r.features);
  const ceilings = new CeilingMeter(path.join(modelDir, '1'), records);
  const results: Row[] = [];
  for (const batching of [true, false]) {
    for (const perRequest of ROWS_PER_REQUEST) {
      const r = await underLoad(modelDir, batching, records.slice(0, perRequest));
      const ceiling = await ceilings.at(Math.max(1, Math.round(r.meanBatchRows)));
      const row = { batching, perRequest, r, ceiling };
      results.push(row);
      console.log(describe(row));
    }
  }
  ceilings.dispose();
  printTable(results);
  printVerdict(results);
}

async function trainDigits(rows: ReturnType<typeof readCsvRows>): Promise<string> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'trove-bench-serve-'));
  const dir = path.join(root, 'digits', '1');
  const started = performance.now();
  await trainModel(rows, { model: { architecture: 'mlp', layers: [128, 64], epochs: 10 } }, { outDir: dir, name: 'digits', seed: 1 });
  console.log(`trained digits (MLP 128-64) in ${((performance.now() - started) / 1000).toFixed(1)} s → ${dir}`);
  return path.dirname(dir);
}

/**
 * The ceiling: rows per second of the predictor itself (preprocessing included), one call after
 * another in this process, at a given number of rows per call. Measured while no server runs.
 */
class CeilingMeter {
  private predictor: Promise<Predictor> | undefined;
  private readonly known = new Map<number, number>();

  constructor(
    private readonly versionDir: string,
    private readonly records: RawRecord[],
  ) {}

  async at(batch: number): Promise<{ batch: number; rowsPerSecond: number }> {
    let rowsPerSecond = this.known.get(batch);
    if (rowsPerSecond === undefined) {
      rowsPerSecond = await this.measure(batch);
      this.known.set(batch, rowsPerSecond);
    }
    return { batch, rowsPerSecond };
  }

  dispose(): void {
    void this.predictor?.then((p) => p.dispose());
  }

  private async measure(batch: number): Promise<number> {
    this.predictor ??= loadPredictor(this.versionDir);
    const predictor = await this.predictor;
    const input = Array.from({ length: batch }, (_, i) => this.records[i % this.records.length]);
    await predictor.predict(input);
    let rows = 0;
    const started = performance.now();
    while (performance.now() - started < CEILING_SECONDS * 1000) {
      await predictor.predict(input);
      rows += batch;
    }
    return rows / ((performance.now() - started) / 1000);
  }
}

async function underLoad(modelDir: string, batching: boolean, records: RawRecord[]): Promise<LoadResult> {
  const port = await freePort();
  const server = spawn(process.execPath, ['bin/trove.js', 'serve-model', modelDir, '--port', String(port), '--host', '127.0.0.1', '--max-queue', String(MAX_QUEUE_ROWS), ...(batching ? [] : ['--no-batching'])], {
    cwd: repoRoot,
    env: { ...process.env, TROVE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitReady(base, server);
    const client = new LoadClient(`${base}/v1/models/digits:predict`, JSON.stringify({ instances: records }));
    await client.warm;
    const before = await scrape(base);
    const result = await client.run();
    const after = await scrape(base);
    const batches = after.batches - before.batches;
    const answered = after.requests - before.requests;
    const answeredPerSecond = result['2xx'] / DURATION_S;
    return {
      requestsPerSecond: answeredPerSecond,
      rowsPerSecond: answeredPerSecond * records.length,
      p50: result.latency.p50,
      p99: result.latency.p99,
      serverP99Ms: serverQuantileMs(before.latencyBuckets, after.latencyBuckets, 0.99),
      errors: result.errors,
      non2xx: result.non2xx,
      eventLoopP99Ms: after.loopP99 * 1000 - EVENT_LOOP_RESOLUTION_MS,
      eventLoopMaxMs: after.loopMax * 1000 - EVENT_LOOP_RESOLUTION_MS,
      meanBatchRows: batches > 0 ? (after.rows - before.rows) / batches : 0,
      cpuMsPerRequest: answered > 0 ? ((after.cpuSeconds - before.cpuSeconds) * 1000) / answered : NaN,
      loadAverage: os.loadavg()[0],
    };
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }
}

interface AutocannonJson {
  '2xx': number;
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
}

/**
 * autocannon in its own process (bench/serve/load-client.mjs), so the load generator does not
 * share the server's event loop. It warms up (2 s) in that same process before the measured run,
 * which starts on run(), so neither its own start nor the server's shows in the figures.
 */
class LoadClient {
  readonly warm: Promise<void>;
  private readonly child: ChildProcessByStdio<Writable, Readable, null>;
  private readonly result: Promise<AutocannonJson>;

  constructor(url: string, body: string) {
    const script = path.join(repoRoot, 'bench/serve/load-client.mjs');
    this.child = spawn(process.execPath, [script, url, body, String(CONNECTIONS), String(WARMUP_S), String(DURATION_S)], {
      cwd: repoRoot,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = readline.createInterface({ input: this.child.stdout });
    const output: string[] = [];
    lines.on('line', (line) => output.push(line));
    this.warm = new Promise((resolve, reject) => {
      lines.once('line', () => resolve());
      this.child.once('exit', (code) => reject(new Error(`load client exited with ${code} before warming up`)));
    });
    this.result = new Promise((resolve, reject) =>
      this.child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(output[output.length - 1]) as AutocannonJson) : reject(new Error(`load client exited with ${code}`)))),
    );
  }

  run(): Promise<AutocannonJson> {
    this.child.stdin.end('go\n');
    return this.result;
  }
}

interface Scrape {
  /** Cumulative counts of the predict route's latency histogram, by upper bound in seconds. */
  latencyBuckets: Array<[number, number]>;
  batches: number;
  rows: number;
  requests: number;
  cpuSeconds: number;
  loopP99: number;
  loopMax: number;
}

/** Batch, request and CPU counters, and the event-loop delay since the previous scrape (prom-client resets it on each). */
async function scrape(base: string): Promise<Scrape> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const lines = text.split('\n');
  const value = (prefix: string) => Number(lines.find((l) => l.startsWith(prefix))?.split(' ').pop() ?? NaN);
  const sum = (prefix: string) => lines.filter((l) => l.startsWith(prefix)).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
  const latencyBuckets = lines
    .filter((l) => l.startsWith('trove_serving_request_duration_seconds_bucket{') && l.includes('route="v1_predict"'))
    .map((l): [number, number] => [Number(/le="([^"]+)"/.exec(l)?.[1]), Number(l.split(' ').pop())]);
  return {
    latencyBuckets,
    batches: value('trove_serving_batch_rows_count{'),
    rows: value('trove_serving_batch_rows_sum{'),
    requests: sum('trove_serving_requests_total{route="v1_predict"'),
    cpuSeconds: value('trove_serving_process_cpu_seconds_total '),
    loopP99: value('trove_serving_nodejs_eventloop_lag_p99_seconds '),
    loopMax: value('trove_serving_nodejs_eventloop_lag_max_seconds '),
  };
}

/** The upper bound (ms) of the server's latency bucket holding quantile q of the requests between two scrapes. */
function serverQuantileMs(before: Array<[number, number]>, after: Array<[number, number]>, q: number): number {
  const total = after[after.length - 1][1] - before[before.length - 1][1];
  const bucket = after.find(([, count], i) => count - before[i][1] >= q * total);
  return (bucket?.[0] ?? Infinity) * 1000;
}

function describe({ batching, perRequest, r, ceiling }: Row): string {
  return (
    `batching ${batching ? 'on ' : 'off'} rows/request ${perRequest}: ${fmt(r.requestsPerSecond)} req/s, ${fmt(r.rowsPerSecond)} rows/s, ` +
    `p50 ${r.p50} ms, p99 ${r.p99} ms (server's own ≤ ${r.serverP99Ms} ms), mean batch ${r.meanBatchRows.toFixed(1)} rows → ceiling ${fmt(ceiling.rowsPerSecond)} rows/s at ${ceiling.batch} rows/call ` +
    `(${share(r, ceiling)}), server CPU ${r.cpuMsPerRequest.toFixed(3)} ms/request, event-loop delay p99 ${r.eventLoopP99Ms.toFixed(1)} ms max ${r.eventLoopMaxMs.toFixed(1)} ms, ` +
    `errors ${r.errors}, non-2xx ${r.non2xx}, load average ${r.loadAverage.toFixed(1)}`
  );
}

function printTable(results: Row[]): void {
  console.log(
    '\n| batching | rows/request | req/s | rows/s | p50 ms | p99 ms | server p99 ≤ ms | mean batch rows | ceiling rows/s (at that batch) | % of ceiling | server CPU ms/request | CPU µs/row | event-loop delay p99 / max ms | load avg |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const row of results) {
    const { r, ceiling } = row;
    console.log(
      `| ${row.batching ? 'on' : 'off'} | ${row.perRequest} | ${fmt(r.requestsPerSecond)} | ${fmt(r.rowsPerSecond)} | ${r.p50} | ${r.p99} | ${r.serverP99Ms} | ${r.meanBatchRows.toFixed(1)} | ` +
        `${fmt(ceiling.rowsPerSecond)} (${ceiling.batch}) | ${share(row.r, ceiling)} | ${r.cpuMsPerRequest.toFixed(3)} | ${fmt((1000 * r.cpuMsPerRequest) / row.perRequest)} | ` +
        `${r.eventLoopP99Ms.toFixed(1)} / ${r.eventLoopMaxMs.toFixed(1)} | ${r.loadAverage.toFixed(1)} |`,
    );
  }
}

/** The two targets of issue #6, against the runs with batching on. */
function printVerdict(results: Row[]): void {
  console.log('');
  for (const { perRequest, r, ceiling } of results.filter((row) => row.batching)) {
    const p99 = r.p99 < P99_TARGET_MS ? 'met' : 'NOT met';
    const ratio = r.rowsPerSecond >= CEILING_SHARE_TARGET * ceiling.rowsPerSecond ? 'met' : 'NOT met';
    console.log(
      `batching on, ${perRequest} rows/request: p99 ${r.p99} ms < ${P99_TARGET_MS} ms ${p99}; ` +
        `${share(r, ceiling)} of the ceiling at ${ceiling.batch} rows/call ≥ ${100 * CEILING_SHARE_TARGET}% ${ratio}`,
    );
  }
}

function share(r: LoadResult, ceiling: { rowsPerSecond: number }): string {
  return `${((100 * r.rowsPerSecond) / ceiling.rowsPerSecond).toFixed(0)}%`;
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
