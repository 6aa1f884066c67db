/**
 * The hub under load, in its own process: opens the store in DATA_DIR and serves the API on a
 * free port, printing `listening <url>` once ready and, on SIGTERM, `cpu <ms>`: the CPU time it
 * used since (user + system, start-up excluded), which the load phase divides by its requests.
 */
import { silentLogger } from '../../src/core/log.js';
import { openHub } from '../../src/hub.js';
import { startServer } from '../../src/server/serve.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: server.ts DATA_DIR');
const hub = await openHub({ dataDir, log: silentLogger });
const server = await startServer(hub, 0, '127.0.0.1');
const listeningSince = process.cpuUsage();
process.stdout.write(`listening ${server.url}\n`);
process.on('SIGTERM', () => {
  const cpu = process.cpuUsage(listeningSince);
  process.stdout.write(`cpu ${(cpu.user + cpu.system) / 1000}\n`);
  void server.close().then(() => hub.close()).then(() => process.exit(0));
});
