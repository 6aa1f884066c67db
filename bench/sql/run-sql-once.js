/**
 * Benchmark child: one run of a `sql` source reading BENCH_SQL_URL into a fresh SQLite store
 * (TROVE_DATA_DIR), then rows/s and peak RSS (sampled during the run and the process maximum) as JSON.
 */
// Loaded as `trove` itself loads them (compiled dist/ when fresh), so RSS is not a TypeScript loader's.
import { importTrove } from '../../bin/load-trove.js';

const { createSource } = await importTrove('src/core/sources.ts');
const { openHub, runSource } = await importTrove('src/hub.ts');

const url = process.env.BENCH_SQL_URL;
if (!url) throw new Error('BENCH_SQL_URL is not set');
const hub = await openHub();
await createSource(hub.store.db, {
  name: 'bench-sql',
  kind: 'sql',
  config: { kind: 'sql', url, query: 'SELECT id, title, body, score, category, created_at FROM bench_rows', key: 'id', text: 'body', cursor: 'id' },
});
const rssBeforeRun = process.memoryUsage().rss;
const samples = [];
const sampler = setInterval(() => samples.push(process.memoryUsage().rss), 250);
const cpuBefore = process.cpuUsage();
const started = performance.now();
const run = await runSource(hub, 'bench-sql');
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
clearInterval(sampler);
await hub.close();
if (run.status !== 'succeeded') throw new Error(run.error ?? run.status);
const mb = (bytes) => Math.round(bytes / 1024 / 1024);
const quarter = Math.floor(samples.length / 4);
console.log(
  JSON.stringify({
    rows: run.inserted,
    seconds: Number(seconds.toFixed(2)),
    rowsPerSec: Math.round(run.inserted / seconds),
    // On a loaded machine wall time mostly measures the neighbours; CPU time is this run's own cost.
    cpuSeconds: Number(cpuSeconds.toFixed(2)),
    rowsPerCpuSec: Math.round(run.inserted / cpuSeconds),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    // RSS a quarter of the way in and at the end: equal when memory stays flat while rows stream.
    rssBeforeRunMB: mb(rssBeforeRun),
    rssAtQuarterMB: mb(samples[quarter] ?? 0),
    rssAtEndMB: mb(samples[samples.length - 1] ?? 0),
  }),
);
