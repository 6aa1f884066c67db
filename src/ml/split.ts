import { stableKey } from './stable-key.js';
import type { TrainConfig } from './config.js';
import type { LabeledRow } from './dataset.js';
import { seededRandom, shuffleInPlace } from './random.js';

/**
 * The training split as its own type: preprocessing `fit` and balancing accept only this, so
 * nothing fitted or resampled can ever see validation or test rows.
 */
export interface TrainingSplit {
  readonly kind: 'train';
  readonly rows: LabeledRow[];
}

export interface HeldOutSplit {
  readonly kind: 'val' | 'test';
  readonly rows: LabeledRow[];
}

export interface Splits {
  train: TrainingSplit;
  val: HeldOutSplit;
  test: HeldOutSplit;
  leakCheck: LeakCheck;
}

export interface LeakOverlap {
  between: string;
  items: number;
  groups: number;
  identicalFeatures: number;
}

export interface LeakCheck {
  ok: boolean;
  overlaps: LeakOverlap[];
}

type SplitName = 'train' | 'val' | 'test';
const SPLITS: SplitName[] = ['train', 'val', 'test'];

/**
 * Stratified, seeded, group-aware split. Rows of one page (`group`) and near-duplicates
 * (`nearDuplicateOf`) form one unit that goes to one split; within each label the units are
 * shuffled and dealt to whichever split is furthest below its share.
 */
export function splitRows(rows: LabeledRow[], split: TrainConfig['split'], seed: number): Splits {
  const units = groupUnits(rows);
  const random = seededRandom(seed);
  const strata = new Map<string, LabeledRow[][]>();
  for (const unit of units) {
    const key = split.stratify ? majorityLabel(unit) : '*';
    const list = strata.get(key) ?? [];
    list.push(unit);
    strata.set(key, list);
  }
  const out: Record<SplitName, LabeledRow[]> = { train: [], val: [], test: [] };
  const share: Record<SplitName, number> = { train: split.train, val: split.val, test: split.test };
  for (const key of [...strata.keys()].sort()) {
    const stratum = strata.get(key) as LabeledRow[][];
    shuffleInPlace(stratum, random);
    const total = stratum.reduce((n, u) => n + u.length, 0);
    const taken: Record<SplitName, number> = { train: 0, val: 0, test: 0 };
    for (const unit of stratum) {
      const target = SPLITS.reduce((best, s) => (deficit(s, taken, share, total) > deficit(best, taken, share, total) ? s : best), 'train' as SplitName);
      out[target].push(...unit);
      taken[target] += unit.length;
    }
  }
  const byId = (a: LabeledRow, b: LabeledRow) => a.id - b.id;
  const train = { kind: 'train' as const, rows: out.train.sort(byId) };
  const val = { kind: 'val' as const, rows: out.val.sort(byId) };
  const test = { kind: 'test' as const, rows: out.test.sort(byId) };
  return { train, val, test, leakCheck: checkLeaks(train.rows, val.rows, test.rows) };
}

function deficit(s: SplitName, taken: Record<SplitName, number>, share: Record<SplitName, number>, total: number): number {
  return share[s] * total - taken[s] + share[s] * 1e-6;
}

function majorityLabel(unit: LabeledRow[]): string {
  const counts = new Map<string, number>();
  for (const r of unit) counts.set(String(r.label), (counts.get(String(r.label)) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
}

function groupUnits(rows: LabeledRow[]): LabeledRow[][] {
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    let p = parent.get(k) ?? k;
    if (p !== k) {
      p = find(p);
      parent.set(k, p);
    }
    return p;
  };
  const union = (a: string, b: string) => {
    const [ra, rb] = [find(a), find(b)];
    if (ra !== rb) parent.set(rb, ra);
  };
  for (const r of rows) {
    if (r.group) union(`id:${r.id}`, `group:${r.group}`);
    if (r.nearDuplicateOf !== undefined) union(`id:${r.id}`, `id:${r.nearDuplicateOf}`);
  }
  const units = new Map<string, LabeledRow[]>();
  for (const r of rows) {
    const root = find(`id:${r.id}`);
    const list = units.get(root) ?? [];
    list.push(r);
    units.set(root, list);
  }
  return [...units.values()];
}

/** Overlap between splits by item, by group, and by identical feature values. */
export function checkLeaks(train: LabeledRow[], val: LabeledRow[], test: LabeledRow[]): LeakCheck {
  const sets = [train, val, test].map((rows) => ({
    ids: new Set(rows.map((r) => r.id)),
    groups: new Set(rows.flatMap((r) => [r.group ? `g:${r.group}` : null, r.nearDuplicateOf !== undefined ? `n:${r.nearDuplicateOf}` : `n:${r.id}`]).filter((g): g is string => g !== null)),
    features: new Set(rows.map((r) => stableKey(r.features))),
  }));
  const overlaps: LeakOverlap[] = [];
  for (const [a, b] of [[0, 1], [0, 2], [1, 2]] as const) {
    overlaps.push({
      between: `${SPLITS[a]}/${SPLITS[b]}`,
      items: countShared(sets[a].ids, sets[b].ids),
      groups: countShared(sets[a].groups, sets[b].groups),
      identicalFeatures: countShared(sets[a].features, sets[b].features),
    });
  }
  return { ok: overlaps.every((o) => o.items === 0 && o.groups === 0 && o.identicalFeatures === 0), overlaps };
}

function countShared<T>(a: Set<T>, b: Set<T>): number {
  let n = 0;
  for (const x of a) if (b.has(x)) n++;
  return n;
}
