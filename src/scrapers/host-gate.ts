/**
 * Per-host politeness: at most `concurrency` requests in flight to one host, and starts spaced by
 * the host's delay (the configured delay or robots.txt's Crawl-delay, whichever is longer). A
 * Retry-After from the host pauses every request to it.
 */
export class HostGate {
  private readonly hosts = new Map<string, HostSlot>();

  constructor(
    private readonly concurrency: number,
    private readonly delayMs: number,
  ) {}

  setCrawlDelay(host: string, delayMs: number): void {
    const slot = this.slot(host);
    slot.delayMs = Math.max(this.delayMs, delayMs);
  }

  pause(host: string, untilMs: number): void {
    const slot = this.slot(host);
    slot.nextStartAt = Math.max(slot.nextStartAt, untilMs);
  }

  /** Waits for a turn on the host; call the returned function when the request is over. */
  async acquire(host: string, signal: AbortSignal): Promise<() => void> {
    const slot = this.slot(host);
    for (;;) {
      signal.throwIfAborted();
      const now = Date.now();
      if (slot.active < this.limitOf(slot) && now >= slot.nextStartAt) {
        slot.active++;
        slot.nextStartAt = now + slot.delayMs;
        return () => this.release(slot);
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', wake);
          slot.waiters.delete(wake);
          resolve();
        };
        const timer = slot.active < this.limitOf(slot) ? setTimeout(wake, slot.nextStartAt - now) : undefined;
        slot.waiters.add(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
  }

  private limitOf(slot: HostSlot): number {
    // With a delay, requests go one after the other: the delay is the gap between them.
    return slot.delayMs > 0 ? 1 : this.concurrency;
  }

  private release(slot: HostSlot): void {
    slot.active--;
    const first = slot.waiters.values().next();
    if (!first.done) first.value();
  }

  private slot(host: string): HostSlot {
    let slot = this.hosts.get(host);
    if (!slot) {
      slot = { active: 0, nextStartAt: 0, delayMs: this.delayMs, waiters: new Set() };
      this.hosts.set(host, slot);
    }
    return slot;
  }
}

interface HostSlot {
  active: number;
  nextStartAt: number;
  delayMs: number;
  waiters: Set<() => void>;
}
