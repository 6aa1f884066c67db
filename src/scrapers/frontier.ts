import type { Knex } from 'knex';
import type { Dialect } from '../core/store.js';
import { nowIso, toIso, type Timestamp } from '../core/time.js';
import { urlHash } from './url-normalize.js';

/**
 * The crawl frontier: the persistent request queue of one crawl source, table `crawl_frontier`.
 * Every statement the crawler runs against it lives in this module.
 *
 * Row life: queued → leased → done | skipped | failed, or back to queued with a later
 * `next_attempt_at` for a retry. A URL is in the table once per source (unique url_hash).
 *
 * Sharing between processes (several workers running the same run of one source):
 * - `lease(n)` atomically moves up to n due `queued` rows to `leased` for this owner until
 *   now + leaseMs. On PostgreSQL the candidate rows are picked `FOR UPDATE SKIP LOCKED`, so two
 *   workers never lease the same row; on SQLite the database has one writer at a time.
 * - `renew(ids)` extends this owner's leases; `expireLeases()` returns rows whose lease ran out
 *   (their worker died) to `queued`; `releaseOtherRuns()` (at the start of a run) returns rows
 *   leased by earlier runs, which are dead since a source has one active run at a time.
 * - `settle(trx, outcomes)` and `add(trx, urls)` take the caller's transaction: the crawler runs
 *   them inside `ctx.flush(alongside)`, so a page is marked done, and the links it revealed are
 *   queued, in the same transaction that stores its item. A kill at any moment leaves each page
 *   either stored and done, or not stored and still due.
 * - `state()` tells whether anything is due, pending in another worker's lease, or waiting for
 *   a retry, so a worker knows when the crawl is over for everyone.
 */
export type FrontierStatus = 'queued' | 'leased' | 'done' | 'skipped' | 'failed';

export interface FrontierEntry {
  id: number;
  url: string;
  depth: number;
  attempts: number;
}

export interface DiscoveredUrl {
  url: string;
  depth: number;
}

export type FrontierOutcome =
  | { id: number; status: 'done' }
  | { id: number; status: 'skipped' | 'failed'; reason: string }
  | { id: number; status: 'queued'; retryAt: Timestamp; reason: string };

export interface FrontierState {
  queued: number;
  leased: number;
  done: number;
  skipped: number;
  failed: number;
  /** Earliest moment a queued row becomes due, or a lease held by another owner expires. */
  nextWake: Timestamp | null;
  /** Rows leased by other owners whose lease is still running. */
  leasedByOthers: number;
}

export interface LeaseOwner {
  runId: number;
  /** Unique per process: hostname, pid and a random part. */
  name: string;
}

const TABLE = 'crawl_frontier';
const INSERT_CHUNK = 100;
const ID_CHUNK = 500;

export class Frontier {
  constructor(
    private readonly db: Knex,
    private readonly dialect: Dialect,
    readonly sourceId: number,
    private readonly owner: LeaseOwner,
  ) {}

  /** Queues URLs not seen before by this source; known URLs are left as they are. */
  async add(trx: Knex.Transaction | Knex, urls: DiscoveredUrl[]): Promise<void> {
    const now = nowIso();
    const rows = urls.map((u) => ({
      source_id: this.sourceId,
      url: u.url,
      url_hash: urlHash(u.url),
      depth: u.depth,
      status: 'queued',
      attempts: 0,
      next_attempt_at: now,
      discovered_at: now,
    }));
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await trx(TABLE).insert(rows.slice(i, i + INSERT_CHUNK)).onConflict(['source_id', 'url_hash']).ignore();
    }
  }

  /** Records a URL reached by a redirect as done, so a link to it later is not fetched again. */
  async markReached(trx: Knex.Transaction, url: string, depth: number): Promise<void> {
    await this.add(trx, [{ url, depth }]);
    await trx(TABLE)
      .where({ source_id: this.sourceId, url_hash: urlHash(url), status: 'queued' })
      .update({ status: 'done', finished_at: nowIso() });
  }

  /**
   * Leases up to `limit` due rows (oldest first) to this owner. With `maxLeasedOrDone`, never
   * lets done + leased rows of the source exceed it (the --max-pages budget, shared by workers).
   */
  async lease(limit: number, leaseMs: number, maxLeasedOrDone?: number): Promise<{ entries: FrontierEntry[]; budgetLeft: number }> {
    return this.db.transaction(async (trx) => {
      let budgetLeft = Number.POSITIVE_INFINITY;
      if (maxLeasedOrDone !== undefined) {
        if (this.dialect === 'pg') await trx.raw('SELECT pg_advisory_xact_lock(?, ?)', [LOCK_SPACE, this.sourceId]);
        const row = await trx(TABLE).where({ source_id: this.sourceId }).whereIn('status', ['leased', 'done']).count({ n: '*' }).first();
        budgetLeft = Math.max(0, maxLeasedOrDone - Number(row?.n ?? 0));
        limit = Math.min(limit, budgetLeft);
      }
      if (limit <= 0) return { entries: [], budgetLeft };
      const now = nowIso();
      const lock = this.dialect === 'pg' ? ' FOR UPDATE SKIP LOCKED' : '';
      const result = await trx.raw(
        `UPDATE ${TABLE} SET status = 'leased', lease_owner = ?, lease_run_id = ?, lease_until = ?
         WHERE id IN (SELECT id FROM ${TABLE} WHERE source_id = ? AND status = 'queued' AND next_attempt_at <= ? ORDER BY id LIMIT ?${lock})
         RETURNING id, url, depth, attempts`,
        [this.owner.name, this.owner.runId, toIso(Date.now() + leaseMs), this.sourceId, now, limit],
      );
      const rows: FrontierEntry[] = this.dialect === 'pg' ? result.rows : result;
      const entries = rows.map((r) => ({ id: Number(r.id), url: r.url, depth: Number(r.depth), attempts: Number(r.attempts) }));
      entries.sort((a, b) => a.id - b.id);
      return { entries, budgetLeft: budgetLeft - entries.length };
    });
  }

  async renew(ids: number[], leaseMs: number): Promise<void> {
    const until = toIso(Date.now() + leaseMs);
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      await this.db(TABLE)
        .whereIn('id', ids.slice(i, i + ID_CHUNK))
        .where({ status: 'leased', lease_owner: this.owner.name })
        .update({ lease_until: until });
    }
  }

  /** Rows whose worker stopped renewing its lease go back to the queue. */
  async expireLeases(): Promise<number> {
    return this.db(TABLE)
      .where({ source_id: this.sourceId, status: 'leased' })
      .where('lease_until', '<', nowIso())
      .update({ status: 'queued', lease_owner: null, lease_run_id: null, lease_until: null });
  }

  /** Rows leased by earlier runs (killed processes) go back to the queue at once. */
  async releaseOtherRuns(trx: Knex.Transaction): Promise<number> {
    return trx(TABLE)
      .where({ source_id: this.sourceId, status: 'leased' })
      .where((w) => w.whereNot('lease_run_id', this.owner.runId).orWhereNull('lease_run_id'))
      .update({ status: 'queued', lease_owner: null, lease_run_id: null, lease_until: null });
  }

  /** Applies what happened to leased rows; runs inside the transaction that stores their items. */
  async settle(trx: Knex.Transaction, outcomes: FrontierOutcome[]): Promise<void> {
    const now = nowIso();
    const done = outcomes.filter((o) => o.status === 'done').map((o) => o.id);
    for (let i = 0; i < done.length; i += ID_CHUNK) {
      await trx(TABLE)
        .whereIn('id', done.slice(i, i + ID_CHUNK))
        .update({ status: 'done', attempts: trx.raw('attempts + 1'), finished_at: now, lease_owner: null, lease_until: null });
    }
    for (const o of outcomes) {
      if (o.status === 'done') continue;
      const retry = o.status === 'queued';
      await trx(TABLE)
        .where({ id: o.id })
        .update({
          status: o.status,
          attempts: trx.raw('attempts + 1'),
          last_error: o.reason.slice(0, 2000),
          next_attempt_at: retry ? o.retryAt : now,
          finished_at: retry ? null : now,
          lease_owner: null,
          lease_until: null,
        });
    }
  }

  /** Starts the crawl over: forgets every URL of the source. */
  async reset(trx: Knex.Transaction): Promise<void> {
    await trx(TABLE).where({ source_id: this.sourceId }).delete();
  }

  async state(): Promise<FrontierState> {
    const rows: Array<{ status: FrontierStatus; n: number | string }> = await this.db(TABLE)
      .where({ source_id: this.sourceId })
      .select('status')
      .count({ n: '*' })
      .groupBy('status');
    const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])) as Partial<Record<FrontierStatus, number>>;
    const nextDue = await this.db(TABLE).where({ source_id: this.sourceId, status: 'queued' }).min({ at: 'next_attempt_at' }).first();
    const others = await this.db(TABLE)
      .where({ source_id: this.sourceId, status: 'leased' })
      .whereNot('lease_owner', this.owner.name)
      .select(this.db.raw('count(*) as n'), this.db.raw('min(lease_until) as at'))
      .first();
    const wakes = [nextDue?.at, others?.at].filter((t): t is string => typeof t === 'string').sort();
    return {
      queued: by.queued ?? 0,
      leased: by.leased ?? 0,
      done: by.done ?? 0,
      skipped: by.skipped ?? 0,
      failed: by.failed ?? 0,
      nextWake: wakes[0] ?? null,
      leasedByOthers: Number(others?.n ?? 0),
    };
  }

  /** Counts queued rows cheaply, for the progress line. */
  async queuedCount(): Promise<number> {
    const row = await this.db(TABLE).where({ source_id: this.sourceId }).whereIn('status', ['queued', 'leased']).count({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }
}

/** First key of PostgreSQL advisory locks taken by the frontier ("TRCF"). */
export const LOCK_SPACE = 0x54524346;
