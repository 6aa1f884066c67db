import { Cron } from 'croner';
import { checkSchedule } from '../core/schedule.js';

/** Schedules are read in UTC, so every process of a cluster agrees on when a slot falls. */
const CRON_OPTIONS = { paused: true, timezone: 'UTC' } as const;

function cron(expression: string): Cron {
  return new Cron(checkSchedule(expression), CRON_OPTIONS);
}

/** The most recent slot at or before `now` (ms), or null when the schedule never fired before it. */
export function latestSlot(expression: string, now: number): number | null {
  const [slot] = cron(expression).previousRuns(1, new Date(now + 1));
  return slot ? slot.getTime() : null;
}

/** The first slot strictly after `now` (ms), or null when the schedule never fires again. */
export function nextSlot(expression: string, now: number): number | null {
  const next = cron(expression).nextRun(new Date(now));
  return next ? next.getTime() : null;
}
