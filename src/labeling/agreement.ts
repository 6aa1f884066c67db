/**
 * Inter-annotator agreement on nominal data. A unit is one item; its ratings are the category
 * each annotator gave it (annotator names are kept for Cohen's pairs). Each coefficient is null
 * where it is undefined (fewer than two ratings per unit, or only one category in use).
 */
export interface Rating {
  annotator: string;
  category: string;
}
export type Unit = Rating[];

/** Cohen's κ for two annotators over the units both rated. */
export function cohenKappa(pairs: Array<[string, string]>): number | null {
  const n = pairs.length;
  if (n === 0) return null;
  const a = new Map<string, number>();
  const b = new Map<string, number>();
  let agree = 0;
  for (const [x, y] of pairs) {
    if (x === y) agree++;
    a.set(x, (a.get(x) ?? 0) + 1);
    b.set(y, (b.get(y) ?? 0) + 1);
  }
  let pe = 0;
  for (const [c, count] of a) pe += (count / n) * ((b.get(c) ?? 0) / n);
  if (pe >= 1) return null;
  return (agree / n - pe) / (1 - pe);
}

/** Cohen's κ for every pair of annotators that shares at least `minShared` units. */
export function pairwiseCohen(units: Unit[], minShared = 1): Array<{ a: string; b: string; items: number; kappa: number | null }> {
  const pairs = new Map<string, Array<[string, string]>>();
  for (const unit of units) {
    const sorted = [...unit].sort((x, y) => (x.annotator < y.annotator ? -1 : 1));
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i + 1; j < sorted.length; j++) {
        const key = `${sorted[i].annotator}\u0000${sorted[j].annotator}`;
        let list = pairs.get(key);
        if (!list) pairs.set(key, (list = []));
        list.push([sorted[i].category, sorted[j].category]);
      }
    }
  }
  return [...pairs]
    .filter(([, list]) => list.length >= minShared)
    .map(([key, list]) => {
      const [a, b] = key.split('\u0000');
      return { a, b, items: list.length, kappa: cohenKappa(list) };
    });
}

/** Fleiss' κ, in its form for a varying number of ratings per unit (units with fewer than two are left out). */
export function fleissKappa(units: Unit[]): number | null {
  const totals = new Map<string, number>();
  let ratings = 0;
  let sumP = 0;
  let counted = 0;
  for (const unit of units) {
    const m = unit.length;
    if (m < 2) continue;
    const counts = countCategories(unit);
    let agreeing = 0;
    for (const [c, k] of counts) {
      agreeing += k * (k - 1);
      totals.set(c, (totals.get(c) ?? 0) + k);
    }
    sumP += agreeing / (m * (m - 1));
    ratings += m;
    counted++;
  }
  if (counted === 0) return null;
  let pe = 0;
  for (const k of totals.values()) pe += (k / ratings) ** 2;
  if (pe >= 1) return null;
  return (sumP / counted - pe) / (1 - pe);
}

/** Krippendorff's α for nominal data, from the coincidence matrix (units with one rating are not pairable and left out). */
export function krippendorffAlpha(units: Unit[]): number | null {
  const coincidence = new Map<string, Map<string, number>>();
  const add = (c: string, k: string, v: number) => {
    let row = coincidence.get(c);
    if (!row) coincidence.set(c, (row = new Map()));
    row.set(k, (row.get(k) ?? 0) + v);
  };
  for (const unit of units) {
    const m = unit.length;
    if (m < 2) continue;
    const counts = countCategories(unit);
    for (const [c, nc] of counts) {
      for (const [k, nk] of counts) add(c, k, (c === k ? nc * (nc - 1) : nc * nk) / (m - 1));
    }
  }
  const marginals = new Map<string, number>();
  let n = 0;
  let disagreeObserved = 0;
  for (const [c, row] of coincidence) {
    for (const [k, v] of row) {
      marginals.set(c, (marginals.get(c) ?? 0) + v);
      n += v;
      if (c !== k) disagreeObserved += v;
    }
  }
  if (n <= 1) return null;
  let expectedPairs = 0;
  for (const [c, nc] of marginals) for (const [k, nk] of marginals) if (c !== k) expectedPairs += nc * nk;
  if (expectedPairs === 0) return null;
  return 1 - ((n - 1) * disagreeObserved) / expectedPairs;
}

function countCategories(unit: Unit): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of unit) counts.set(r.category, (counts.get(r.category) ?? 0) + 1);
  return counts;
}

export interface AgreementReport {
  units: number;
  cohen: Array<{ a: string; b: string; items: number; kappa: number | null }>;
  fleiss: number | null;
  krippendorffAlpha: number | null;
  perLabel: Array<{ label: string; fleiss: number | null; krippendorffAlpha: number | null }>;
}

/**
 * Agreement on whole answers (the label, or the exact label set / span set) and, per label, on
 * the yes/no question "does this answer carry the label".
 */
export function agreementReport(units: Array<Array<{ annotator: string; answer: string; labels: string[] }>>, labels: string[]): AgreementReport {
  const whole: Unit[] = units.map((u) => u.map((r) => ({ annotator: r.annotator, category: r.answer })));
  return {
    units: whole.filter((u) => u.length >= 2).length,
    cohen: pairwiseCohen(whole),
    fleiss: fleissKappa(whole),
    krippendorffAlpha: krippendorffAlpha(whole),
    perLabel: labels.map((label) => {
      const binary: Unit[] = units.map((u) => u.map((r) => ({ annotator: r.annotator, category: r.labels.includes(label) ? 'yes' : 'no' })));
      return { label, fleiss: fleissKappa(binary), krippendorffAlpha: krippendorffAlpha(binary) };
    }),
  };
}
