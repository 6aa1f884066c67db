import type { RecordInput } from './source.js';

export const PII_KINDS = ['email', 'phone', 'ip', 'card'] as const;
export type PiiKind = (typeof PII_KINDS)[number];

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
// 13–19 digits, optionally grouped by single spaces or dashes; confirmed by the Luhn check.
const CARD = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g;
const IPV4 = /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.])/g;
const IPV6 = /(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}(?![\w:])|(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,5})?(?![\w:])/g;
// An optional country code, an optional area code in brackets, then at least two groups of digits.
const PHONE = /(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,4}){1,3}(?![\w])/g;

const TOKEN: Record<PiiKind, string> = { email: '[EMAIL]', phone: '[PHONE]', ip: '[IP]', card: '[CARD]' };

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length >= 13 && sum % 10 === 0;
}

const DATE_LIKE = /^(?:\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4})$/;

function looksLikePhone(match: string): boolean {
  const digits = digitCount(match);
  return digits >= 7 && digits <= 15 && !DATE_LIKE.test(match);
}

function digitCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) n++;
  return n;
}

/**
 * Replaces personal data in record text, string fields and text payloads before the ingest path
 * hashes or stores anything, and counts what it replaced. Cards go before phones, because a card
 * number also looks like a long phone number.
 */
export class Redactor {
  readonly counts: Record<PiiKind, number> = { email: 0, phone: 0, ip: 0, card: 0 };
  private readonly kinds: ReadonlySet<PiiKind>;

  constructor(kinds: readonly PiiKind[]) {
    this.kinds = new Set(kinds);
  }

  redactText(text: string): string {
    let out = text;
    if (this.kinds.has('email')) out = this.replace(out, EMAIL, 'email');
    if (this.kinds.has('card')) out = this.replace(out, CARD, 'card', (m) => luhnValid(m.replace(/[ -]/g, '')));
    if (this.kinds.has('ip')) out = this.replace(this.replace(out, IPV4, 'ip'), IPV6, 'ip');
    if (this.kinds.has('phone')) out = this.replace(out, PHONE, 'phone', looksLikePhone);
    return out;
  }

  redactRecord(record: RecordInput): RecordInput {
    return {
      ...record,
      text: typeof record.text === 'string' ? this.redactText(record.text) : record.text,
      fields: record.fields === undefined ? undefined : (this.redactValue(record.fields) as Record<string, unknown>),
      raw: this.redactRaw(record.raw),
    };
  }

  /** The run's stats entries: `redacted.email`, … (only kinds that matched). */
  stats(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const kind of PII_KINDS) if (this.counts[kind] > 0) out[`redacted.${kind}`] = this.counts[kind];
    return out;
  }

  private replace(text: string, pattern: RegExp, kind: PiiKind, accept?: (match: string) => boolean): string {
    return text.replace(pattern, (match) => {
      if (accept && !accept(match)) return match;
      this.counts[kind]++;
      return TOKEN[kind];
    });
  }

  private redactValue(value: unknown): unknown {
    if (typeof value === 'string') return this.redactText(value);
    if (Array.isArray(value)) return value.map((v) => this.redactValue(v));
    if (value !== null && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.redactValue(v);
      return out;
    }
    return value;
  }

  /** Text payloads (pages, API answers) are redacted too; binary ones cannot hold matchable text. */
  private redactRaw(raw: Buffer | string | undefined): Buffer | string | undefined {
    if (typeof raw === 'string') return this.redactText(raw);
    if (raw && isUtf8(raw)) return Buffer.from(this.redactText(raw.toString('utf8')), 'utf8');
    return raw;
  }
}

function isUtf8(buf: Buffer): boolean {
  return !buf.subarray(0, 8000).includes(0) && Buffer.from(buf.toString('utf8'), 'utf8').equals(buf);
}

/** The redactor a source's config asks for (`"redact": [...]`), if any. */
export function redactorFor(config: unknown): Redactor | undefined {
  if (config === null || typeof config !== 'object') return undefined;
  const kinds = (config as { redact?: unknown }).redact;
  if (!Array.isArray(kinds) || kinds.length === 0) return undefined;
  return new Redactor(kinds.filter((k): k is PiiKind => (PII_KINDS as readonly string[]).includes(k as string)));
}
