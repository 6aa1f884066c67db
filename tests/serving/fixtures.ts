import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger, silentLogger, type Logger } from '../../src/core/log.js';
import type { EncodedRows } from '../../src/ml/preprocess/pipeline.js';
import { DynamicBatcher, type BatchingOptions } from '../../src/serving/batcher.js';
import type { ServedVersion } from '../../src/serving/model-catalog.js';
import type { ModelDiscovery } from '../../src/serving/model-discovery.js';
import { startModelServer, type RunningModelServer } from '../../src/serving/model-server.js';
import { loadServingConfig, type ServingOverrides } from '../../src/serving/serving-config.js';
import { flowerRows, repoRoot } from './flower-data.js';

export { repoRoot } from './flower-data.js';

const rows = flowerRows();

/** Flower row `i` as a client sends it: measurements as JSON numbers (the CSV gives them as text). */
export function flowerRecord(i = 0): Record<string, unknown> {
  return Object.fromEntries(Object.entries(rows[i].features).map(([field, value]) => [field, field === 'garden' ? value : Number(value)]));
}

/**
 * A real, small tfjs model trained on the flower rows (a Trove artifact). Trained once per test
 * run in a child process and kept in the run's temp folder (removed after the run) under a key of
 * the ML code and this fixture, so a change to either retrains it.
 */
export function flowerArtifact(): string {
  const key = createHash('sha256');
  for (const file of sourceFiles([path.join(repoRoot, 'src/ml'), path.join(repoRoot, 'tests/serving/train-flowers.ts'), path.join(repoRoot, 'tests/serving/flower-data.ts')])) {
    key.update(file).update(fs.readFileSync(file));
  }
  const dir = path.join(process.env.TROVE_TEST_RUN_DIR ?? os.tmpdir(), `trove-serving-flowers-${key.digest('hex').slice(0, 16)}`);
  if (fs.existsSync(dir)) return dir;
  const staging = `${dir}.partial-${process.pid}`;
  execFileSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'tests/serving/train-flowers.ts'), staging], { cwd: repoRoot, stdio: 'ignore' });
  try {
    fs.renameSync(staging, dir);
  } catch (err) {
    // Another test file trained the same model at the same moment; its copy is as good.
    if (!fs.existsSync(dir)) throw err;
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return dir;
}

function sourceFiles(paths: string[]): string[] {
  return paths.flatMap((p) =>
    fs.statSync(p).isDirectory() ? sourceFiles(fs.readdirSync(p).sort().map((name) => path.join(p, name))) : [p],
  );
}

/** A model folder with the given versions, each a copy of one trained artifact. */
export function versionedFolder(root: string, artifact: string, versions: number[]): string {
  const dir = path.join(root, 'flowers');
  for (const v of versions) fs.cpSync(artifact, path.join(dir, String(v)), { recursive: true });
  return dir;
}

/** Publishes a version the way the registry does: written beside the folder, renamed into place. */
export function publishVersion(modelDir: string, artifact: string, version: number): void {
  const staging = path.join(path.dirname(modelDir), `.staging-${version}`);
  fs.cpSync(artifact, staging, { recursive: true });
  fs.renameSync(staging, path.join(modelDir, String(version)));
}

export async function serve(discovery: ModelDiscovery, overrides: ServingOverrides = {}, opts: { apiKey?: string; log?: Logger } = {}): Promise<RunningModelServer> {
  const config = loadServingConfig({ port: 0, host: '127.0.0.1', pollIntervalMs: 0, ...overrides }, {});
  return startModelServer(discovery, { config, log: opts.log ?? silentLogger, apiKey: opts.apiKey });
}

export function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger({ level: 'debug', json: true, write: (line) => lines.push(line) }), lines };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

export async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Polls until `check` holds: waiting for a state, never for a length of time. */
export async function until(check: () => Promise<boolean> | boolean, what: string, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The value of one Prometheus sample line, e.g. `trove_serving_batch_rows_count{model="flowers",version="1"}`. */
export async function metric(baseUrl: string, sample: string): Promise<number | undefined> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(sample + ' '));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}

export interface HeldInference {
  /** Batches that reached the (held) inference so far. */
  readonly calls: number;
  /** Lets every held batch, and every later one, answer at once. */
  release(): void;
}

/**
 * Gives a served version a batcher whose inference is held until released, then answers equal
 * probabilities for every class: a request stays in flight, and the ones after it in the queue,
 * for as long as a test needs.
 */
export function holdInference(served: ServedVersion, batching: BatchingOptions): HeldInference {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const classes = served.metadata.labels.length;
  const state = { calls: 0, release: () => release() };
  const run = async (rows: EncodedRows) => {
    state.calls++;
    await held;
    return { probabilities: new Float32Array(rows.n * classes).fill(1 / classes), inferenceMs: 0 };
  };
  served.batcher = new DynamicBatcher(batching, run, { onBatch: () => undefined });
  return state;
}
