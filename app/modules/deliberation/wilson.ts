/**
 * The "best" order: the lower bound of the Wilson score interval (95%) for the share of helpful
 * votes — a comment with 9 of 10 helpful ranks above one with 1 of 1 (Evan Miller, "How Not To
 * Sort By Average Rating").
 */
export function wilsonLowerBound(helpful: number, unhelpful: number, z = 1.959964): number {
  const n = helpful + unhelpful
  if (n === 0) return 0
  const p = helpful / n
  const z2 = z * z
  return (p + z2 / (2 * n) - z * Math.sqrt((p * (1 - p) + z2 / (4 * n)) / n)) / (1 + z2 / n)
}
