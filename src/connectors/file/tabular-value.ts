/**
 * A delimited-text cell as a JSON value: empty cells are missing (null), and numbers become
 * numbers only when that loses nothing ("42" → 42, but "007" and "5.10" stay text).
 */
export function cellValue(raw: string): string | number | null {
  if (raw === '') return null;
  const c = raw.charCodeAt(0);
  const numberish = (c >= 48 && c <= 57) || c === 45;
  if (numberish) {
    const n = Number(raw);
    if (Number.isFinite(n) && String(n) === raw) return n;
  }
  return raw;
}
