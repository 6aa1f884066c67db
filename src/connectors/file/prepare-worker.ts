import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage, InputError } from '../../core/errors.js';
import { PackedItemsWriter, transferablesOf } from '../../core/packed-items.js';
import { prepareItem } from '../../core/prepare-item.js';
import { nowIso } from '../../core/time.js';
import { Redactor, type PiiKind } from '../../core/redact.js';
import type { RecordInput } from '../../core/source.js';
import { CellItems } from './cell-items.js';
import { tabularRows, type CellChunk } from './delimited-reader.js';
import { readCells, readRows, recordsOf, RowsError } from './file-rows.js';
import { BATCH_TAKEN, type PrepareJob, type PrepareMessage, type PrepareReply } from './prepare-protocol.js';

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
/** Bytes per message at most, whatever the rows: long rows keep memory as flat as short ones. */
const BATCH_BYTES = 2 << 20;
/**
 * Batches sent and not yet taken by the main thread; reading waits beyond this (backpressure):
 * 3 keep the importer fed.
 */
const MAX_UNTAKEN = 3;

const redactor = job.redact.length > 0 ? new Redactor(job.redact) : undefined;
let bytes = 0;
const batch = new PackedItemsWriter();

let untaken = 0;
let wake: () => void = () => undefined;
port.on('message', (reply: PrepareReply) => {
  if (reply === BATCH_TAKEN) {
    untaken--;
    wake();
  } else {
    batch.reuse(reply.packed);
  }
});

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

function send(message: PrepareMessage, transfer?: ArrayBuffer[]): void {
  port?.postMessage(message, transfer);
}

function sendBatch(): void {
  if (batch.size === 0) return;
  const packed = batch.take();
  send({ type: 'batch', packed, bytes, redacted: takeRedactionCounts() }, transferablesOf(packed));
  untaken++;
}

/** Sends the batch once it is full, then waits while the main thread has too many to take. */
async function sendWhenFull(): Promise<void> {
  if (batch.size < BATCH_ROWS && batch.byteLength < BATCH_BYTES) return;
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
  const opts = { trackLines: job.trackLines, onBytes: (n: number) => (bytes += n), maxRecordBytes: job.maxRecordBytes };
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
