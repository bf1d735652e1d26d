/** Shared by the charts: a "nice" axis maximum and its ticks, and the colour-blind-safe palette. */

// Okabe–Ito: eight colours people with any common colour blindness tell apart (and black).
export const palette = ['#e69f00', '#56b4e9', '#009e73', '#f0e442', '#0072b2', '#d55e00', '#cc79a7', '#999999', '#000000'] as const
export const colourOf = (i: number) => palette[i % palette.length]!

/** The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `value` (at least 1), and `count` even ticks up to it. */
export function niceScale(value: number, count = 4): { max: number; ticks: number[] } {
  const target = Math.max(value, 1) / count
  const power = 10 ** Math.floor(Math.log10(target))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= target) ?? 10 * power
  const max = step * Math.ceil(Math.max(value, 1) / step)
  const ticks: number[] = []
  for (let v = 0; v <= max + step / 2; v += step) ticks.push(Math.round(v * 1e6) / 1e6)
  return { max, ticks }
}
