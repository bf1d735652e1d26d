/**
 * The choropleth's classes (pure): counted signatures per area sorted into five classes, the first
 * for areas with none. Upper bounds split the largest count into four equal steps (rounded up to
 * whole signatures), so a legend reads "1–25, 26–50, …" and one busy area does not flatten the rest
 * into a single colour any more than equal steps must.
 */

/** Sequential blues (ColorBrewer "Blues"), light to dark; the first is "no signatures". */
export const CLASS_COLOURS = ['#f4f6f8', '#c6dbef', '#6baed6', '#2171b5', '#08306b'] as const

export interface ChoroplethClass {
  /** Index into CLASS_COLOURS. */
  index: number
  from: number
  to: number
}

/** The classes for counts up to `max` (only those that can hold an area; at least "none"). */
export function choroplethClasses(max: number): ChoroplethClass[] {
  const classes: ChoroplethClass[] = [{ index: 0, from: 0, to: 0 }]
  if (max <= 0) return classes
  let from = 1
  for (let k = 1; k <= 4 && from <= max; k++) {
    const to = Math.max(from, Math.ceil((max * k) / 4))
    classes.push({ index: k, from, to })
    from = to + 1
  }
  return classes
}

/** The class index of a count. */
export function classOf(count: number, classes: ChoroplethClass[]): number {
  for (const c of classes) if (count >= c.from && count <= c.to) return c.index
  return classes.at(-1)?.index ?? 0
}
