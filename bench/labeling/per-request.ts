/**
 * npx tsx bench/labeling/per-request.ts — SQL statements and CPU time per labeling request.
 * Runs the API in this process on SQLite and sends one request at a time, so every statement knex
 * issues between a request and its response belongs to it. CPU time is this process's (server and
 * client); GET /healthz is measured the same way as the floor an empty request costs. CPU time, not
 * wall time, because the machines these run on are often shared.
 * Env: BENCH_REQUESTS (400) annotator rounds of next → submit.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { silentLogger } from '../../src/core/log.js';
import { openHub } from '../../src/hub.js';
import { startServer } from '../../src/server/serve.js';
import { seedAnnotators, seedProjectOver } from './fixtures.js';

const ROUNDS = Number(process.env.BENCH_REQUESTS ?? 400);
const ANNOTATORS = 50;

interface Tally {
  requests: number;
  statements: number;
  cpuMicros: number;
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trove-bench-per-request-'));
const hub = await openHub({ dataDir, log: silentLogger });
try {
  const project = await seedProjectOver(hub.store.db, 'per-request', Math.ceil((ROUNDS * 2) / 3) + ANNOTATORS, 3);
  const annotators = await seedAnnotators(hub.store.db, 'per-request-ann-', ANNOTATORS, project.id);
  const server = await startServer(hub, 0, '127.0.0.1');
  let statements = 0;
  hub.store.db.on('query', () => statements++);
  const tallies = new Map<string, Tally>();

  async function measured(kind: string, url: string, init: RequestInit): Promise<Response> {
    const cpu = process.cpuUsage();
    const before = statements;
    const res = await fetch(url, init);
    const body = await res.arrayBuffer();
    const used = process.cpuUsage(cpu);
    const t = tallies.get(kind) ?? { requests: 0, statements: 0, cpuMicros: 0 };
    t.requests++;
    t.statements += statements - before;
    t.cpuMicros += used.user + used.system;
    tallies.set(kind, t);
    return new Response(body, { status: res.status, headers: res.headers });
  }

  // Warm up: the first requests compile code paths and fill the caches a running hub has full.
  for (const a of annotators) await fetch(`${server.url}/api/projects/per-request`, { headers: { authorization: `Bearer ${a.token}` } }).then((r) => r.arrayBuffer());
  for (let i = 0; i < ROUNDS; i++) {
    const a = annotators[i % annotators.length];
    const headers = { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' };
    await measured('healthz', `${server.url}/healthz`, {});
    const next = await measured('next', `${server.url}/api/projects/per-request/next`, { headers });
    if (next.status !== 200) throw new Error(`next answered ${next.status}`);
    const { task } = (await next.json()) as { task: { id: number } };
    const submit = await measured('submit', `${server.url}/api/tasks/${task.id}/annotations`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ id: randomUUID(), result: { label: 'pos' } }),
    });
    if (submit.status !== 201) throw new Error(`submit answered ${submit.status}: ${await submit.text()}`);
  }
  await server.close();
  for (const [kind, t] of tallies) {
    console.log(JSON.stringify({ request: kind, requests: t.requests, statementsPerRequest: Number((t.statements / t.requests).toFixed(2)), cpuMsPerRequest: Number((t.cpuMicros / t.requests / 1000).toFixed(3)) }));
  }
} finally {
  await hub.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
