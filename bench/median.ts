/** The middle value (upper middle for an even count): benchmarks on noisy machines quote medians. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
