// One Trove crawl of the benchmark site, items and frontier persisted to SQLite in a fresh data
// directory. Prints one JSON line like the peer's scripts: {tool, pages, seconds, pagesPerSec, peakRssMB}.
// It loads Trove the way `npx trove` does (compiled dist/ when fresh), so its memory is the CLI's.
//   node bench/crawl/trove-crawl.mjs BASE_URL CONCURRENCY DATA_DIR [ANALYZER_THREADS]
import { importTrove } from '../../bin/load-trove.js';

const { silentLogger } = await importTrove('src/core/log.ts');
const { createSource } = await importTrove('src/core/sources.ts');
const { openHub, runSource } = await importTrove('src/hub.ts');

const [base, conc, dataDir, analyzerThreads] = process.argv.slice(2);
if (!base || !conc || !dataDir) throw new Error('usage: trove-crawl.mjs BASE_URL CONCURRENCY DATA_DIR');

// The same fields as the peer's extract.mjs, on top of Trove's default recipe (main text etc.).
const recipe = {
  rules: [
    {
      fields: {
        author: '.byline .author',
        date: { selector: 'time[datetime]', attribute: 'datetime' },
        price: '.price',
      },
    },
  ],
};

const hub = await openHub({ dataDir, log: silentLogger });
await createSource(hub.store.db, { name: 'bench', kind: 'crawl', config: { startUrls: [base], concurrency: Number(conc), recipe, ...(analyzerThreads === undefined ? {} : { analyzerThreads: Number(analyzerThreads) }) } });
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
const t0 = performance.now();
const run = await runSource(hub, 'bench');
const seconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
const items = Number((await hub.store.db('items').count({ n: '*' }).first())?.n ?? 0);
const frontier = Number((await hub.store.db('crawl_frontier').where({ status: 'done' }).count({ n: '*' }).first())?.n ?? 0);
await hub.close();
console.log(
  JSON.stringify({
    tool: analyzerThreads === '0' ? 'trove-one-thread' : 'trove',
    status: run.status,
    pages: run.inserted + run.updated + run.unchanged,
    items,
    frontierDone: frontier,
    failed: run.failed,
    seconds: +seconds.toFixed(2),
    pagesPerSec: +((run.seen || 0) / seconds).toFixed(1),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    sampledPeakRssMB: Math.round(peakRss / 1048576),
    storage: 'sqlite',
  }),
);
