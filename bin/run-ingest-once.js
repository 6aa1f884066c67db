#!/usr/bin/env node
// Benchmark child: one `trove import` of a CSV in this process, then rows/s and peak RSS as JSON.
import { register } from 'tsx/esm/api';

register();
const { openHub, runSource } = await import('../src/hub.ts');
const { createSource } = await import('../src/core/sources.ts');
const file = process.argv[2];
const hub = await openHub();
await createSource(hub.store.db, { name: 'bench', kind: 'file', config: { path: file, key: 'id', text: 'text', label: 'label' } });
const started = performance.now();
const run = await runSource(hub, 'bench');
const seconds = (performance.now() - started) / 1000;
await hub.close();
if (run.status !== 'succeeded') throw new Error(run.error ?? run.status);
console.log(JSON.stringify({ rows: run.inserted, seconds: Number(seconds.toFixed(2)), rowsPerSec: Math.round(run.inserted / seconds), peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
