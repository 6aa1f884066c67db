import { labelsOfKey } from '../dataset.js';
import type { SnapshotRow } from './snapshot-row.js';

/** What a snapshot holds and where it came from, in the spirit of "Datasheets for Datasets". */
export interface Datasheet {
  rows: number;
  /** Multi-label rows hold a label set (their `label` is its labelSetKey); absent in older snapshots. */
  task?: SnapshotTask;
  /** `spans`: answers of span (NER) projects, which a classifier cannot learn from. */
  excluded: { unlabeled: number; lowConfidence: number; spans: number };
  classes: number;
  labelDistribution: Record<string, number>;
  fields: string[];
  agreement: { meanConfidence: number; unanimous: number; annotatedItems: number } | null;
  sources: Array<{ name: string; kind: string; items: number; licence: string | null }>;
  createdAt: string;
}

export type SnapshotTask = 'single-label' | 'multi-label';

/** Rows per class, or for multi-label snapshots rows per label (a row counts once for each of its labels). */
export function labelDistribution(rows: SnapshotRow[], task: SnapshotTask = 'single-label'): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of rows) for (const l of task === 'multi-label' ? labelsOfKey(r.label) : [r.label]) counts[l] = (counts[l] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]));
}

export function fieldNames(rows: SnapshotRow[]): string[] {
  const names = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r.features)) names.add(k);
  return [...names].sort();
}
