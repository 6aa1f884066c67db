// The hub under load, in its own process, loaded the way `npm start` loads it (compiled dist/ when
// fresh): opens the store in DATA_DIR and serves the API on a free port, printing `listening <url>`
// once ready and, on SIGTERM, `cpu <ms>`: the CPU time it used since (user + system, start-up
// excluded), which the load phase divides by its requests.
//   node bench/labeling/server.mjs DATA_DIR
import { importTrove } from '../../bin/load-trove.js';

const { silentLogger } = await importTrove('src/core/log.ts');
const { openHub } = await importTrove('src/hub.ts');
const { startServer } = await importTrove('src/server/serve.ts');

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: server.mjs DATA_DIR');
const hub = await openHub({ dataDir, log: silentLogger });
const server = await startServer(hub, 0, '127.0.0.1');
const listeningSince = process.cpuUsage();
process.stdout.write(`listening ${server.url}\n`);
process.on('SIGTERM', () => {
  const cpu = process.cpuUsage(listeningSince);
  process.stdout.write(`cpu ${(cpu.user + cpu.system) / 1000}\n`);
  void server.close().then(() => hub.close()).then(() => process.exit(0));
});
