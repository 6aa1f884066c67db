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
}

/**
 * Prepared items column by column: the receiving thread deserialises arrays of strings in about a
 * third of the time it takes for the same items as objects, and it has the inserts to do.
 * Records from files carry no raw payload, hence no blob hash.
 */
export interface PreparedColumns {
  key: string[];
  url: Array<string | null>;
  text: Array<string | null>;
  fields: string[];
  contentHash: string[];
  /**
   * Run-length: items read together share their read time, so each run of equal times crosses
   * once (`fetchedAt[r]` for the next `fetchedAtRuns[r]` items) instead of once per item.
   */
  fetchedAt: string[];
  fetchedAtRuns: number[];
}

export type PrepareMessage =
  | { type: 'batch'; columns: PreparedColumns; bytes: number; redacted: Record<PiiKind, number> }
  | { type: 'done'; bytes: number }
  /** The read stopped at `message`; every batch before it was sent. */
  | { type: 'failed'; message: string; input: boolean };

/** The main thread has taken one batch: the prepare thread may send another. */
export const BATCH_TAKEN = 'taken';
