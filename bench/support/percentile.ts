/** The value at `fraction` (0 to 1) of values sorted ascending (nearest rank); NaN when there are none. */
export function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? NaN;
}

/** A sorted copy, for percentile. */
export function ascending(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}
