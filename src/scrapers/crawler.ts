import { errorMessage, RemoteError } from '../core/errors.js';
import type { RecordInput, SourceContext } from '../core/source.js';
import type { CrawlConfig } from './crawl-config.js';
import type { DiscoveredUrl, Frontier, FrontierEntry } from './frontier.js';
import { crawlEntry, type PageResult, type PageTaskDeps } from './page-task.js';

const FLUSH_EVERY_PAGES = 50;
const FLUSH_EVERY_MS = 1000;
const PROGRESS_EVERY_MS = 1000;
const EXPIRE_EVERY_MS = 10_000;
const IDLE_POLL_MS = 1000;
/** URLs known to be in the frontier, so their links are not re-inserted; cleared when full. */
const KNOWN_URLS_CAP = 100_000;

/**
 * The crawl loop of one worker: leases entries from the shared frontier, crawls up to
 * `concurrency` of them at once, yields their records, and commits each batch of outcomes
 * (done marks, retries, newly found links) in the transaction that stores the batch's items.
 */
export class Crawler {
  private readonly local: FrontierEntry[] = [];
  private readonly ready: PageResult[] = [];
  private readonly pending: PageResult[] = [];
  private readonly held = new Set<number>();
  private readonly known = new Set<string>();
  private inFlight = 0;
  private wake: (() => void) | null = null;
  private budgetLeft = Number.POSITIVE_INFINITY;
  private starved = false;
  private pages = 0;
  private failures = 0;
  private firstFailure: string | null = null;
  private firstSkip: string | null = null;
  private readonly startedAt = Date.now();
  private lastFlush = Date.now();
  private lastLease = 0;
  private lastRenew = Date.now();
  private lastExpire = Date.now();
  private lastProgress = 0;
  private queued = 0;

  constructor(
    private readonly config: CrawlConfig,
    private readonly ctx: SourceContext,
    private readonly frontier: Frontier,
    private readonly deps: PageTaskDeps,
  ) {}

  async *run(): AsyncGenerator<RecordInput> {
    const { signal } = this.ctx;
    try {
      for (;;) {
        if (signal.aborted) return;
        while (this.ready.length > 0) {
          const result = this.ready.shift() as PageResult;
          await this.account(result);
          this.pending.push(result);
          if (result.record) {
            yield result.record;
            // Stored by now: the page's text and HTML need not wait for the flush in memory.
            result.record = undefined;
          }
          if (this.pending.length >= FLUSH_EVERY_PAGES) await this.flush();
        }
        await this.housekeeping();
        await this.refill();
        while (this.inFlight < this.config.concurrency && this.local.length > 0) this.start(this.local.shift() as FrontierEntry);
        if (this.inFlight === 0 && this.local.length === 0 && this.ready.length === 0) {
          if (this.pending.length > 0) {
            await this.flush();
            continue;
          }
          if (await this.finished()) break;
          continue;
        }
        if (this.ready.length === 0) await this.waitForResult();
      }
    } finally {
      await this.flush();
      this.reportProgress(true);
    }
    if (this.pages === 0 && this.firstFailure !== null) throw new RemoteError(`no page could be crawled: ${this.firstFailure}`);
    if (this.pages === 0 && this.firstSkip !== null) throw new RemoteError(`no page was stored: ${this.firstSkip}`);
  }

  private start(entry: FrontierEntry): void {
    this.inFlight++;
    crawlEntry(entry, this.deps, this.ctx.signal)
      .then(
        (result) => this.ready.push(result),
        (err: unknown) => {
          if (this.ctx.signal.aborted) return;
          const reason = `crawler error: ${errorMessage(err)}`;
          this.ready.push({ entry, outcome: { id: entry.id, status: 'failed', reason }, links: [], failure: { location: entry.url, reason } });
        },
      )
      .finally(() => {
        this.inFlight--;
        this.notify();
      });
  }

  private async account(result: PageResult): Promise<void> {
    if (result.record) this.pages++;
    if (result.stat) this.ctx.addStats({ [result.stat]: 1 });
    if (result.outcome.status === 'skipped') this.firstSkip ??= `${result.entry.url}: ${result.outcome.reason}`;
    if (result.failure) {
      this.failures++;
      this.firstFailure ??= `${result.failure.location}: ${result.failure.reason}`;
      await this.ctx.recordFailure(result.failure.location, result.failure.reason);
    }
  }

  /** Leases more entries when fewer than one round of work is buffered. */
  private async refill(): Promise<void> {
    const { concurrency, leaseMs, maxPages } = this.config;
    if (this.local.length >= concurrency || this.budgetLeft <= 0) return;
    if (this.starved) {
      // The queue ran dry: publish the links found since the last flush, else poll gently.
      if (this.pending.length > 0) await this.flush();
      else if (Date.now() - this.lastLease < IDLE_POLL_MS / 4) return;
    }
    this.lastLease = Date.now();
    const want = 2 * concurrency - this.local.length;
    const { entries, budgetLeft } = await this.frontier.lease(want, leaseMs, maxPages);
    this.budgetLeft = budgetLeft;
    for (const e of entries) {
      this.local.push(e);
      this.held.add(e.id);
    }
    this.starved = entries.length < want;
  }

  /** Nothing in hand: the crawl is over unless work is due later or held by another worker. */
  private async finished(): Promise<boolean> {
    if (this.budgetLeft <= 0) return true;
    const state = await this.frontier.state();
    this.queued = state.queued + state.leased;
    if (state.queued === 0 && state.leasedByOthers === 0) return true;
    const wait = state.nextWake ? Math.min(Math.max(Date.parse(state.nextWake) - Date.now(), 20), IDLE_POLL_MS) : IDLE_POLL_MS;
    await this.sleep(wait);
    this.starved = false;
    return false;
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0);
    const links = this.newLinks(batch);
    await this.ctx.flush(async (trx) => {
      if (batch.length > 0) await this.frontier.settle(trx, batch.map((r) => r.outcome));
      if (links.length > 0) await this.frontier.add(trx, links);
      for (const r of batch) if (r.reached) await this.frontier.markReached(trx, r.reached, r.entry.depth);
    });
    if (this.known.size + links.length > KNOWN_URLS_CAP) this.known.clear();
    for (const l of links) this.known.add(l.url);
    for (const r of batch) this.held.delete(r.entry.id);
    this.lastFlush = Date.now();
    this.starved = false;
    if (Date.now() - this.lastProgress >= PROGRESS_EVERY_MS) {
      this.queued = await this.frontier.queuedCount();
      this.reportProgress(false);
    }
  }

  private newLinks(batch: PageResult[]): DiscoveredUrl[] {
    const out = new Map<string, DiscoveredUrl>();
    for (const r of batch) for (const l of r.links) if (!this.known.has(l.url) && !out.has(l.url)) out.set(l.url, l);
    return [...out.values()];
  }

  private async housekeeping(): Promise<void> {
    const now = Date.now();
    if (this.pending.length > 0 && now - this.lastFlush >= FLUSH_EVERY_MS) await this.flush();
    if (now - this.lastRenew >= this.config.leaseMs / 3) {
      this.lastRenew = now;
      await this.frontier.renew([...this.held], this.config.leaseMs);
    }
    if (now - this.lastExpire >= EXPIRE_EVERY_MS) {
      this.lastExpire = now;
      await this.frontier.expireLeases();
      this.queued = await this.frontier.queuedCount();
    }
  }

  private reportProgress(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastProgress < PROGRESS_EVERY_MS) return;
    this.lastProgress = now;
    const seconds = (now - this.startedAt) / 1000;
    const rate = seconds > 0 ? Math.round((this.pages / seconds) * 10) / 10 : 0;
    const queued = Math.max(this.queued, this.local.length + this.inFlight);
    this.ctx.progress({ done: this.pages, queued, failed: this.failures, rate, total: this.pages + queued, message: `${rate} pages/s` });
  }

  private waitForResult(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.notify(), FLUSH_EVERY_MS);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.ctx.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.ctx.signal.addEventListener('abort', done, { once: true });
    });
  }
}
