/**
 * `npm run bench:extract`: Trove's main text on the article-extraction benchmark's pages
 * (tests/fixtures/conformance/extraction), scored by the benchmark's own evaluate.py beside the
 * other extractors' published outputs on the same pages, plus Trove's extraction speed in pages per
 * second (median of BENCH_EXTRACT_RUNS passes, default 5, parsing included, one thread).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { extractPage } from '../../src/scrapers/extract/page-extractor.js';
import { median } from '../median.js';

const RUNS = Number(process.env.BENCH_EXTRACT_RUNS ?? 5);
const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../tests/fixtures/conformance/extraction');

interface Page {
  id: string;
  url: string;
  html: string;
}

function loadPages(): Page[] {
  const truth: Record<string, { url: string }> = JSON.parse(fs.readFileSync(path.join(benchDir, 'ground-truth.json'), 'utf8'));
  return Object.entries(truth).map(([id, { url }]) => ({
    id,
    url,
    html: zlib.gunzipSync(fs.readFileSync(path.join(benchDir, 'html', `${id}.html.gz`))).toString('utf8'),
  }));
}

function extractAll(pages: Page[]): { output: Record<string, { articleBody: string }>; pagesPerSecond: number } {
  const started = performance.now();
  const output: Record<string, { articleBody: string }> = {};
  for (const page of pages) output[page.id] = { articleBody: extractPage(page.html, page.url).text };
  return { output, pagesPerSecond: pages.length / ((performance.now() - started) / 1000) };
}

/** Runs evaluate.py in a scratch copy of the benchmark folder holding Trove's output beside the peers'. */
function evaluate(output: Record<string, { articleBody: string }>): string {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'trove-extract-bench-'));
  try {
    fs.cpSync(benchDir, scratch, { recursive: true, filter: (src) => !src.includes(`${path.sep}html`) });
    fs.writeFileSync(path.join(scratch, 'output', 'trove.json'), JSON.stringify({ version: 'main', output }));
    const run = spawnSync('python3', ['evaluate.py', '--n-bootstrap', '200'], { cwd: scratch, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`evaluate.py failed: ${run.stderr.trim().split('\n').pop()}`);
    return run.stdout;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

const pages = loadPages();
const passes = Array.from({ length: RUNS }, () => extractAll(pages));
console.log(evaluate(passes[0].output));
const rates = passes.map((p) => p.pagesPerSecond);
console.log(`Trove main text: ${pages.length} pages, median ${median(rates).toFixed(1)} pages/s over ${RUNS} passes (${rates.map((r) => r.toFixed(0)).join(', ')})`);
