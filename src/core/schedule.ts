import { Cron } from 'croner';
import { InputError } from './errors.js';

/** Validates a cron expression (5 or 6 fields); the error says why it is not one. */
export function checkSchedule(expression: string): string {
  try {
    new Cron(expression, { paused: true }).stop();
  } catch (err) {
    throw new InputError(`schedule "${expression}" is not a valid cron expression: ${(err as Error).message}`);
  }
  return expression;
}
