import { z } from 'zod';
import { InputError, UnprocessableError } from '../core/errors.js';

/**
 * What annotators produce for a project: one label, several labels, or text spans. Span offsets
 * are UTF-16 code units, the unit of JavaScript strings, so browser selections map onto them.
 */
export const SCHEMA_KINDS = ['single', 'multi', 'spans'] as const;
export type SchemaKind = (typeof SCHEMA_KINDS)[number];

const colorSchema = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour is #rrggbb');
const labelSchema = z.object({
  value: z.string().min(1).max(200),
  hotkey: z.string().regex(/^[a-z0-9]$/, 'a hotkey is one lower-case letter or digit').optional(),
  color: colorSchema.optional(),
  description: z.string().max(2000).optional(),
});

// Hotkeys the annotator UI keeps for itself: s skips.
const RESERVED_HOTKEYS = new Set(['s']);

export const labelSchemaSchema = z
  .object({
    kind: z.enum(SCHEMA_KINDS),
    labels: z.array(labelSchema).min(1).max(500),
    allowOverlap: z.boolean().optional(),
    instructions: z.string().max(100_000).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const values = new Set<string>();
    const keys = new Set<string>();
    s.labels.forEach((l, i) => {
      if (values.has(l.value)) ctx.addIssue({ code: 'custom', path: ['labels', i, 'value'], message: `duplicate label "${l.value}"` });
      values.add(l.value);
      if (l.hotkey) {
        if (RESERVED_HOTKEYS.has(l.hotkey)) ctx.addIssue({ code: 'custom', path: ['labels', i, 'hotkey'], message: `hotkey "${l.hotkey}" is reserved (skip)` });
        if (keys.has(l.hotkey)) ctx.addIssue({ code: 'custom', path: ['labels', i, 'hotkey'], message: `duplicate hotkey "${l.hotkey}"` });
        keys.add(l.hotkey);
      }
    });
  });
export type LabelSchema = z.infer<typeof labelSchemaSchema>;

const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** Parses a schema (file or request body) and fills in colours and hotkeys left out. */
export function parseLabelSchema(value: unknown, where: string): LabelSchema {
  const parsed = labelSchemaSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`${where}${issue?.path.length ? ` field ${issue.path.join('.')}` : ''}: ${issue?.message}`);
  }
  const used = new Set(parsed.data.labels.map((l) => l.hotkey).filter(Boolean));
  const free = '1234567890'.split('').filter((k) => !used.has(k));
  const nextColor = colorPicker(parsed.data.labels.map((l) => l.color));
  return {
    ...parsed.data,
    labels: parsed.data.labels.map((l) => ({
      ...l,
      color: l.color ?? nextColor(),
      hotkey: l.hotkey ?? (parsed.data.labels.length <= 10 ? free.shift() : undefined),
    })),
  };
}

/**
 * Hands out palette colours in order, skipping those the schema gives to other labels, so an
 * auto colour never repeats a chosen one; only once the palette is used up do colours repeat.
 */
function colorPicker(given: Array<string | undefined>): () => string {
  const taken = new Set(given.filter((c): c is string => c !== undefined).map((c) => c.toLowerCase()));
  const free = PALETTE.filter((c) => !taken.has(c));
  let next = 0;
  return () => {
    const pool = free.length > 0 ? free : PALETTE;
    return pool[next++ % pool.length];
  };
}

export interface Span {
  start: number;
  end: number;
  label: string;
}
export type LabelResult = { label: string } | { labels: string[] } | { spans: Span[] };

const resultSchema = z.union([
  z.object({ label: z.string() }).strict(),
  z.object({ labels: z.array(z.string()) }).strict(),
  z.object({ spans: z.array(z.object({ start: z.number().int(), end: z.number().int(), label: z.string() }).strict()) }).strict(),
]);

/**
 * Checks a result against the schema and the item's text; the 422 says what is wrong.
 * Multi-label results come back sorted and without duplicates, spans sorted by position.
 */
export function validateResult(schema: LabelSchema, value: unknown, text: string | null): LabelResult {
  const parsed = resultSchema.safeParse(value);
  if (!parsed.success) throw new UnprocessableError(`result must be ${expectedShape(schema.kind)}`);
  const result = parsed.data;
  const allowed = new Set(schema.labels.map((l) => l.value));
  const check = (label: string) => {
    if (!allowed.has(label)) throw new UnprocessableError(`label "${label}" is not in the project's schema`, { label });
  };
  if (schema.kind === 'single') {
    if (!('label' in result)) throw new UnprocessableError(`result must be ${expectedShape(schema.kind)}`);
    check(result.label);
    return { label: result.label };
  }
  if (schema.kind === 'multi') {
    if (!('labels' in result)) throw new UnprocessableError(`result must be ${expectedShape(schema.kind)}`);
    result.labels.forEach(check);
    return { labels: [...new Set(result.labels)].sort() };
  }
  if (!('spans' in result)) throw new UnprocessableError(`result must be ${expectedShape(schema.kind)}`);
  const length = text?.length ?? 0;
  const spans = [...result.spans].sort((a, b) => a.start - b.start || a.end - b.end);
  spans.forEach((s, i) => {
    check(s.label);
    if (s.start < 0 || s.end > length || s.start >= s.end) {
      throw new UnprocessableError(`span ${s.start}-${s.end} is out of range for a text of ${length} UTF-16 code units`, { span: s });
    }
    if (splitsPair(text ?? '', s.start) || splitsPair(text ?? '', s.end)) {
      throw new UnprocessableError(`span ${s.start}-${s.end} cuts a character in half (an emoji or other character outside the BMP)`, { span: s });
    }
    const prev = spans[i - 1];
    if (!schema.allowOverlap && prev && s.start < prev.end) {
      throw new UnprocessableError(`spans ${prev.start}-${prev.end} and ${s.start}-${s.end} overlap, which this project does not allow`);
    }
  });
  return { spans };
}

function expectedShape(kind: SchemaKind): string {
  if (kind === 'single') return '{label: "x"} for this single-label project';
  if (kind === 'multi') return '{labels: ["x", ...]} for this multi-label project';
  return '{spans: [{start, end, label}]} for this span project';
}

/** The labels a result carries (span labels for span projects). */
export function resultLabels(result: LabelResult): string[] {
  if ('label' in result) return [result.label];
  if ('labels' in result) return result.labels;
  return result.spans.map((s) => s.label);
}

/** A result as one comparable string: equal answers give equal strings. */
export function canonicalAnswer(result: LabelResult): string {
  if ('label' in result) return result.label;
  if ('labels' in result) return JSON.stringify([...result.labels].sort());
  return JSON.stringify(result.spans.map((s) => [s.start, s.end, s.label]));
}

/** Whether offset `at` falls between the two halves of a surrogate pair. */
function splitsPair(text: string, at: number): boolean {
  const before = text.charCodeAt(at - 1);
  const after = text.charCodeAt(at);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
}
