import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage, InputError } from '../../core/errors.js';
import { prepareItem, type PreparedItem } from '../../core/prepare-item.js';
import { nowIso } from '../../core/time.js';
import { Redactor, type PiiKind } from '../../core/redact.js';
import type { RecordInput } from '../../core/source.js';
import { CellItems } from './cell-items.js';
import { tabularRows, type CellChunk } from './delimited-reader.js';
import { readCells, readRows, recordsOf, RowsError } from './file-rows.js';
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
/**
 * Batches sent and not yet taken by the main thread; reading waits beyond this (backpressure). The
 * main thread deserialises a batch when it arrives, so each one waiting is heap there: 3 keep the
 * importer fed and peak RSS about 6 MB lower than 6.
 */
const MAX_UNTAKEN = 3;

let untaken = 0;
let wake: () => void = () => undefined;
port.on('message', () => {
  untaken--;
  wake();
});

/** The prepared items of the batch being filled, column by column. */
class BatchColumns {
  private columns = emptyColumns();

  get size(): number {
    return this.columns.key.length;
  }

  add(item: PreparedItem): void {
    const { columns } = this;
    columns.key.push(item.key);
    columns.url.push(item.url);
    columns.text.push(item.text);
    columns.fields.push(item.fields);
    columns.contentHash.push(item.content_hash);
    const runs = columns.fetchedAtRuns.length;
    if (runs > 0 && columns.fetchedAt[runs - 1] === item.fetched_at) {
      columns.fetchedAtRuns[runs - 1]++;
    } else {
      columns.fetchedAt.push(item.fetched_at);
      columns.fetchedAtRuns.push(1);
    }
  }

  take(): PreparedColumns {
    const taken = this.columns;
    this.columns = emptyColumns();
    return taken;
  }
}

function emptyColumns(): PreparedColumns {
  return { key: [], url: [], text: [], fields: [], contentHash: [], fetchedAt: [], fetchedAtRuns: [] };
}

const redactor = job.redact.length > 0 ? new Redactor(job.redact) : undefined;
let bytes = 0;
const batch = new BatchColumns();

/** Records read together share their read time: one clock read per chunk instead of per record. */
function append(records: readonly RecordInput[]): void {
  const readAt = nowIso();
  for (const input of records) batch.add(prepareItem(redactor ? redactor.redactRecord(input) : input, null, readAt));
}

/**
 * Chunks of a CSV/TSV file without redaction skip the row objects (see CellItems): undefined until
 * the header is read, null when the file needs the row objects after all.
 */
let cellItems: CellItems | null | undefined;

function appendCells(chunk: CellChunk): void {
  if (cellItems === undefined) cellItems = CellItems.of(chunk.columns, job.mapping, job.label) ?? null;
  if (cellItems === null) {
    append(recordsOf(tabularRows(chunk), job.mapping, job.label));
    return;
  }
  const readAt = nowIso();
  const { lines, records } = chunk;
  for (let i = 0; i < records.length; i++) batch.add(cellItems.item(records[i], lines[i], readAt));
}

function send(message: PrepareMessage): void {
  port?.postMessage(message);
}

function sendBatch(): void {
  if (batch.size === 0) return;
  send({ type: 'batch', columns: batch.take(), bytes, redacted: takeRedactionCounts() });
  untaken++;
}

/** Sends the batch once it is full, then waits while the main thread has too many to take. */
async function sendWhenFull(): Promise<void> {
  if (batch.size < BATCH_ROWS) return;
  sendBatch();
  while (untaken >= MAX_UNTAKEN) await new Promise<void>((resolve) => (wake = resolve));
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
  const opts = { trackLines: job.trackLines, onBytes: (n: number) => (bytes += n) };
  if ((job.format === 'csv' || job.format === 'tsv') && !redactor) {
    for await (const chunk of readCells(job.file, job.format, job.label, opts)) {
      appendCells(chunk);
      await sendWhenFull();
    }
    return;
  }
  for await (const chunk of readRows(job.file, job.format, job.label, opts)) {
    append(recordsOf(chunk, job.mapping, job.label));
    await sendWhenFull();
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
