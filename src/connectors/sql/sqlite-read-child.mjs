// A child process that steps one read-only SQLite statement and hands its rows to the parent in
// batches, one batch per request. It exists so a statement can be stopped: better-sqlite3 has no
// interrupt, and a worker thread cannot be stopped inside a native step, but a process can be killed.
// Plain JavaScript on purpose: it loads only better-sqlite3, so it starts in milliseconds.
import Database from 'better-sqlite3';

const { file, sql, params, batchSize } = JSON.parse(process.argv[2]);

function send(message) {
  return new Promise((resolve, reject) => process.send(message, (err) => (err ? reject(err) : resolve())));
}

// One listener from the start, before anything is sent: a request can never arrive unheard.
const requests = [];
let waiting = null;
process.on('message', (message) => {
  if (waiting) waiting(message);
  else requests.push(message);
  waiting = null;
});

function nextRequest() {
  return requests.length > 0 ? Promise.resolve(requests.shift()) : new Promise((resolve) => (waiting = resolve));
}

/** The first batch goes out unasked; each later one answers a 'more' from the parent. */
async function stream() {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  const rows = db.prepare(sql).iterate(...params);
  for (let first = true; ; first = false) {
    if (!first && (await nextRequest()) !== 'more') return;
    const batch = [];
    let done = false;
    while (batch.length < batchSize) {
      const step = rows.next();
      if (step.done) {
        done = true;
        break;
      }
      batch.push(step.value);
    }
    await send({ rows: batch, done });
    if (done) return;
  }
}

stream().then(
  () => process.disconnect(),
  async (err) => {
    await send({ error: err instanceof Error ? err.message : String(err) });
    process.disconnect();
  },
);
