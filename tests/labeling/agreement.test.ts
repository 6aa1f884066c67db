import { cohenKappa, fleissKappa, krippendorffAlpha, pairwiseCohen, type Unit } from '../../src/labeling/agreement.js';
import { dawidSkene } from '../../src/labeling/aggregate.js';

/** Units from a table of counts per category (rater names do not matter for Fleiss and Krippendorff). */
function unitsFromCounts(rows: number[][]): Unit[] {
  return rows.map((counts) => counts.flatMap((n, c) => Array.from({ length: n }, (_, r) => ({ annotator: `r${c}-${r}`, category: `c${c}` }))));
}

describe('agreement', () => {
  test("Cohen's κ matches the textbook example (20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no → 0.4)", () => {
    const pairs: Array<[string, string]> = [
      ...Array<[string, string]>(20).fill(['yes', 'yes']),
      ...Array<[string, string]>(5).fill(['yes', 'no']),
      ...Array<[string, string]>(10).fill(['no', 'yes']),
      ...Array<[string, string]>(15).fill(['no', 'no']),
    ];
    expect(cohenKappa(pairs)).toBeCloseTo(0.4, 10);
  });

  test("Fleiss' κ matches the textbook example of 10 subjects and 14 raters (0.210)", () => {
    const table = [
      [0, 0, 0, 0, 14],
      [0, 2, 6, 4, 2],
      [0, 0, 3, 5, 6],
      [0, 3, 9, 2, 0],
      [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0],
      [3, 2, 6, 3, 0],
      [2, 5, 3, 2, 2],
      [6, 5, 2, 1, 0],
      [0, 2, 2, 3, 7],
    ];
    expect(fleissKappa(unitsFromCounts(table))).toBeCloseTo(0.21, 2);
  });

  test("Krippendorff's α (nominal) from the coincidence matrix: [a,a] [a,b] [b,b] gives 4/9", () => {
    const units: Unit[] = [
      [{ annotator: 'x', category: 'a' }, { annotator: 'y', category: 'a' }],
      [{ annotator: 'x', category: 'a' }, { annotator: 'y', category: 'b' }],
      [{ annotator: 'x', category: 'b' }, { annotator: 'y', category: 'b' }],
    ];
    expect(krippendorffAlpha(units)).toBeCloseTo(4 / 9, 10);
  });

  test('perfect agreement is 1; a single category in use leaves the coefficients undefined', () => {
    const perfect = unitsFromCounts([[2, 0], [0, 2], [2, 0]]);
    const oneCategory = unitsFromCounts([[3, 0], [3, 0]]);
    expect([fleissKappa(perfect), krippendorffAlpha(perfect)]).toEqual([1, 1]);
    expect([fleissKappa(oneCategory), krippendorffAlpha(oneCategory)]).toEqual([null, null]);
  });

  test("Cohen's κ is reported for each pair of annotators over the items they share", () => {
    const units: Unit[] = [
      [{ annotator: 'ann', category: 'a' }, { annotator: 'bob', category: 'a' }, { annotator: 'cy', category: 'b' }],
      [{ annotator: 'ann', category: 'b' }, { annotator: 'bob', category: 'b' }],
    ];
    const pairs = pairwiseCohen(units);
    expect(pairs.find((p) => p.a === 'ann' && p.b === 'bob')).toEqual({ a: 'ann', b: 'bob', items: 2, kappa: 1 });
    expect(pairs.find((p) => p.a === 'ann' && p.b === 'cy')?.items).toBe(1);
  });
});

describe('Dawid–Skene', () => {
  test('learns that an annotator answers the opposite, and beats majority vote where it joins an honest mistake', () => {
    // 40 items, the true class alternates. Annotator 0 errs on items 0-3, annotator 1 on items 4-7,
    // annotator 2 always gives the other class: majority vote is wrong on items 0-7.
    const item: number[] = [];
    const annotator: number[] = [];
    const label: number[] = [];
    for (let i = 0; i < 40; i++) {
      const truth = i % 2;
      const wrong = [i < 4, i >= 4 && i < 8, true];
      for (let j = 0; j < 3; j++) {
        item.push(i);
        annotator.push(j);
        label.push(wrong[j] ? 1 - truth : truth);
      }
    }
    const fit = dawidSkene({ item: Int32Array.from(item), annotator: Int32Array.from(annotator), label: Int32Array.from(label) }, { items: 40, annotators: 3, classes: 2 });
    const decided = Array.from({ length: 40 }, (_, i) => (fit.posteriors[i * 2 + 1] > 0.5 ? 1 : 0));
    const flipped = fit.confusion.subarray(2 * 4, 3 * 4);

    expect(decided).toEqual(Array.from({ length: 40 }, (_, i) => i % 2));
    expect(flipped[1]).toBeGreaterThan(0.9);
    expect(flipped[2]).toBeGreaterThan(0.9);
  });
});
