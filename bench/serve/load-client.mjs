// The load generator of `npm run bench:serve`, in its own process so it does not share the server's
// event loop: autocannon warms up first (its own code compiled, the server's paths hot), says "warm"
// on stdout, and starts the measured run when the bench answers on stdin (after reading the
// server's counters), so the figures hold the measured run only. Prints that run's result as JSON.
//
// node bench/serve/load-client.mjs URL BODY CONNECTIONS WARMUP_S DURATION_S
import autocannon from 'autocannon';
import readline from 'node:readline';

const [url, body, connections, warmupSeconds, seconds] = process.argv.slice(2);

function load(duration) {
  return autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: Number(connections),
    pipelining: 1,
    duration: Number(duration),
  });
}

await load(warmupSeconds);
process.stdout.write('warm\n');
await new Promise((resolve) => readline.createInterface({ input: process.stdin }).once('line', resolve));
const result = await load(seconds);
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
