import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { InputError } from '../../core/errors.js';
import type { TabularRow } from './delimited-reader.js';

type ArffType =
  | { kind: 'numeric' }
  | { kind: 'string' }
  | { kind: 'nominal'; values: string[] }
  | { kind: 'date'; parse: (text: string) => string | undefined; format: string };

export interface ArffAttribute {
  name: string;
  type: ArffType;
}

/**
 * Streams Weka/OpenML ARFF: numeric, nominal, string and date attributes, dense and sparse
 * rows, `?` for a missing value, `%` comments (also after a header line or a row) and an
 * optional `{weight}` after a row, kept as the field `weight` (`arff_weight` when an attribute
 * is already named so). A bad line stops with file, line and reason.
 */
export async function* readArff(stream: Readable, opts: { file: string }): AsyncGenerator<TabularRow> {
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  const attributes: ArffAttribute[] = [];
  let inData = false;
  let lineNo = 0;
  let weightField = 'weight';
  for await (const raw of lines) {
    lineNo++;
    const line = withoutComment(raw).trim();
    if (line === '') continue;
    const where = `${opts.file}:${lineNo}`;
    if (!inData) {
      const directive = /^@(\w+)\s*(.*)$/.exec(line);
      if (!directive) throw new InputError(`${where}: expected @relation, @attribute or @data`);
      const name = directive[1].toLowerCase();
      if (name === 'attribute') attributes.push(parseAttribute(directive[2], where));
      else if (name === 'data') {
        if (attributes.length === 0) throw new InputError(`${where}: @data before any @attribute`);
        if (attributes.some((a) => a.name === 'weight')) weightField = 'arff_weight';
        inData = true;
      } else if (name !== 'relation') throw new InputError(`${where}: unknown directive @${directive[1]}`);
      continue;
    }
    const { body, weight } = splitWeight(line, where);
    const values = body.startsWith('{') ? sparseRow(body, attributes, where) : denseRow(body, attributes, where);
    if (weight !== undefined) values[weightField] = weight;
    yield { line: lineNo, values };
  }
  if (!inData) throw new InputError(`${opts.file}: no @data section`);
}

/** The attribute names of an ARFF header, without reading its data. */
export async function arffColumns(stream: Readable, file: string): Promise<string[]> {
  const names: string[] = [];
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let lineNo = 0;
  for await (const raw of lines) {
    lineNo++;
    const line = withoutComment(raw).trim();
    if (/^@data\b/i.test(line)) break;
    const m = /^@attribute\s+(.*)$/i.exec(line);
    if (m) names.push(parseAttribute(m[1], `${file}:${lineNo}`).name);
  }
  stream.destroy();
  return names;
}

function parseAttribute(rest: string, where: string): ArffAttribute {
  const [name, after] = takeToken(rest, where);
  const spec = after.trim();
  if (spec.startsWith('{')) {
    if (!spec.endsWith('}')) throw new InputError(`${where}: nominal attribute "${name}" has no closing brace`);
    return { name, type: { kind: 'nominal', values: splitValues(spec.slice(1, -1), where) } };
  }
  const [typeWord, typeRest] = takeToken(spec, where);
  switch (typeWord.toLowerCase()) {
    case 'numeric':
    case 'real':
    case 'integer':
      return { name, type: { kind: 'numeric' } };
    case 'string':
      return { name, type: { kind: 'string' } };
    case 'date': {
      const format = typeRest.trim() === '' ? "yyyy-MM-dd'T'HH:mm:ss" : takeToken(typeRest.trim(), where)[0];
      return { name, type: { kind: 'date', format, parse: dateParser(format) } };
    }
    default:
      throw new InputError(`${where}: attribute "${name}" has type ${typeWord}, which is not supported (numeric, nominal, string, date)`);
  }
}

/** One name or value: bare, or quoted with ' or " and backslash escapes. Returns it and the rest. */
function takeToken(text: string, where: string): [string, string] {
  const s = text.trimStart();
  const q = s[0];
  if (q === "'" || q === '"') {
    let out = '';
    for (let i = 1; i < s.length; i++) {
      if (s[i] === '\\' && i + 1 < s.length) out += unescape(s[++i]);
      else if (s[i] === q) return [out, s.slice(i + 1)];
      else out += s[i];
    }
    throw new InputError(`${where}: a quoted value is never closed`);
  }
  const m = /^[^\s,{}]+/.exec(s);
  if (!m) throw new InputError(`${where}: expected a name or value`);
  return [m[0], s.slice(m[0].length)];
}

function unescape(c: string): string {
  return c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c;
}

/** Comma-separated values, each possibly quoted; `?` stays `?` and the caller reads it as missing. */
function splitValues(text: string, where: string): string[] {
  const out: string[] = [];
  let rest = text.trim();
  while (rest.length) {
    const quoted = rest[0] === "'" || rest[0] === '"';
    if (quoted) {
      const [value, after] = takeToken(rest, where);
      out.push(value);
      rest = after.trim();
    } else {
      const comma = rest.indexOf(',');
      out.push((comma < 0 ? rest : rest.slice(0, comma)).trim());
      rest = comma < 0 ? '' : rest.slice(comma);
    }
    if (rest.startsWith(',')) rest = rest.slice(1).trim();
    else if (rest.length) throw new InputError(`${where}: expected a comma after a value`);
  }
  return out;
}

function isQuoted(text: string): boolean {
  return text.startsWith("'") || text.startsWith('"');
}

function convert(raw: string, quoted: boolean, attr: ArffAttribute, where: string): unknown {
  if (raw === '?' && !quoted) return null;
  switch (attr.type.kind) {
    case 'numeric': {
      const n = Number(raw);
      if (raw === '' || !Number.isFinite(n)) throw new InputError(`${where}: attribute "${attr.name}": "${raw}" is not a number`);
      return n;
    }
    case 'nominal':
      if (!attr.type.values.includes(raw)) throw new InputError(`${where}: attribute "${attr.name}": "${raw}" is not one of {${attr.type.values.join(',')}}`);
      return raw;
    case 'date': {
      const iso = attr.type.parse(raw);
      if (iso === undefined) throw new InputError(`${where}: attribute "${attr.name}": "${raw}" does not match the date format ${attr.type.format}`);
      return iso;
    }
    default:
      return raw;
  }
}

/** A line up to its first `%` outside quotes: Weka reads the rest as a comment. */
function withoutComment(line: string): string {
  if (!line.includes('%')) return line;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '%') return line.slice(0, i);
  }
  return line;
}

/** A row and its instance weight, written `, {w}` after the values (Weka's default weight is 1). */
function splitWeight(line: string, where: string): { body: string; weight?: number } {
  const m = /^(.*[^\s,]),\s*\{([^{}]*)\}\s*$/s.exec(line);
  if (!m) return { body: line };
  const weight = Number(m[2].trim());
  if (m[2].trim() === '' || !Number.isFinite(weight)) throw new InputError(`${where}: instance weight "{${m[2]}}" is not a number`);
  return { body: m[1], weight };
}

function denseRow(body: string, attributes: ArffAttribute[], where: string): Record<string, unknown> {
  const raws = rawValues(body, where);
  if (raws.length !== attributes.length) throw new InputError(`${where}: expected ${attributes.length} values, found ${raws.length}`);
  const values: Record<string, unknown> = {};
  attributes.forEach((attr, i) => {
    values[attr.name] = convert(raws[i].value, raws[i].quoted, attr, where);
  });
  return values;
}

/** Sparse rows list only non-zero values: `{index value, …}`; the rest are 0 (the first label of a nominal). */
function sparseRow(body: string, attributes: ArffAttribute[], where: string): Record<string, unknown> {
  if (!body.endsWith('}')) throw new InputError(`${where}: a sparse row must end with "}"`);
  const values: Record<string, unknown> = {};
  for (const attr of attributes) values[attr.name] = attr.type.kind === 'numeric' ? 0 : attr.type.kind === 'nominal' ? attr.type.values[0] : null;
  const inner = body.slice(1, -1).trim();
  if (inner === '') return values;
  for (const entry of rawValues(inner, where)) {
    const m = /^(\d+)\s+([\s\S]*)$/.exec(entry.value);
    if (!m) throw new InputError(`${where}: a sparse entry must be "index value", got "${entry.value}"`);
    const index = Number(m[1]);
    const attr = attributes[index];
    if (!attr) throw new InputError(`${where}: sparse index ${index} is past the last attribute (${attributes.length - 1})`);
    const text = m[2].trim();
    const quoted = isQuoted(text);
    values[attr.name] = convert(quoted ? takeToken(text, where)[0] : text, quoted, attr, where);
  }
  return values;
}

interface RawValue {
  value: string;
  quoted: boolean;
}

/** Splits a row on commas outside quotes, keeping whether each value was quoted. */
function rawValues(text: string, where: string): RawValue[] {
  const out: RawValue[] = [];
  let i = 0;
  while (i <= text.length) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    const start = i;
    let quoted = false;
    let value = '';
    let inQuote: string | undefined;
    for (; i < text.length; i++) {
      const c = text[i];
      if (inQuote) {
        if (c === '\\' && i + 1 < text.length) value += unescape(text[++i]);
        else if (c === inQuote) inQuote = undefined;
        else value += c;
      } else if (c === ',') break;
      else if ((c === "'" || c === '"') && i === start) {
        inQuote = c;
        quoted = true;
      } else value += c;
    }
    if (inQuote) throw new InputError(`${where}: a quoted value is never closed`);
    out.push({ value: quoted ? value : value.trim(), quoted });
    i++;
  }
  return out;
}

const DATE_TOKENS: Record<string, [string, string]> = {
  yyyy: ['(\\d{4})', 'year'],
  yy: ['(\\d{2})', 'year2'],
  MM: ['(\\d{1,2})', 'month'],
  dd: ['(\\d{1,2})', 'day'],
  HH: ['(\\d{1,2})', 'hour'],
  mm: ['(\\d{1,2})', 'minute'],
  ss: ['(\\d{1,2})', 'second'],
  // Java reads milliseconds as a count of any digits; Weka's strict parsing refuses one over 999.
  SSS: ['(\\d+)', 'ms'],
  SS: ['(\\d+)', 'ms'],
  S: ['(\\d+)', 'ms'],
  // Java's Z and z both read RFC 822 offsets and zone names (`+0430`, `UTC`, `GMT+04:30`).
  Z: ['([+-]\\d{4}|GMT[+-]\\d{1,2}:\\d{2}|[A-Za-z]{1,5})', 'zone'],
  z: ['([+-]\\d{4}|GMT[+-]\\d{1,2}:\\d{2}|[A-Za-z]{1,5})', 'zone'],
  X: ['(Z|[+-]\\d{2}(?::?\\d{2})?)', 'zone'],
};

const ZONE_NAMES: Record<string, number> = { UTC: 0, GMT: 0, UT: 0, Z: 0, EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420 };

/** Minutes east of UTC of a zone as Java's date patterns write it, or undefined when unknown. */
function zoneMinutes(zone: string): number | undefined {
  const offset = /^(?:GMT)?([+-])(\d{1,2}):?(\d{2})?$/.exec(zone);
  if (offset) return (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3] ?? 0));
  return ZONE_NAMES[zone.toUpperCase()];
}

/** A parser for a Java SimpleDateFormat pattern as ARFF uses it; values come out as ISO-8601 UTC. */
function dateParser(format: string): (text: string) => string | undefined {
  let pattern = '';
  const parts: string[] = [];
  for (let i = 0; i < format.length; ) {
    if (format[i] === "'") {
      const end = format.indexOf("'", i + 1);
      pattern += escapeRegex(format.slice(i + 1, end < 0 ? undefined : end));
      i = end < 0 ? format.length : end + 1;
      continue;
    }
    const token = Object.keys(DATE_TOKENS).find((t) => format.startsWith(t, i));
    if (token) {
      pattern += DATE_TOKENS[token][0];
      parts.push(DATE_TOKENS[token][1]);
      i += token.length;
    } else {
      pattern += escapeRegex(format[i]);
      i++;
    }
  }
  const re = new RegExp(`^${pattern}$`);
  return (text) => {
    const m = re.exec(text.trim());
    if (!m) return undefined;
    const v: Record<string, number> = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, ms: 0, zone: 0 };
    for (let i = 0; i < parts.length; i++) {
      const text = m[i + 1];
      if (parts[i] === 'zone') {
        const minutes = zoneMinutes(text);
        if (minutes === undefined) return undefined;
        v.zone = minutes;
      } else if (parts[i] === 'year2') v.year = Number(text) < 70 ? 2000 + Number(text) : 1900 + Number(text);
      else v[parts[i]] = Number(text);
    }
    if (v.hour > 23 || v.minute > 59 || v.second > 59 || v.ms > 999) return undefined;
    const date = new Date(Date.UTC(v.year, v.month - 1, v.day));
    if (date.getUTCMonth() !== v.month - 1 || date.getUTCDate() !== v.day) return undefined;
    date.setUTCHours(v.hour, v.minute - v.zone, v.second, v.ms);
    return date.toISOString();
  };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
