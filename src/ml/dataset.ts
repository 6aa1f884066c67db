import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { cellValue } from '../connectors/file/tabular-value.js';
import { InputError } from '../core/errors.js';

/** One labeled example as learning sees it: the item's raw features, its label and where it came from. */
export interface LabeledRow {
  id: number;
  features: Record<string, unknown>;
  label: string | null;
  /**
   * Multi-label rows: every label that applies (possibly none). `label` then holds the set's
   * canonical key (labelSetKey), which splitting stratifies on and cleaning compares.
   */
  labels?: string[];
  /** Rows sharing a group (same page, near-duplicates) always land in the same split. */
  group?: string;
  /** Set by cleaning: the id of the row this one nearly duplicates (kept in the same split). */
  nearDuplicateOf?: number;
}

/**
 * Reads a labeled CSV straight into rows, with the same cell typing as `trove import`
 * (numbers only when they round-trip exactly, empty cells missing). For tests and scripts.
 */
export function readCsvRows(file: string, labelField: string): LabeledRow[] {
  const records = parse(fs.readFileSync(file), { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
  if (records.length > 0 && !(labelField in records[0])) throw new InputError(`${file}: no column "${labelField}" to take labels from`);
  return records.map((record, index) => {
    const features: Record<string, unknown> = {};
    for (const [column, raw] of Object.entries(record)) if (column !== labelField) features[column] = cellValue(raw);
    const label = record[labelField];
    return { id: index + 1, features, label: label === undefined || label === '' ? null : label };
  });
}

/** One string per label set, equal for equal sets whatever their order: sorted, unique, as JSON. */
export function labelSetKey(labels: readonly string[]): string {
  return JSON.stringify([...new Set(labels)].sort());
}

export function labelsOfKey(key: string): string[] {
  return JSON.parse(key) as string[];
}

/** A multi-label field (an array of labels) as a sorted label set; null when the value is not one. */
export function labelSetOf(value: unknown): string[] | null {
  if (!Array.isArray(value)) return null;
  return [...new Set(value.map((v) => labelOf(v)).filter((v): v is string => v !== null))].sort();
}

/** The label field of a row as a string, or null when it has none. */
export function labelOf(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object' && value !== null && 'label' in value) return labelOf((value as { label: unknown }).label);
  return JSON.stringify(value);
}
