/** The nearest-rank percentile (0 < p ≤ 100) of `values`; 0 when there are none. Sorts `values` in place. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  values.sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * values.length);
  return values[Math.min(values.length, Math.max(1, rank)) - 1]!;
}
