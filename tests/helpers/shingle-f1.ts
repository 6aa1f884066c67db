/**
 * The article-extraction benchmark's score (its evaluate.py, without the bootstrap): per page, the
 * 4-word shingles of the truth and of the prediction are matched as multisets, tp/fp/fn are
 * normalised so that every page weighs the same, and F1 comes from the mean precision and recall.
 */
export interface ShingleScore {
  f1: number;
  precision: number;
  recall: number;
}

type Counts = [tp: number, fp: number, fn: number];

export function shingleF1(pages: { truth: string; prediction: string }[]): ShingleScore {
  const counts = pages.map((p) => shingleCounts(p.truth, p.prediction));
  const precision = mean(counts.filter(([tp, fp]) => tp + fp > 0).map(([tp, fp, fn]) => ratio(tp, fp, fn)));
  const recall = mean(counts.filter(([tp, , fn]) => tp + fn > 0).map(([tp, fp, fn]) => ratio(tp, fn, fp)));
  return { f1: (2 * precision * recall) / (precision + recall), precision, recall };
}

/** The benchmark's own per-page measure: 1 when both sides are empty of errors, else tp / (tp + miss). */
function ratio(tp: number, miss: number, other: number): number {
  if (miss === 0 && other === 0) return 1;
  if (tp === 0 && miss === 0) return 0;
  return tp / (tp + miss);
}

function shingleCounts(truth: string, prediction: string): Counts {
  const t = shingles(truth);
  const p = shingles(prediction);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const key of new Set([...t.keys(), ...p.keys()])) {
    const a = t.get(key) ?? 0;
    const b = p.get(key) ?? 0;
    tp += Math.min(a, b);
    fp += Math.max(0, b - a);
    fn += Math.max(0, a - b);
  }
  const sum = tp + fp + fn;
  return sum > 0 ? [tp / sum, fp / sum, fn / sum] : [0, 0, 0];
}

/** Python's `\w+` with re.UNICODE: letters, digits, marks and the underscore. */
const WORD = /[\p{L}\p{N}\p{M}_]+/gu;

function shingles(text: string): Map<string, number> {
  const tokens = text.match(WORD) ?? [];
  const out = new Map<string, number>();
  for (let i = 0; i < Math.max(1, tokens.length - 3); i++) {
    const shingle = tokens.slice(i, i + 4);
    if (shingle.length === 0) continue;
    const key = shingle.join('\u0000');
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
