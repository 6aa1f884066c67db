import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage, InputError } from '../../core/errors.js';
import { prepareItem } from '../../core/prepare-item.js';
import { nowIso } from '../../core/time.js';
import { Redactor, type PiiKind } from '../../core/redact.js';
import type { RecordInput } from '../../core/source.js';
import { readRows, recordsOf, RowsError } from './file-rows.js';
import type { PrepareJob, PrepareMessage, PreparedColumns } from './prepare-protocol.js';

/**
 * The prepare thread of a file import: reads and parses the file, turns rows into records and
 * prepares them (redaction, normalisation, serialisation, content hash), and sends the prepared
 * items in batches to the main thread, which only stores them.
 */
const job = (workerData as { data: PrepareJob }).data;
const port = parentPort;
if (!port) throw new Error('prepare-worker runs only as a worker thread');

/** Rows per message: large enough that a message costs little per row, small enough to keep memory flat. */
const BATCH_ROWS = 2000;
/** Batches sent and not yet taken by the main thread; reading waits beyond this (backpressure). */
const MAX_UNTAKEN = 6;

let untaken = 0;
let wake: () => void = () => undefined;
port.on('message', () => {
  untaken--;
  wake();
});

const redactor = job.redact.length > 0 ? new Redactor(job.redact) : undefined;
let bytes = 0;
let batch = emptyColumns();

function emptyColumns(): PreparedColumns {
  return { key: [], url: [], text: [], fields: [], contentHash: [], fetchedAt: [] };
}

/** Records read together share their read time: one clock read per chunk instead of per record. */
function append(records: readonly RecordInput[]): void {
  const readAt = nowIso();
  for (const input of records) {
    const item = prepareItem(redactor ? redactor.redactRecord(input) : input, null, readAt);
    batch.key.push(item.key);
    batch.url.push(item.url);
    batch.text.push(item.text);
    batch.fields.push(item.fields);
    batch.contentHash.push(item.content_hash);
    batch.fetchedAt.push(item.fetched_at);
  }
}

function send(message: PrepareMessage): void {
  port?.postMessage(message);
}

function sendBatch(): void {
  if (batch.key.length === 0) return;
  send({ type: 'batch', columns: batch, bytes, redacted: takeRedactionCounts() });
  batch = emptyColumns();
  untaken++;
}

/** What redaction replaced since the last batch. */
function takeRedactionCounts(): Record<PiiKind, number> {
  const counts = { email: 0, phone: 0, ip: 0, card: 0 };
  if (!redactor) return counts;
  for (const kind of job.redact) {
    counts[kind] = redactor.counts[kind];
    redactor.counts[kind] = 0;
  }
  return counts;
}

async function prepareAll(): Promise<void> {
  const rows = readRows(job.file, job.format, job.label, { trackLines: job.trackLines, onBytes: (n) => (bytes += n) });
  for await (const chunk of rows) {
    append(recordsOf(chunk, job.mapping, job.label));
    if (batch.key.length < BATCH_ROWS) continue;
    sendBatch();
    while (untaken >= MAX_UNTAKEN) await new Promise<void>((resolve) => (wake = resolve));
  }
}

try {
  await prepareAll();
  sendBatch();
  send({ type: 'done', bytes });
} catch (err) {
  sendFailure(err);
}

/** The records before a bad row are stored, as the import on one thread would store them. */
function sendFailure(err: unknown): void {
  let cause = err;
  if (err instanceof RowsError) {
    cause = err.error;
    try {
      append(err.before);
    } catch (prepareErr) {
      cause = prepareErr;
    }
  }
  sendBatch();
  send({ type: 'failed', message: errorMessage(cause), input: cause instanceof InputError });
}
