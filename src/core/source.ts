import type { Knex } from 'knex';
import type { z } from 'zod';
import type { Logger } from './log.js';
import type { PreparedRecords } from './prepare-item.js';
import type { Store } from './store.js';
import type { Timestamp } from './time.js';

/** One record produced by a source; the ingest path turns it into an item. */
export interface RecordInput {
  /** Identifies the record within its source (a URL, a primary key, a line number). */
  key: string;
  url?: string | null;
  text?: string | null;
  fields?: Record<string, unknown>;
  /** The raw payload (HTML page, API response); kept in the blob store, hashed into the item. */
  raw?: Buffer | string;
  fetchedAt?: Timestamp;
}

export interface SourceRef {
  id: number;
  name: string;
  kind: string;
}

/** Progress a source reports while it runs; shown on the terminal and in `trove runs show`. */
export interface RunProgress {
  done?: number;
  total?: number;
  queued?: number;
  failed?: number;
  rate?: number;
  bytes?: number;
  totalBytes?: number;
  message?: string;
}

/**
 * A source's saved position. `save` first stores every record yielded so far, then the state,
 * in one transaction: a run killed at any moment resumes exactly where its stored records end.
 */
export interface Checkpoint {
  load<T>(): Promise<T | undefined>;
  save(state: unknown): Promise<void>;
  clear(): Promise<void>;
}

export interface SourceContext {
  readonly source: SourceRef;
  readonly runId: number;
  readonly store: Store;
  readonly checkpoint: Checkpoint;
  readonly log: Logger;
  readonly signal: AbortSignal;
  progress(update: RunProgress): void;
  /**
   * Stores every record yielded so far and runs `alongside` in the same transaction, so a source's
   * own bookkeeping (a crawl frontier marking pages done) commits exactly with the items it covers.
   */
  flush(alongside?: (trx: Knex.Transaction) => Promise<void>): Promise<void>;
  /** One record or page failed; the run goes on and the failure is listed on it. */
  recordFailure(location: string, reason: string): Promise<void>;
  /** Adds to the run's named counters (pages skipped, values redacted, …). */
  addStats(delta: Record<string, number>): void;
}

export interface PreflightContext {
  readonly log: Logger;
  readonly signal?: AbortSignal;
}

/**
 * Every kind of source (file, crawl, sql, rest, reddit, rss) implements this. Scheduling, runs,
 * retries, ingest and dedupe are written once around it.
 */
export interface SourceKind<C = unknown> {
  readonly kind: string;
  readonly description: string;
  /** Validates a config at the edge (CLI flag, config file, API body). */
  readonly configSchema: z.ZodType<C>;
  /**
   * Several processes may carry out one run together, each calling run() with the same run id (a
   * crawl shares its frontier through leases). Job-queue workers then join a running run.
   */
  readonly sharedRuns?: boolean;
  /** Checks that need I/O (the file exists, a named column exists), before a run writes anything. */
  preflight?(config: C, ctx: PreflightContext): Promise<void>;
  /** The local files a config reads (a file source's path, a SQLite URL), each with the field naming it. */
  localPaths?(config: C): Array<{ field: string; path: string }>;
  /**
   * The records, one at a time or in chunks (an array, in order): a source that reads rows in
   * bulk yields whole chunks, so the ingest path takes no await per record. A source that prepares
   * records on another thread yields them as PreparedRecords.
   */
  run(config: C, ctx: SourceContext): AsyncIterable<RecordInput | readonly RecordInput[] | PreparedRecords>;
}

export type AnySourceKind = SourceKind<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
