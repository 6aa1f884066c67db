import type { Knex } from 'knex';
import { ConflictError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { queueRun, type RunTrigger } from '../core/runs.js';
import { nowIso, parseIso, toIso } from '../core/time.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { latestSlot, nextSlot } from './cron-slots.js';
import type { RunDispatcher } from './dispatcher.js';

export interface SchedulerOptions {
  clock?: Clock;
  log: Logger;
  /** Longest sleep between two looks at the schedules, so schedules changed elsewhere are picked up. */
  maxSleepMs?: number;
}

export interface Firing {
  source: string;
  slot: string;
  trigger: Extract<RunTrigger, 'schedule' | 'catch-up'>;
  /** The queued run, or null when the source was still running (a source never runs twice at once). */
  runId: number | null;
}

interface ScheduledSource {
  id: number;
  name: string;
  schedule: string;
  created_at: string;
}

/**
 * Runs sources on their cron schedules. Each slot fires once across every process sharing the
 * store: the process whose conditional update moves `source_schedules.last_slot` forward wins it.
 * A slot missed while no scheduler was up (the hub was down) fires once when one starts, as a
 * catch-up; several missed slots still make one run.
 */
export class Scheduler {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly maxSleepMs: number;
  private startedAt = 0;
  private timer: TimerHandle | undefined;
  private current: Promise<unknown> = Promise.resolve();
  private stopped = true;

  constructor(
    private readonly db: Knex,
    private readonly dispatcher: RunDispatcher,
    opts: SchedulerOptions,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log.child({ component: 'scheduler' });
    this.maxSleepMs = opts.maxSleepMs ?? 60_000;
  }

  /** Fires missed slots (catch-up) and sleeps until the next one. */
  async start(): Promise<Firing[]> {
    this.stopped = false;
    this.startedAt = this.clock.now();
    const tick = this.tick();
    this.current = tick;
    const fired = await tick;
    await this.arm();
    return fired;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    await this.current.catch(() => undefined);
  }

  /** Resolves when the look at the schedules in progress (if any) is over. */
  async settled(): Promise<void> {
    await this.current;
  }

  /** Fires every slot that fell due since it last fired; returns what it fired. */
  async tick(): Promise<Firing[]> {
    const now = this.clock.now();
    const fired: Firing[] = [];
    for (const source of await this.scheduledSources()) {
      try {
        const firing = await this.fireIfDue(source, now);
        if (firing) fired.push(firing);
      } catch (err) {
        this.log.error(`could not fire the schedule of ${source.name}`, { error: errorMessage(err) });
      }
    }
    return fired;
  }

  private async scheduledSources(): Promise<ScheduledSource[]> {
    return this.db('sources').whereNotNull('schedule').orderBy('id').select('id', 'name', 'schedule', 'created_at');
  }

  private async fireIfDue(source: ScheduledSource, now: number): Promise<Firing | null> {
    const slot = latestSlot(source.schedule, now);
    if (slot === null || !(await this.winSlot(source, slot))) return null;
    const trigger = slot < this.startedAt ? 'catch-up' : 'schedule';
    const firing: Firing = { source: source.name, slot: toIso(slot), trigger, runId: null };
    try {
      firing.runId = await queueRun(this.db, source.id, trigger);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      this.log.info(`${source.name}: slot ${firing.slot} skipped, ${err.message}`);
      return firing;
    }
    this.log.info(`${source.name}: ${trigger} run ${firing.runId} for slot ${firing.slot}`);
    await this.dispatcher.dispatch(firing.runId);
    return firing;
  }

  /**
   * Moves the source's last fired slot forward to `slot`; true for the one process that did. A
   * source the scheduler meets for the first time counts from its creation.
   */
  private async winSlot(source: ScheduledSource, slot: number): Promise<boolean> {
    const slotIso = toIso(slot);
    if (slot <= parseIso(source.created_at)) return false;
    await this.db('source_schedules')
      .insert({ source_id: source.id, last_slot: source.created_at, updated_at: nowIso() })
      .onConflict('source_id')
      .ignore();
    const won = await this.db('source_schedules')
      .where({ source_id: source.id })
      .andWhere('last_slot', '<', slotIso)
      .update({ last_slot: slotIso, updated_at: nowIso() });
    return won === 1;
  }

  private async arm(): Promise<void> {
    if (this.stopped) return;
    const now = this.clock.now();
    let wake = now + this.maxSleepMs;
    for (const source of await this.scheduledSources()) {
      const next = nextSlot(source.schedule, now);
      if (next !== null && next < wake) wake = next;
    }
    this.timer = this.clock.setTimer(() => this.onTimer(), Math.max(0, wake - now));
  }

  private onTimer(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const run = this.tick()
      .catch((err: unknown) => this.log.error('schedule check failed', { error: errorMessage(err) }))
      .then(() => this.arm())
      .catch((err: unknown) => this.log.error('could not arm the scheduler', { error: errorMessage(err) }));
    this.current = run;
  }
}

/** Sets or clears a source's schedule; a new schedule counts from now, so past slots do not fire. */
export async function setSourceSchedule(db: Knex, sourceId: number, schedule: string | null): Promise<void> {
  const now = nowIso();
  await db.transaction(async (trx) => {
    await trx('sources').where({ id: sourceId }).update({ schedule, updated_at: now });
    if (schedule === null) await trx('source_schedules').where({ source_id: sourceId }).delete();
    else await trx('source_schedules').insert({ source_id: sourceId, last_slot: now, updated_at: now }).onConflict('source_id').merge();
  });
}
