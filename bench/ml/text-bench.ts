/**
 * The text part of `npm run bench:ml`: Trove's default text config (text-tfidf) trained on
 * ReutersCorn-train.arff and scored on ReutersCorn-test.arff (positive-class F1), beside
 * scikit-learn's TF-IDF (sublinear tf, min_df 2) + LinearSVC on the same documents in the same
 * run (Debian's python3-sklearn, installed with apt-get when missing); then 100,000 noisy
 * documents × 50,000 terms for peak RSS (text-scale.ts, its own process), and the trained model
 * served by `trove serve-model` at 50 connections, one record per request.
 * BENCH_TEXT_PART=quality|scale|serve runs one of them; BENCH_DATASETS names the datasets folder.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { LabeledRow } from '../../src/ml/dataset.js';
import { loadPredictor } from '../../src/ml/predictor.js';
import { trainModel } from '../../src/ml/train.js';
import { arffRows, CORN_TEST, CORN_TRAIN, POSITIVE, repoRoot, TEXT_FIELD } from './text-data.js';

const PYTHON = '/usr/bin/python3';
const CONNECTIONS = 50;
const SERVE_SECONDS = Number(process.env.BENCH_DURATION_S ?? 10);

interface Peer {
  f1: number;
  fitSeconds: number;
  terms: number;
}

function f1Of(truth: boolean[], predicted: boolean[]): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  truth.forEach((t, i) => {
    if (t && predicted[i]) tp++;
    else if (predicted[i]) fp++;
    else if (t) fn++;
  });
  return tp ? (2 * tp) / (2 * tp + fp + fn) : 0;
}

function ensureSklearn(): void {
  if (spawnSync(PYTHON, ['-c', 'import sklearn'], { stdio: 'ignore' }).status === 0) return;
  console.log('installing python3-sklearn with apt-get …');
  execFileSync('apt-get', ['install', '-y', '-q', 'python3-sklearn'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function writeJsonl(file: string, rows: LabeledRow[]): void {
  fs.writeFileSync(file, rows.map((r) => JSON.stringify({ text: r.features[TEXT_FIELD], label: r.label })).join('\n') + '\n');
}

function sklearnPeer(train: LabeledRow[], test: LabeledRow[], dir: string): { plain: Peer; balanced: Peer } {
  ensureSklearn();
  writeJsonl(path.join(dir, 'train.jsonl'), train);
  writeJsonl(path.join(dir, 'test.jsonl'), test);
  const out = execFileSync(PYTHON, [path.join(repoRoot, 'bench/ml/sklearn-text.py'), path.join(dir, 'train.jsonl'), path.join(dir, 'test.jsonl'), POSITIVE], { encoding: 'utf8' });
  return JSON.parse(out) as { plain: Peer; balanced: Peer };
}

/** Trains the default text config into `modelRoot/corn/1`; returns its test-file F1 and times. */
async function troveText(train: LabeledRow[], test: LabeledRow[], modelRoot: string): Promise<{ f1: number; trainSeconds: number; fitSeconds: number; terms: number }> {
  const dir = path.join(modelRoot, 'corn', '1');
  let fitSeconds = 0;
  const started = performance.now();
  const result = await trainModel(train, {}, { outDir: dir, name: 'corn', onEpoch: (log) => (fitSeconds += log.seconds) });
  const trainSeconds = (performance.now() - started) / 1000;
  const predictor = await loadPredictor(dir);
  try {
    const predictions = await predictor.predict(test.map((r) => r.features));
    const f1 = f1Of(test.map((r) => r.label === POSITIVE), predictions.map((p) => p.label === POSITIVE));
    const terms = predictor.metadata.inputs.length && result.metrics.architecture === 'text-tfidf' ? countTerms(dir) : 0;
    return { f1, trainSeconds, fitSeconds, terms };
  } finally {
    predictor.dispose();
  }
}

function countTerms(dir: string): number {
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'preprocessing.json'), 'utf8')) as { preprocessing: { tfidf?: Array<{ terms: string[] | null }> } };
  return spec.preprocessing.tfidf?.reduce((n, t) => n + (t.terms?.length ?? 0), 0) ?? 0;
}

async function quality(modelRoot: string): Promise<void> {
  const train = await arffRows(CORN_TRAIN);
  const test = await arffRows(CORN_TEST);
  const peer = sklearnPeer(train, test, modelRoot);
  const trove = await troveText(train, test, modelRoot);
  console.log(`text (ReutersCorn train ${train.length} docs → test ${test.length} docs, positive-class F1, machine load ${os.loadavg()[0].toFixed(1)}):`);
  console.log(`  trove default text config (text-tfidf): F1 ${trove.f1.toFixed(3)}; train ${trove.trainSeconds.toFixed(1)} s end to end, network fit ${trove.fitSeconds.toFixed(1)} s; ${trove.terms} terms`);
  console.log(`  scikit-learn TF-IDF + LinearSVC:        F1 ${peer.plain.f1.toFixed(3)} (balanced class weights ${peer.balanced.f1.toFixed(3)}); fit ${peer.plain.fitSeconds.toFixed(2)} s; ${peer.plain.terms} terms`);
  console.log(`  F1 ratio trove / scikit-learn: ${(trove.f1 / peer.plain.f1).toFixed(2)}`);
}

function scale(): void {
  const script = path.join(repoRoot, 'bench/ml/text-scale.ts');
  const out = execFileSync(process.execPath, [...process.execArgv, script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const r = JSON.parse(out.trim().split('\n').pop() as string) as { documents: number; terms: number; seconds: number; maxRssMb: number };
  console.log(`text at scale: ${r.documents} documents × ${r.terms} terms, one epoch: trained in ${r.seconds.toFixed(0)} s, peak RSS ${r.maxRssMb.toFixed(0)} MB (target < 1536 MB)`);
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

async function serve(modelRoot: string): Promise<void> {
  if (!fs.existsSync(path.join(modelRoot, 'corn', '1'))) await troveText(await arffRows(CORN_TRAIN), await arffRows(CORN_TEST), modelRoot);
  const record = { [TEXT_FIELD]: String((await arffRows(CORN_TEST))[0].features[TEXT_FIELD]) };
  const port = await freePort();
  const server = spawn(process.execPath, ['bin/trove.js', 'serve-model', path.join(modelRoot, 'corn'), '--port', String(port), '--host', '127.0.0.1'], {
    cwd: repoRoot, env: { ...process.env, TROVE_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`serve-model exited with ${server.exitCode}`);
      if (await fetch(`${base}/v2/health/ready`).then((r) => r.ok, () => false)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const client = spawn(process.execPath, [path.join(repoRoot, 'bench/serve/load-client.mjs'), `${base}/v1/models/corn:predict`, JSON.stringify({ instances: [record] }), String(CONNECTIONS), '2', String(SERVE_SECONDS)], {
      cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    readline.createInterface({ input: client.stdout }).on('line', (line) => {
      lines.push(line);
      if (line === 'warm') client.stdin.end('go\n');
    });
    await new Promise((resolve) => client.once('exit', resolve));
    const r = JSON.parse(lines[lines.length - 1]) as { latency: { p50: number; p99: number }; requests: { average: number }; non2xx: number; errors: number };
    console.log(`served text model (${CONNECTIONS} connections, 1 record per request, ${SERVE_SECONDS} s, machine load ${os.loadavg()[0].toFixed(1)}): p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms (target < 20 ms), ${r.requests.average.toFixed(0)} requests/s, ${r.non2xx} non-2xx, ${r.errors} errors`);
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }
}

/** Runs the text part; `part` picks one of quality, scale and serve (all when absent). */
export async function textBench(part = process.env.BENCH_TEXT_PART): Promise<void> {
  const modelRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'trove-bench-text-'));
  try {
    if (!part || part === 'quality') await quality(modelRoot);
    if (!part || part === 'scale') scale();
    if (!part || part === 'serve') await serve(modelRoot);
  } finally {
    fs.rmSync(modelRoot, { recursive: true, force: true });
  }
}
