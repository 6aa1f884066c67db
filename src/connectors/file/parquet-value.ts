/**
 * Parquet values as JSON. Integers are numbers when exact, else text; floats are numbers, with
 * NaN and ±Infinity as the text `NaN`, `Infinity`, `-Infinity` (JSON has no such numbers); bytes
 * without a string type are base64; decimals are numbers when a double holds them exactly, else
 * their exact text; dates and timestamps are ISO-8601 UTC text computed from the stored integers
 * (nanoseconds kept when present, years beyond 9999 in ISO's expanded `+YYYYYY` form).
 */
export function parquetValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return exactInteger(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(parquetValue);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = parquetValue(v);
    return out;
  }
  return value;
}

function exactInteger(value: bigint): number | string {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value.toString();
}

const NANOS_PER_DAY = 86_400_000_000_000n;
const NANOS_PER_SECOND = 1_000_000_000n;

/** Days since 1970-01-01 as a proleptic Gregorian year, month and day (Hinnant's civil_from_days). */
function civilFromDays(days: bigint): [bigint, bigint, bigint] {
  const z = days + 719_468n;
  const era = (z >= 0n ? z : z - 146_096n) / 146_097n;
  const dayOfEra = z - era * 146_097n;
  const yearOfEra = (dayOfEra - dayOfEra / 1460n + dayOfEra / 36_524n - dayOfEra / 146_096n) / 365n;
  const dayOfYear = dayOfEra - (365n * yearOfEra + yearOfEra / 4n - yearOfEra / 100n);
  const shiftedMonth = (5n * dayOfYear + 2n) / 153n;
  const day = dayOfYear - (153n * shiftedMonth + 2n) / 5n + 1n;
  const month = shiftedMonth < 10n ? shiftedMonth + 3n : shiftedMonth - 9n;
  const year = yearOfEra + era * 400n + (month <= 2n ? 1n : 0n);
  return [year, month, day];
}

function pad(n: bigint, width: number): string {
  return n.toString().padStart(width, '0');
}

function isoYear(year: bigint): string {
  if (year >= 0n && year <= 9999n) return pad(year, 4);
  return (year < 0n ? '-' : '+') + pad(year < 0n ? -year : year, 6);
}

/** Milliseconds always, as Date.toISOString writes them; micro- or nanoseconds when they are not zero. */
function fraction(nanos: bigint): string {
  if (nanos % 1_000_000n === 0n) return '.' + pad(nanos / 1_000_000n, 3);
  if (nanos % 1000n === 0n) return '.' + pad(nanos / 1000n, 6);
  return '.' + pad(nanos, 9);
}

/** A time of day (nanoseconds since midnight) as `HH:MM:SS.fff`. */
export function timeFromNanos(nanosOfDay: bigint): string {
  const seconds = nanosOfDay / NANOS_PER_SECOND;
  return `${pad(seconds / 3600n, 2)}:${pad((seconds / 60n) % 60n, 2)}:${pad(seconds % 60n, 2)}${fraction(nanosOfDay % NANOS_PER_SECOND)}`;
}

/** Nanoseconds since the epoch as ISO-8601 UTC text. */
export function isoFromNanos(nanos: bigint): string {
  let days = nanos / NANOS_PER_DAY;
  let ofDay = nanos % NANOS_PER_DAY;
  if (ofDay < 0n) {
    ofDay += NANOS_PER_DAY;
    days -= 1n;
  }
  const [year, month, day] = civilFromDays(days);
  return `${isoYear(year)}-${pad(month, 2)}-${pad(day, 2)}T${timeFromNanos(ofDay)}Z`;
}

/** Days since the epoch (a Parquet DATE) as ISO-8601 UTC text at midnight. */
export function isoFromDays(days: number): string {
  return isoFromNanos(BigInt(days) * NANOS_PER_DAY);
}

/** A decimal's unscaled integer as a number when a double holds it exactly, else as exact text. */
export function decimalValue(unscaled: bigint, scale: number): number | string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = (negative ? '-' : '') + (scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits);
  const shortest = scale > 0 ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  const n = Number(shortest);
  if (String(n) === shortest || (n === 0 && /^-?0$/.test(shortest))) return n;
  return text;
}

/** A big-endian two's-complement integer, as Parquet stores decimals in byte arrays. */
export function signedBigEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  const bits = BigInt(bytes.length * 8);
  return bytes.length > 0 && bytes[0] & 0x80 ? value - (1n << bits) : value;
}
