/**
 * The one timestamp convention: ISO-8601 UTC strings with milliseconds ("2026-11-25T22:00:00.000Z"),
 * stored as text on SQLite and PostgreSQL alike, so they read back identical and sort as text.
 */
export type Timestamp = string;

let lastMs = 0;
let lastIso = new Date(0).toISOString();

/** Now as ISO text; formatted once per millisecond, since ingest asks for it per record. */
export function nowIso(): Timestamp {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

export function toIso(date: Date | number): Timestamp {
  return new Date(date).toISOString();
}

export function parseIso(ts: Timestamp): number {
  return Date.parse(ts);
}
