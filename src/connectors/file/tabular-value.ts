/**
 * A delimited-text cell as a JSON value: empty cells are missing (null), and numbers become
 * numbers only when that loses nothing ("42" → 42, but "007" and "5.10" stay text).
 */
export function cellValue(raw: string): string | number | null {
  if (raw === '') return null;
  return isExactNumber(raw) ? Number(raw) : raw;
}

/**
 * The JSON text of cellValue(raw), without making the value: a number that prints back as its
 * cell is the cell itself, so only text cells need JSON.stringify.
 */
export function cellJson(raw: string): string {
  if (raw === '') return 'null';
  return isExactNumber(raw) ? raw : JSON.stringify(raw);
}

function isExactNumber(raw: string): boolean {
  const c = raw.charCodeAt(0);
  if (!((c >= 48 && c <= 57) || c === 45)) return false;
  const n = Number(raw);
  return Number.isFinite(n) && String(n) === raw;
}
