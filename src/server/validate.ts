import type { z } from 'zod';
import { InputError } from '../core/errors.js';

/** Parses request input at the edge; the 400 names the offending field. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.length ? issue.path.join('.') : undefined;
  throw new InputError(`${where}${field ? ` field ${field}` : ''}: ${issue?.message ?? 'invalid'}`, field ? { field } : undefined);
}
