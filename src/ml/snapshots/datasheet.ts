import type { SnapshotRow } from './snapshot-store.js';

/** What a snapshot holds and where it came from, in the spirit of "Datasheets for Datasets". */
export interface Datasheet {
  rows: number;
  excluded: { unlabeled: number; lowConfidence: number; multiLabel: number };
  classes: number;
  labelDistribution: Record<string, number>;
  fields: string[];
  agreement: { meanConfidence: number; unanimous: number; annotatedItems: number } | null;
  sources: Array<{ name: string; kind: string; items: number; licence: string | null }>;
  createdAt: string;
}

export function labelDistribution(rows: SnapshotRow[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r.label] = (counts[r.label] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]));
}

export function fieldNames(rows: SnapshotRow[]): string[] {
  const names = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r.features)) names.add(k);
  return [...names].sort();
}
