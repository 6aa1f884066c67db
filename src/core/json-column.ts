/**
 * The one JSON convention: JSON values are stored as text on both databases and parsed on read,
 * so a value reads back exactly as written whichever store holds it.
 */
export function toJsonColumn(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function fromJsonColumn<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  return JSON.parse(text) as T;
}
