import type { Clock, TimerHandle } from '../../src/jobs/clock.js';

/** A clock the test moves by hand; timers fire when the time passes them. */
export class FakeClock implements Clock {
  private timers: Array<{ id: number; at: number; fn: () => void }> = [];
  private seq = 0;

  constructor(private t: number) {}

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.timers.push({ id, at: this.t + ms, fn });
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    this.timers = this.timers.filter((timer) => timer.id !== (handle as { id: number }).id);
  }

  pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time to `t` and fires the timers that fall due on the way. */
  advanceTo(t: number): void {
    this.t = t;
    const due = this.timers.filter((timer) => timer.at <= t);
    this.timers = this.timers.filter((timer) => timer.at > t);
    for (const timer of due) timer.fn();
  }
}
