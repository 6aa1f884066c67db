import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { extractPage } from '../../src/scrapers/extract/page-extractor.js';
import { fixturesDir } from '../helpers/fixtures.js';
import { shingleF1 } from '../helpers/shingle-f1.js';

/** The article-extraction benchmark's pages, their ground truth and other extractors' published outputs. */
const benchDir = path.join(fixturesDir, 'conformance', 'extraction');
const truth: Record<string, { articleBody?: string; url: string }> = JSON.parse(fs.readFileSync(path.join(benchDir, 'ground-truth.json'), 'utf8'));
const ids = Object.keys(truth);

function troveText(id: string): string {
  const html = zlib.gunzipSync(fs.readFileSync(path.join(benchDir, 'html', `${id}.html.gz`))).toString('utf8');
  return extractPage(html, truth[id].url).text;
}

function peerOutput(name: string): Record<string, { articleBody?: string }> {
  return JSON.parse(fs.readFileSync(path.join(benchDir, 'output', `${name}.json`), 'utf8')).output;
}

describe('main text on the article-extraction benchmark', () => {
  const predictions = new Map(ids.map((id) => [id, troveText(id)]));

  test('scores at least trafilatura\'s shingle F1 on the same pages', () => {
    const score = (text: (id: string) => string) => shingleF1(ids.map((id) => ({ truth: truth[id].articleBody ?? '', prediction: text(id) })));
    const trafilatura = peerOutput('trafilatura');
    const ours = score((id) => predictions.get(id) ?? '');
    const theirs = score((id) => trafilatura[id]?.articleBody ?? '');
    console.log(`main text, ${ids.length} pages: Trove F1 ${ours.f1.toFixed(3)} (P ${ours.precision.toFixed(3)}, R ${ours.recall.toFixed(3)}); trafilatura ${theirs.f1.toFixed(3)}`);
    expect(ours.f1).toBeGreaterThanOrEqual(theirs.f1);
  });

  test('no page with an article comes out empty', () => {
    const empty = ids.filter((id) => (truth[id].articleBody ?? '').trim() !== '' && predictions.get(id)?.trim() === '');
    expect(empty.map((id) => truth[id].url)).toEqual([]);
  });
});
