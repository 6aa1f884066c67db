/**
 * npm run bench:label
 * 1. Human pace: 200 annotators (each pauses ~2 s on an item before submitting) against a hub on
 *    SQLite in another process, loaded as `npm start` loads it; p50/p99 of `next` and of submit in
 *    steady state: the phase runs BENCH_WARMUP_SECONDS more, and requests started in those first
 *    seconds (cold code, 200 first logins) are served but not counted.
 * 2. Saturation: 50 connections doing next → submit with no pause; requests/s.
 *    Both report the hub process's CPU time per request (a shared machine makes latency noisy).
 *    Both check that no item got more than K annotations nor two from one annotator.
 * 3. `next` on a 1,000,000-item project against a 1,000-item one (in process; median and p99).
 * 4. Export of 1,000,000 annotations (JSONL and CSV) in its own process: seconds and peak RSS.
 * Env: BENCH_PACE_SECONDS (60), BENCH_WARMUP_SECONDS (10), BENCH_HUB_NODE_ARGS (node flags for the hub), BENCH_SATURATE_SECONDS (20), BENCH_BIG_ITEMS (1000000),
 * BENCH_EXPORT_ITEMS (334000).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { silentLogger } from '../../src/core/log.js';
import { openHub, type Hub } from '../../src/hub.js';
import { getTaskContext, nextTask, submitAnnotation } from '../../src/labeling/tasks.js';
import { seedAnnotations, seedAnnotators, seedProjectOver } from './fixtures.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const tsx = path.resolve(here, '../../node_modules/.bin/tsx');
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const PACE_SECONDS = env('BENCH_PACE_SECONDS', 60);
const WARMUP_SECONDS = env('BENCH_WARMUP_SECONDS', 10);
// e.g. BENCH_HUB_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the hub under load.
const HUB_NODE_ARGS = (process.env.BENCH_HUB_NODE_ARGS ?? '').split(' ').filter(Boolean);
const SATURATE_SECONDS = env('BENCH_SATURATE_SECONDS', 20);
const BIG_ITEMS = env('BENCH_BIG_ITEMS', 1_000_000);
const EXPORT_ITEMS = env('BENCH_EXPORT_ITEMS', 334_000);
const LABELS = ['pos', 'neg', 'neutral'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Number((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN).toFixed(2));
}

function summary(values: number[]) {
  return { n: values.length, p50ms: percentile(values, 50), p99ms: percentile(values, 99), maxMs: percentile(values, 100) };
}

/** The hub in its own process; `stop` resolves to the CPU milliseconds it used (it prints them on SIGTERM). */
async function startHubProcess(dataDir: string): Promise<{ url: string; stop: () => Promise<number> }> {
  const child = spawn(process.execPath, [...HUB_NODE_ARGS, path.join(here, 'server.mjs'), dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    // What node flags for the hub print (e.g. --trace-gc) goes to this process's stderr.
    if (HUB_NODE_ARGS.length) process.stderr.write(chunk);
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const m = /listening (\S+)/.exec(buffered);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`hub process exited with ${code}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<number>((resolve) => {
        child.once('exit', () => resolve(Number(/cpu (\S+)/.exec(buffered)?.[1] ?? NaN)));
        child.kill('SIGTERM');
      }),
  };
}

interface Load {
  /** performance.now() before which a request counts as warm-up: served, but not in the latencies. */
  countFrom: number;
  next: number[];
  submit: number[];
  /** Second of the phase → requests over 50 ms started in it: where the tail comes from. */
  over50msBySecond: Map<number, number>;
  errors: Map<string, number>;
  requests: number;
}

const SLOW_MS = 50;

function record(load: Load, into: number[], started: number, phaseStart: number): void {
  const ms = performance.now() - started;
  load.requests++;
  if (started < load.countFrom) return;
  into.push(ms);
  if (ms > SLOW_MS) {
    const second = Math.floor((started - phaseStart) / 1000);
    load.over50msBySecond.set(second, (load.over50msBySecond.get(second) ?? 0) + 1);
  }
}

function countError(load: Load, what: string): void {
  load.errors.set(what, (load.errors.get(what) ?? 0) + 1);
}

// undici's request() rather than fetch(): the load generator shares the two cores with the hub, and
// fetch costs it several times the CPU per request.
async function annotatorLoop(agent: Agent, url: string, project: string, token: string, pauseMs: () => number, until: number, load: Load, phaseStart: number): Promise<void> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  while (Date.now() < until) {
    let t = performance.now();
    const res = await request(`${url}/api/projects/${project}/next`, { dispatcher: agent, headers });
    const text = await res.body.text();
    record(load, load.next, t, phaseStart);
    if (res.statusCode === 204) return;
    if (res.statusCode !== 200) {
      countError(load, `next ${res.statusCode}`);
      continue;
    }
    const body = JSON.parse(text) as { task: { id: number } };
    const pause = pauseMs();
    if (pause) await sleep(pause);
    t = performance.now();
    const sub = await request(`${url}/api/tasks/${body.task.id}/annotations`, {
      dispatcher: agent,
      method: 'POST',
      headers,
      body: JSON.stringify({ id: randomUUID(), result: { label: LABELS[Math.floor(Math.random() * 3)] } }),
    });
    await sub.body.dump();
    record(load, load.submit, t, phaseStart);
    if (sub.statusCode !== 201) countError(load, `submit ${sub.statusCode}`);
  }
}

async function overAssignment(hub: Hub, projectId: number, overlap: number): Promise<{ overK: number; duplicates: number }> {
  const db = hub.store.db;
  const overK = await db('annotations').where('project_id', projectId).groupBy('task_id').havingRaw('count(*) > ?', [overlap]).select('task_id');
  const duplicates = await db('annotations').where('project_id', projectId).groupBy('task_id', 'user_id').havingRaw('count(*) > 1').select('task_id');
  return { overK: overK.length, duplicates: duplicates.length };
}

async function loadPhase(dataDir: string, projectName: string, tokens: string[], seconds: number, warmupSeconds: number, pauseMs: () => number) {
  const hubProcess = await startHubProcess(dataDir);
  const agent = new Agent({ keepAliveTimeout: 30_000 });
  const phaseStart = performance.now();
  const load: Load = { countFrom: phaseStart + warmupSeconds * 1000, next: [], submit: [], over50msBySecond: new Map(), errors: new Map(), requests: 0 };
  const until = Date.now() + (warmupSeconds + seconds) * 1000;
  let hubCpuMs = NaN;
  try {
    // Annotators arrive spread over two seconds, as people opening the page would.
    await Promise.all(tokens.map((t, i) => sleep((i * 2000) / tokens.length).then(() => annotatorLoop(agent, hubProcess.url, projectName, t, pauseMs, until, load, phaseStart))));
  } finally {
    hubCpuMs = await hubProcess.stop();
    await agent.close();
  }
  const elapsed = (performance.now() - phaseStart) / 1000;
  return {
    seconds: Number(elapsed.toFixed(1)),
    warmupSeconds,
    requests: load.requests,
    requestsPerSec: Math.round(load.requests / elapsed),
    next: summary(load.next),
    submit: summary(load.submit),
    // On a shared machine this, not latency, says what a request costs.
    hubCpuMsPerRequest: Number((hubCpuMs / load.requests).toFixed(2)),
    over50msBySecond: Object.fromEntries(load.over50msBySecond),
    errors: Object.fromEntries(load.errors),
  };
}

async function nextLatency(hub: Hub, projectName: string, annotators: number[], calls: number): Promise<ReturnType<typeof summary>> {
  const { getProject } = await import('../../src/labeling/projects.js');
  const project = await getProject(hub.store.db, projectName);
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const userId = annotators[i % annotators.length];
    const t = performance.now();
    const next = await nextTask(hub.store.db, project, userId);
    times.push(performance.now() - t);
    if (!next) throw new Error('project ran out of items');
    await submitAnnotation(hub.store.db, project, await getTaskContext(hub.store.db, next.task.id), userId, { clientId: randomUUID(), result: { label: 'pos' } });
  }
  return summary(times);
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trove-bench-label-'));
  const machine = { cpus: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, date: new Date().toISOString() };
  console.log(JSON.stringify({ machine }));
  try {
    let hub = await openHub({ dataDir, log: silentLogger });
    const pace = await seedProjectOver(hub.store.db, 'pace', 20_000, 3);
    const paceTokens = (await seedAnnotators(hub.store.db, 'pace-ann-', 200, pace.id)).map((a) => a.token);
    const sat = await seedProjectOver(hub.store.db, 'saturate', 50_000, 3);
    const satTokens = (await seedAnnotators(hub.store.db, 'sat-ann-', 50, sat.id)).map((a) => a.token);
    await hub.close();

    const human = await loadPhase(dataDir, 'pace', paceTokens, PACE_SECONDS, WARMUP_SECONDS, () => 1500 + Math.random() * 1000);
    const saturated = await loadPhase(dataDir, 'saturate', satTokens, SATURATE_SECONDS, WARMUP_SECONDS, () => 0);
    hub = await openHub({ dataDir, log: silentLogger });
    console.log(JSON.stringify({ phase: 'human pace, 200 annotators, SQLite, second process', ...human, ...(await overAssignment(hub, pace.id, 3)) }));
    console.log(JSON.stringify({ phase: 'saturated, 50 connections, SQLite, second process', ...saturated, ...(await overAssignment(hub, sat.id, 3)) }));

    const small = await seedProjectOver(hub.store.db, 'small', 1_000, 1);
    await seedAnnotators(hub.store.db, 'small-ann-', 10, small.id);
    const smallIds = await hub.store.db('project_members').where('project_id', small.id).pluck('user_id');
    const big = await seedProjectOver(hub.store.db, 'big', BIG_ITEMS, 1);
    await seedAnnotators(hub.store.db, 'big-ann-', 10, big.id);
    const bigIds = await hub.store.db('project_members').where('project_id', big.id).pluck('user_id');
    const onSmall = await nextLatency(hub, 'small', smallIds, 800);
    const onBig = await nextLatency(hub, 'big', bigIds, 800);
    console.log(JSON.stringify({ phase: 'next latency in process (SQLite)', items1k: onSmall, [`items${BIG_ITEMS}`]: onBig, p50Ratio: Number((onBig.p50ms / onSmall.p50ms).toFixed(2)) }));

    const exp = await seedProjectOver(hub.store.db, 'export', EXPORT_ITEMS, 3);
    const expUsers = await hub.store.db('users').whereIn('name', ['big-ann-0', 'big-ann-1', 'big-ann-2']).orderBy('name').pluck('id');
    await seedAnnotations(hub.store.db, exp, expUsers);
    await hub.close();
    for (const format of ['jsonl', 'csv']) {
      const run = spawnSync(tsx, [path.join(here, 'export-child.ts'), dataDir, 'export', format], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`export child failed: ${run.stderr}`);
      console.log(JSON.stringify({ phase: `export ${EXPORT_ITEMS * 3} annotations`, ...JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') }));
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
