#!/usr/bin/env node
// Benchmark child: one `trove import` of a CSV in this process, then rows/s and peak RSS as JSON.
import fs from 'node:fs';
import { importTrove } from './load-trove.js';

/** CPU seconds of this process's main thread (Linux); the import's other threads are not in it. */
function mainThreadCpuSeconds() {
  let stat;
  try {
    stat = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  } catch (err) {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const { openHub, runSource } = await importTrove('src/hub.ts');
const { createSource } = await importTrove('src/core/sources.ts');
const file = process.argv[2];
const hub = await openHub();
await createSource(hub.store.db, { name: 'bench', kind: 'file', config: { path: file, key: 'id', text: 'text', label: 'label' } });
const cpuBefore = process.cpuUsage();
const mainCpuBefore = mainThreadCpuSeconds();
const started = performance.now();
const run = await runSource(hub, 'bench');
const seconds = (performance.now() - started) / 1000;
// On a loaded machine wall time mostly measures the neighbours; CPU time is this import's own cost.
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const mainCpuAfter = mainThreadCpuSeconds();
// The inserting thread's share: with the file read and prepared on another thread, the import's wall time on an idle machine is about the larger of the two.
const mainThreadCpu = mainCpuAfter === undefined ? undefined : Number((mainCpuAfter - mainCpuBefore).toFixed(2));
await hub.close();
if (run.status !== 'succeeded') throw new Error(run.error ?? run.status);
console.log(JSON.stringify({ rows: run.inserted, seconds: Number(seconds.toFixed(2)), rowsPerSec: Math.round(run.inserted / seconds), cpuSeconds: Number(cpuSeconds.toFixed(2)), mainThreadCpuSeconds: mainThreadCpu, rowsPerCpuSec: Math.round(run.inserted / cpuSeconds), peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
