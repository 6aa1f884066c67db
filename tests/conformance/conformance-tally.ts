/** How a conformance corpus came out: files read like the reference, refused in one clear line, or wrong. */
export interface Tally {
  equal: string[];
  refused: string[];
  wrong: string[];
}

export function newTally(): Tally {
  return { equal: [], refused: [], wrong: [] };
}

/** The figures docs/benchmarks.md records, printed so a run shows them. */
export function reportTally(corpus: string, tally: Tally, refusedAs = 'refused with a clear line'): string {
  const line = `${corpus} conformance: ${tally.equal.length} equal, ${tally.refused.length} ${refusedAs}, ${tally.wrong.length} wrong`;
  process.stdout.write(`${line}\n${tally.wrong.map((w) => `  wrong: ${w}\n`).join('')}`);
  return line;
}

/** JSON text with object keys sorted, so two readings compare (and hash) whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
