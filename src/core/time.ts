/**
 * The one timestamp convention: ISO-8601 UTC strings with milliseconds ("2026-11-25T22:00:00.000Z"),
 * stored as text on SQLite and PostgreSQL alike, so they read back identical and sort as text.
 */
export type Timestamp = string;

export function nowIso(): Timestamp {
  return new Date().toISOString();
}

export function toIso(date: Date | number): Timestamp {
  return new Date(date).toISOString();
}

export function parseIso(ts: Timestamp): number {
  return Date.parse(ts);
}
