/**
 * The arithmetic of counting. Every weight is an integer number of thousandths — a milli-weight:
 * weight 1 is 1000, 0.5 is 500, 0.25 is 250 — from the policy through the stored ballot to every
 * tally, so a tally is a sum of integers and anyone who recomputes it from the published ballots
 * gets the same digits in any language (in binary floating point 0.1 + 0.2 ≠ 0.3). Sums stay exact
 * below Number.MAX_SAFE_INTEGER (about 9·10^15): a million ballots of weight 1000 sum to 10^9.
 * Shares are kept as fractions of two integers and only rounded when shown. ADR 050.
 */

/** Milli-weights in one unit of weight. */
export const MILLI = 1000

/** A weight in thousandths: a non-negative safe integer. */
export type MilliWeight = number

export const isMilliWeight = (value: unknown): value is MilliWeight => Number.isSafeInteger(value) && (value as number) >= 0

/**
 * A weight as a person writes it → milli-weights: '1' → 1000, '0.25' → 250, '0,5' → 500 (a comma is
 * the decimal sign in Spanish and French), 0.5 → 500. More than three decimals, a sign or
 * anything else → null: a policy never silently rounds.
 */
export function parseWeight(input: string | number): MilliWeight | null {
  const text = typeof input === 'number' ? (Number.isFinite(input) ? String(input) : '') : input.trim()
  const match = /^(\d{1,9})(?:[.,](\d{1,3}))?$/.exec(text)
  if (!match) return null
  return Number(match[1]) * MILLI + Number((match[2] ?? '').padEnd(3, '0'))
}

/** Milli-weights as a person reads them: 250 → '0.25' (en), '0,25' (es, fr); 1000 → '1'. */
export function formatWeight(milli: MilliWeight, locale = 'en'): string {
  // milli / 1000 is within half an ulp of the decimal, and three fraction digits round it back exactly.
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 3 }).format(milli / MILLI)
}

/** A share as a fraction of two integers, so that comparing and recomputing are exact. */
export interface Ratio {
  numerator: number
  denominator: number
}

/**
 * A share as a percentage string, rounded half up at the last shown digit with integer arithmetic:
 * { 2, 3 } → '66.7%'. Null when there is nothing to share (denominator 0).
 */
export function formatPercent(ratio: Ratio, locale = 'en', fractionDigits = 1): string | null {
  if (ratio.denominator === 0) return null
  const scale = 10n ** BigInt(fractionDigits + 2)
  const scaled = (BigInt(ratio.numerator) * scale * 2n + BigInt(ratio.denominator)) / (BigInt(ratio.denominator) * 2n)
  return new Intl.NumberFormat(locale, {
    style: 'percent',
    minimumFractionDigits: fractionDigits,
    maximumFractionDigits: fractionDigits,
  }).format(Number(scaled) / Number(scale))
}

/** Thrown when a sum would leave the range where integers are exact: better loud than wrong. */
export function assertExact(total: number, what: string): number {
  if (!Number.isSafeInteger(total)) throw new RangeError(`${what} is beyond exact integer arithmetic: ${total}`)
  return total
}
