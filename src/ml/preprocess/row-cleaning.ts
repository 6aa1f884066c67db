import { stableKey } from '../stable-key.js';
import type { TrainConfig } from '../config.js';
import type { LabeledRow } from '../dataset.js';
import { nearDuplicateClusters } from './minhash.js';

export interface CleaningReport {
  rowsIn: number;
  unlabeled: number;
  exactDuplicates: number;
  nearDuplicatesDropped: number;
  nearDuplicateGroups: number;
  rowsOut: number;
}

/**
 * Row-level cleaning before the split. None of it learns a statistic, so it cannot leak: rows
 * without a label go, exact duplicates (same features and label) go, and near-duplicate texts
 * (MinHash) are either dropped or tied into one group so they land in one split.
 */
export function cleanRows(rows: LabeledRow[], clean: TrainConfig['clean'], textFields: string[]): { rows: LabeledRow[]; report: CleaningReport } {
  const labeled = rows.filter((r) => r.label !== null);
  let kept = labeled;
  if (clean.duplicates === 'drop') {
    const seen = new Set<string>();
    kept = labeled.filter((r) => {
      const key = stableKey([r.features, r.label]);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }
  let nearDropped = 0;
  let groups = 0;
  if (textFields.length && clean.nearDuplicates !== 'keep') {
    const texts = kept.map((r) => textFields.map((f) => (typeof r.features[f] === 'string' ? r.features[f] : '')).join('\n'));
    const cluster = nearDuplicateClusters(texts, clean.nearDuplicateThreshold);
    groups = new Set(cluster.filter((c, i) => c !== i)).size;
    if (clean.nearDuplicates === 'drop') {
      const before = kept.length;
      kept = kept.filter((_, i) => cluster[i] === i);
      nearDropped = before - kept.length;
    } else {
      const roots = kept;
      kept = kept.map((r, i) => (cluster[i] === i ? r : { ...r, nearDuplicateOf: roots[cluster[i]].id }));
    }
  }
  return {
    rows: kept,
    report: {
      rowsIn: rows.length,
      unlabeled: rows.length - labeled.length,
      exactDuplicates: labeled.length - (clean.duplicates === 'drop' ? kept.length + nearDropped : labeled.length),
      nearDuplicatesDropped: nearDropped,
      nearDuplicateGroups: groups,
      rowsOut: kept.length,
    },
  };
}
