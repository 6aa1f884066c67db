import type { PackedItems } from '../../core/packed-items.js';
import type { PiiKind } from '../../core/redact.js';
import type { FileFormat, RowMapping } from './file-rows.js';

/** What the prepare thread reads and how it turns rows into records. */
export interface PrepareJob {
  file: string;
  format: FileFormat;
  /** The file's name in messages (a URL, an archive member). */
  label: string;
  mapping: RowMapping;
  trackLines: boolean;
  /** The source's redaction, applied before hashing as the ingest path would. */
  redact: PiiKind[];
  maxRecordBytes?: number;
}

export type PrepareMessage =
  /** The buffers of `packed` are transferred with the message: the receiving thread reads them in place. */
  | { type: 'batch'; packed: PackedItems; bytes: number; redacted: Record<PiiKind, number> }
  | { type: 'done'; bytes: number }
  /** The read stopped at `message`; every batch before it was sent. */
  | { type: 'failed'; message: string; input: boolean };

/** The main thread has taken one batch: the prepare thread may send another. */
export const BATCH_TAKEN = 'taken';

/** What the main thread tells the prepare thread: a batch taken, or the buffers of one stored, to fill again. */
export type PrepareReply = typeof BATCH_TAKEN | { type: 'stored'; packed: PackedItems };
