// npm run bench:crawl — Trove vs Crawlee's CheerioCrawler vs a minimal hand loop, on the same
// local synthetic site (../shared/bench/scrape), in one run; then a large Trove crawl for memory.
//   env: PAGES (5000), LATENCY_MS (20), CONC (50), REPEAT (3), BIG_PAGES (20000), PEER_SRC, AUTOSCALED=1
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PAGES = Number(process.env.PAGES ?? 5000);
const LATENCY = Number(process.env.LATENCY_MS ?? 20);
const CONC = Number(process.env.CONC ?? 50);
const REPEAT = Number(process.env.REPEAT ?? 3);
const BIG_PAGES = Number(process.env.BIG_PAGES ?? 20000);
const peerDir = path.join(root, '.bench', 'crawl-peer');

interface Result {
  tool: string;
  pages: number;
  pagesPerSec: number;
  peakRssMB: number;
  [k: string]: unknown;
}

/** Copies the peer's folder to a scratch place (it is read-only where it is laid out) and installs it. */
function preparePeer(): { crawlee: boolean } {
  const candidates = [process.env.PEER_SRC, path.join(root, '..', 'shared', 'bench', 'scrape'), '/work/shared/bench/scrape'].filter(Boolean) as string[];
  if (!fs.existsSync(path.join(peerDir, 'site.mjs'))) {
    const src = candidates.find((c) => fs.existsSync(path.join(c, 'site.mjs')));
    if (!src) throw new Error(`the peer's benchmark folder is missing (looked in ${candidates.join(', ')})`);
    fs.mkdirSync(peerDir, { recursive: true });
    fs.cpSync(src, peerDir, { recursive: true });
  }
  if (!fs.existsSync(path.join(peerDir, 'node_modules', 'crawlee'))) {
    try {
      execFileSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: peerDir, stdio: 'inherit' });
    } catch {
      console.error('# npm install of the peer (crawlee) failed: Crawlee is left out of this run');
    }
  }
  return { crawlee: fs.existsSync(path.join(peerDir, 'node_modules', 'crawlee')) };
}

async function startSite(pages: number): Promise<{ base: string; stop: () => void }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, ['site.mjs', String(port), String(pages), String(LATENCY)], { cwd: peerDir, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('listening')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`site exited with ${code}`)));
  });
  return { base: `http://127.0.0.1:${port}/`, stop: () => child.kill('SIGTERM') };
}

function runJson(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`${args.join(' ')} exited ${code}: ${err.slice(-500)}`));
      else resolve(JSON.parse(last) as Result);
    });
  });
}

/** A Trove crawl; `analyzerThreads` 0 parses on the crawl's own thread (the default uses cores − 1). */
function troveCrawl(base: string, analyzerThreads?: number): Promise<Result> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trove-bench-crawl-'));
  const args = [path.join(root, 'bench/crawl/trove-crawl.mjs'), base, String(CONC), dataDir, ...(analyzerThreads === undefined ? [] : [String(analyzerThreads)])];
  return runJson(process.execPath, args, root).finally(() =>
    fs.rmSync(dataDir, { recursive: true, force: true }),
  );
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const { crawlee } = preparePeer();
const variants: Array<[string, (base: string) => Promise<Result>]> = [
  ['limit', (base) => runJson(process.execPath, ['limit.mjs', base], peerDir, { CONC: String(CONC) })],
  ...(crawlee
    ? ([
        // Crawlee's autoscaling drops to 1-10 requests in flight on a busy 2-core machine (the peer's
        // README): opt in with AUTOSCALED=1; the fixed pool of CONC is the like-for-like comparison.
        ...(process.env.AUTOSCALED === '1'
          ? ([['crawlee', (base: string) => runJson(process.execPath, ['crawlee.mjs', base], peerDir, { CONC: String(CONC) })]] as Array<[string, (base: string) => Promise<Result>]>)
          : []),
        ['crawlee-fixed', (base: string) => runJson(process.execPath, ['crawlee.mjs', base], peerDir, { CONC: String(CONC), FIXED: '1' })],
      ] as Array<[string, (base: string) => Promise<Result>]>)
    : []),
  ['trove', (base: string) => troveCrawl(base)],
  ['trove-one-thread', (base: string) => troveCrawl(base, 0)],
];

const results = new Map<string, Result[]>();
const site = await startSite(PAGES);
try {
  for (let r = 1; r <= REPEAT; r++) {
    for (const [name, run] of variants) {
      const res = await run(site.base);
      console.error(`# ${name} run ${r}: ${JSON.stringify(res)}`);
      results.set(name, [...(results.get(name) ?? []), res]);
    }
  }
} finally {
  site.stop();
}

const big = await startSite(BIG_PAGES);
let bigResult: Result;
let bigOneThread: Result;
try {
  bigResult = await troveCrawl(big.base);
  console.error(`# trove ${BIG_PAGES} pages: ${JSON.stringify(bigResult)}`);
  bigOneThread = await troveCrawl(big.base, 0);
  console.error(`# trove-one-thread ${BIG_PAGES} pages: ${JSON.stringify(bigOneThread)}`);
} finally {
  big.stop();
}

const med = (name: string, key: 'pagesPerSec' | 'peakRssMB') => median((results.get(name) ?? []).map((r) => r[key]));
const trove = med('trove', 'pagesPerSec');
console.log(`\nnpm run bench:crawl — ${PAGES} pages, ${LATENCY} ms latency, concurrency ${CONC}, ${REPEAT} runs, medians (${os.cpus().length} cores, Node ${process.version})\n`);
console.log('| crawler | pages/s | peak RSS MB | Trove ÷ it |');
console.log('| --- | --- | --- | --- |');
for (const [name] of variants) {
  const pps = med(name, 'pagesPerSec');
  console.log(`| ${name} | ${pps} | ${med(name, 'peakRssMB')} | ${name === 'trove' ? '' : (trove / pps).toFixed(2) + 'x'} |`);
}
console.log(`\nTrove, ${BIG_PAGES} pages: ${bigResult.pagesPerSec} pages/s, peak RSS ${bigResult.peakRssMB} MB (${PAGES} pages: ${med('trove', 'peakRssMB')} MB)`);
console.log(`Trove on one thread, ${BIG_PAGES} pages: ${bigOneThread.pagesPerSec} pages/s, peak RSS ${bigOneThread.peakRssMB} MB (${PAGES} pages: ${med('trove-one-thread', 'peakRssMB')} MB)`);
console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
