#!/usr/bin/env node
// Benchmark child: one `trove import` of a CSV in this process, then rows/s and peak RSS as JSON.
import { importTrove } from './load-trove.js';

const { openHub, runSource } = await importTrove('src/hub.ts');
const { createSource } = await importTrove('src/core/sources.ts');
const file = process.argv[2];
const hub = await openHub();
await createSource(hub.store.db, { name: 'bench', kind: 'file', config: { path: file, key: 'id', text: 'text', label: 'label' } });
const cpuBefore = process.cpuUsage();
const started = performance.now();
const run = await runSource(hub, 'bench');
const seconds = (performance.now() - started) / 1000;
// On a loaded machine wall time mostly measures the neighbours; CPU time is this import's own cost.
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
await hub.close();
if (run.status !== 'succeeded') throw new Error(run.error ?? run.status);
console.log(JSON.stringify({ rows: run.inserted, seconds: Number(seconds.toFixed(2)), rowsPerSec: Math.round(run.inserted / seconds), cpuSeconds: Number(cpuSeconds.toFixed(2)), rowsPerCpuSec: Math.round(run.inserted / cpuSeconds), peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
