/**
 * Feed dates as feedparser reads them: RFC 822 (with its common variants: no weekday, full month
 * names, two-digit years, US zone names), W3C-DTF and ISO 8601 (basic, reduced, two-digit-year and
 * ordinal forms), asctime and Perforce's `YYYY/MM/DD`. A string that is none of these, or names a
 * day that does not exist, reads as undefined, so the caller keeps it as text: never a guessed date.
 */
export function parseFeedDate(text: string): string | undefined {
  const value = text.trim();
  if (!value) return undefined;
  for (const reader of READERS) {
    const parts = reader(value);
    if (parts) return parts === 'invalid' ? undefined : toIso(parts);
  }
  return undefined;
}

interface DateParts {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
  millis?: number;
  /** Minutes east of UTC; a date without a zone is read as UTC, as feedparser does. */
  offset?: number;
}

type Reader = (value: string) => DateParts | 'invalid' | undefined;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** RFC 822's zone names and the US ones feeds use; feedparser reads `ET` as Eastern standard. */
const ZONES: Record<string, number> = {
  gmt: 0, ut: 0, utc: 0, z: 0,
  est: -300, edt: -240, et: -300, cst: -360, cdt: -300, ct: -360,
  mst: -420, mdt: -360, mt: -420, pst: -480, pdt: -420, pt: -480,
};

const ZONE = '([A-Za-z]{1,3}|[+-]\\d{2}:?\\d{2})';

function zoneOffset(zone: string | undefined): number | undefined | 'invalid' {
  if (zone === undefined) return undefined;
  const numeric = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (numeric) return (numeric[1] === '-' ? -1 : 1) * (Number(numeric[2]) * 60 + Number(numeric[3]));
  return ZONES[zone.toLowerCase()] ?? 'invalid';
}

function monthNumber(name: string): number | undefined {
  const index = MONTHS.indexOf(name.slice(0, 3).toLowerCase());
  if (index < 0) return undefined;
  const full = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'][index];
  return name.length === 3 || name.toLowerCase() === full ? index + 1 : undefined;
}

/** Two-digit years as RFC 5322 reads them: 00–49 in this century, 50–99 in the last. */
function fullYear(year: string): number {
  const n = Number(year);
  if (year.length > 2) return n;
  return n < 50 ? 2000 + n : 1900 + n;
}

function withZone(parts: DateParts, zone: string | undefined): DateParts | 'invalid' {
  const offset = zoneOffset(zone);
  return offset === 'invalid' ? 'invalid' : { ...parts, offset };
}

const RFC822 = new RegExp(`^(?:[A-Za-z]+,\\s*)?(\\d{1,2})\\s+([A-Za-z]+)\\s+(\\d{2}|\\d{4})(?:\\s+(\\d{1,2}):(\\d{2})(?::(\\d{2}))?)?(?:\\s*${ZONE})?$`);

const rfc822: Reader = (value) => {
  const m = RFC822.exec(value);
  if (!m) return undefined;
  const month = monthNumber(m[2]);
  if (month === undefined) return 'invalid';
  return withZone({ year: fullYear(m[3]), month, day: Number(m[1]), hour: num(m[4]), minute: num(m[5]), second: num(m[6]) }, m[7]);
};

const ASCTIME = new RegExp(`^[A-Za-z]{3}\\s+([A-Za-z]{3})\\s+(\\d{1,2})\\s+(\\d{2}):(\\d{2}):(\\d{2})(?:\\s+${ZONE})?\\s+(\\d{4})$`);

const asctime: Reader = (value) => {
  const m = ASCTIME.exec(value);
  if (!m) return undefined;
  const month = monthNumber(m[1]);
  if (month === undefined) return 'invalid';
  return withZone({ year: Number(m[7]), month, day: Number(m[2]), hour: num(m[3]), minute: num(m[4]), second: num(m[5]) }, m[6]);
};

const PERFORCE = new RegExp(`^(?:[A-Za-z]+,\\s*)?(\\d{4})/(\\d{2})/(\\d{2})\\s+(\\d{2}):(\\d{2}):(\\d{2})(?:\\s*${ZONE})?$`);

const perforce: Reader = (value) => {
  const m = PERFORCE.exec(value);
  if (!m) return undefined;
  return withZone({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: num(m[4]), minute: num(m[5]), second: num(m[6]) }, m[7]);
};

const ISO_ZONE = '\\s*(Z|[+-]\\d{2}(?::?\\d{2})?)?';
const ISO_TIME = `(?:[T ](\\d{2}):?(\\d{2})(?::?(\\d{2})(?:[.,](\\d+))?)?)?${ISO_ZONE}`;
const ISO_EXTENDED = new RegExp(`^(\\d{4})-(\\d{2})-(\\d{2})${ISO_TIME}$`);
const ISO_BASIC = new RegExp(`^(\\d{4})(\\d{2})(\\d{2})${ISO_TIME}$`);

function isoZone(zone: string | undefined): string | undefined {
  if (zone === undefined || zone === 'Z') return zone;
  return zone.length === 3 ? `${zone}00` : zone;
}

function isoWithTime(m: RegExpExecArray, year: number): DateParts | 'invalid' {
  const millis = m[7] === undefined ? undefined : Number(m[7].slice(0, 3).padEnd(3, '0'));
  return withZone({ year, month: Number(m[2]), day: Number(m[3]), hour: num(m[4]), minute: num(m[5]), second: num(m[6]), millis }, isoZone(m[8]));
}

const isoCalendar: Reader = (value) => {
  const m = ISO_EXTENDED.exec(value) ?? ISO_BASIC.exec(value);
  return m ? isoWithTime(m, Number(m[1])) : undefined;
};

/** The reduced and truncated forms feedparser reads: `2003-12`, `2003`, `031231`, `03-12-31`, `-03-12`. */
const isoReduced: Reader = (value) => {
  let m = /^(\d{4})-(\d{2})$/.exec(value);
  if (m) return { year: Number(m[1]), month: Number(m[2]), day: 1 };
  m = /^(\d{4})$/.exec(value);
  if (m) return { year: Number(m[1]), month: 1, day: 1 };
  m = /^(\d{2})-?(\d{2})-?(\d{2})$/.exec(value);
  if (m) return { year: fullYear(m[1]), month: Number(m[2]), day: Number(m[3]) };
  m = /^-(\d{2})-?(\d{2})$/.exec(value);
  if (m) return { year: fullYear(m[1]), month: Number(m[2]), day: 1 };
  return undefined;
};

/** Ordinal dates (`2003-335`, `03335`): the day of the year. */
const isoOrdinal: Reader = (value) => {
  const m = /^(\d{4})-?(\d{3})$/.exec(value) ?? /^(\d{2})(\d{3})$/.exec(value);
  if (!m) return undefined;
  const year = fullYear(m[1]);
  const dayOfYear = Number(m[2]);
  if (dayOfYear < 1 || dayOfYear > (isLeap(year) ? 366 : 365)) return 'invalid';
  const date = new Date(Date.UTC(year, 0, dayOfYear));
  return { year, month: date.getUTCMonth() + 1, day: date.getUTCDate() };
};

const READERS: Reader[] = [rfc822, isoCalendar, isoReduced, isoOrdinal, asctime, perforce];

function num(s: string | undefined): number | undefined {
  return s === undefined ? undefined : Number(s);
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysIn(year: number, month: number): number {
  return [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

function toIso(p: DateParts): string | undefined {
  const { hour = 0, minute = 0, second = 0, millis = 0, offset = 0 } = p;
  if (p.month < 1 || p.month > 12 || p.day < 1 || p.day > daysIn(p.year, p.month)) return undefined;
  // A leap second (:60) rolls over into the next minute, as feedparser reads it.
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  // setUTCFullYear, unlike Date.UTC, does not read years 0–99 as 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(p.year, p.month - 1, p.day);
  date.setUTCHours(hour, minute, second, millis);
  return new Date(date.getTime() - offset * 60_000).toISOString();
}
