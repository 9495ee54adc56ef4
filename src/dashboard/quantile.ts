// A quantile from cumulative histogram buckets, the way Prometheus' histogram_quantile estimates
// it: find the bucket the rank falls in and interpolate linearly inside it. Above the highest
// finite bound nothing is known, so the answer is that bound.

/** `buckets`: upper bound → cumulative count, +Inf included. undefined when there is no sample. */
export function histogramQuantile(q: number, buckets: ReadonlyMap<number, number>): number | undefined {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  if (bounds.length === 0) return undefined;
  const total = buckets.get(Infinity) ?? buckets.get(bounds[bounds.length - 1]!)!;
  if (!(total > 0)) return undefined;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bound of bounds) {
    const count = buckets.get(bound)!;
    if (count >= rank) {
      if (bound === Infinity) return lowerBound;
      if (count === lowerCount) return bound;
      return lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / (count - lowerCount);
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}
