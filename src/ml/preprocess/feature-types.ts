import { InputError } from '../../core/errors.js';
import type { FeatureType } from '../predictor-contract.js';
import type { LabeledRow } from '../dataset.js';

export type FeatureSetting = FeatureType | 'ignore';

export interface FeaturePlan {
  name: string;
  type: FeatureType;
}

const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;

/** A number, or text that spells one ("5.10" stays text on import to keep its digits). */
export function numericValue(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const t = value.trim();
    if (NON_FINITE.test(t)) return /nan/i.test(t) ? Number.NaN : t.startsWith('-') ? -Infinity : Infinity;
    const n = Number(value);
    return Number.isNaN(n) ? null : n;
  }
  return null;
}

export function isMissing(value: unknown): boolean {
  return value === null || value === undefined || value === '';
}

function inferOne(values: unknown[]): FeatureType | 'ignore' {
  const present = values.filter((v) => !isMissing(v));
  if (present.length === 0) return 'ignore';
  if (present.every((v) => Array.isArray(v) && v.every((x) => typeof x === 'number'))) return 'pixels';
  if (present.every((v) => numericValue(v) !== null)) return 'numeric';
  const objects = present.filter((v) => typeof v === 'object');
  // Mostly text with an object here and there is a text field with bad rows (refused by name), not a nested one.
  if (objects.length) return objects.length < present.length && inferOne(present.filter((v) => typeof v !== 'object')) === 'text' ? 'text' : 'ignore';
  const strings = present.map(String);
  const distinct = new Set(strings).size;
  const avgWords = strings.reduce((n, s) => n + s.split(/\s+/).length, 0) / strings.length;
  const fewDistinct = distinct <= Math.max(20, Math.sqrt(strings.length) * 2);
  return avgWords <= 3 && fewDistinct ? 'categorical' : 'text';
}

/**
 * Decides each feature's type from the training rows, with `overrides` (the config's `features`)
 * taking precedence. A config naming a field no row has is an error, not a silent no-op.
 */
export function inferFeatureTypes(rows: LabeledRow[], overrides: Record<string, FeatureSetting>): FeaturePlan[] {
  const names = new Set<string>();
  for (const row of rows) for (const name of Object.keys(row.features)) names.add(name);
  const unknown = Object.keys(overrides).filter((name) => !names.has(name));
  if (unknown.length) {
    throw new InputError(`config features: unknown feature${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')} (the snapshot has: ${[...names].slice(0, 20).join(', ')})`);
  }
  const plans: FeaturePlan[] = [];
  for (const name of [...names].sort(naturalOrder)) {
    const type = overrides[name] ?? inferOne(rows.map((r) => r.features[name]));
    if (type !== 'ignore') plans.push({ name, type });
  }
  if (plans.length === 0) {
    const empty = [...names].filter((name) => rows.every((r) => isMissing(r.features[name])));
    const which = empty.length ? `; empty on every row: ${empty.map((n) => `"${n}"`).join(', ')}` : '';
    throw new InputError(`the snapshot has no usable feature (every field is empty, nested or ignored${which})`);
  }
  return plans;
}

/** px_2 before px_10: the order humans (and pixel grids) expect. */
export function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
