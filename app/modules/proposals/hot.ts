/**
 * "Hot": recent supports over age, the ordering /proposals opens with. Pure.
 *
 *   hot = (R + 1) / (min(age in hours, 168) + 2) ^ 1.5
 *
 * R is the supports of the last 7 days, each weighted by how recent it is (1 now, falling linearly
 * to 0 at seven days): a proposal that gathers supports this week rises, one that stopped sinks.
 * The divisor is Hacker News' gravity (age + 2)^1.5, with the age capped at the same seven days as
 * CONSUL's hot score caps its period (`hot_score_period_in_days`): without the cap a proposal
 * published half a year ago could never rise again however many supports it gathered this week,
 * and proposals collect supports for twelve months. So a new proposal gets a boost for its first
 * days (the +1 lets one without supports yet be seen), and after a week only recent supports count.
 * Ties (most old proposals without recent supports) fall back to the newest first.
 */

export const HOT_WINDOW_DAYS = 7
export const HOT_GRAVITY = 1.5
const WINDOW_MS = HOT_WINDOW_DAYS * 86_400_000
const MAX_AGE_HOURS = HOT_WINDOW_DAYS * 24

/** The weight of a support given at `supportedAt` (ms), seen at `now` (ms): 1 → 0 over the window. */
export function recentWeight(supportedAt: number, now: number): number {
  const age = now - supportedAt
  if (!(age < WINDOW_MS)) return 0
  return Math.min(1, 1 - Math.max(0, age) / WINDOW_MS)
}

/** The hot score from the weighted recent supports and the time of publishing (ms). */
export function hotScore(weightedRecentSupports: number, publishedAt: number, now: number): number {
  const ageHours = Math.min(MAX_AGE_HOURS, Math.max(0, (now - publishedAt) / 3_600_000))
  return (weightedRecentSupports + 1) / (ageHours + 2) ** HOT_GRAVITY
}

/** The oldest support that still counts, as ISO-8601 (for the query that reads them). */
export const hotWindowStart = (now: number) => new Date(now - WINDOW_MS).toISOString()
