/**
 * Representatives' response rates from the "Did you get a reply?" questionnaire (issue 9). Pure.
 *
 * What counts as a response: WriteToThem publishes the share of constituents who "got a reply
 * within two to three weeks". We ask at two weeks (reminder a week later), so:
 * - `yes` and `unsatisfactory` are responses — an unsatisfactory reply is still a reply; the rate
 *   measures whether representatives answer, not whether people liked the answer (that share is
 *   reported separately as `unsatisfactoryShare`).
 * - `no` and `not_yet` are not — at two to three weeks "not yet" means no reply in the window.
 * Every answer is in the denominator; letters with no answer at all are not.
 */

export const QUESTIONNAIRE_ANSWERS = ['yes', 'no', 'not_yet', 'unsatisfactory'] as const
export type QuestionnaireAnswer = (typeof QUESTIONNAIRE_ANSWERS)[number]

/** Below this many answers a rate says more about chance than about the representative. */
export const MIN_ANSWERS_FOR_RATE = 5

/** z for a two-sided 95% interval. */
export const Z_95 = 1.959964

export function countsAsResponse(answer: QuestionnaireAnswer): boolean {
  return answer === 'yes' || answer === 'unsatisfactory'
}

export interface Interval {
  low: number
  high: number
}

/**
 * Wilson score interval for a proportion (Wilson 1927): unlike p ± z·√(p(1−p)/n) it stays within
 * [0, 1] and is sensible at 0 of n and n of n, which are common with few letters. [0, 1] for n = 0.
 */
export function wilsonInterval(successes: number, n: number, z: number = Z_95): Interval {
  if (!Number.isInteger(successes) || !Number.isInteger(n) || successes < 0 || n < 0 || successes > n) {
    throw new RangeError(`invalid proportion ${successes} of ${n}`)
  }
  if (n === 0) return { low: 0, high: 1 }
  const p = successes / n
  const z2 = z * z
  const denominator = 1 + z2 / n
  const centre = (p + z2 / (2 * n)) / denominator
  const margin = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator
  // Clamp the rounding noise at the ends (0 of n must give exactly 0).
  return { low: Math.max(0, centre - margin), high: Math.min(1, centre + margin) }
}

export interface ResponseRate {
  answers: number
  responded: number
  /** Counts of each answer, for the representative's page. */
  byAnswer: Record<QuestionnaireAnswer, number>
  /** responded / answers; null without answers. */
  rate: number | null
  /** Wilson 95% interval of the rate; null without answers. */
  interval: Interval | null
  /** Share of responses the sender found unsatisfactory; null without responses. */
  unsatisfactoryShare: number | null
  /** Fewer than MIN_ANSWERS_FOR_RATE answers: show "too few answers" instead of the rate. */
  tooFewAnswers: boolean
}

/** The response rate of one representative from the answers about their letters (one answer per letter, the latest). */
export function responseRate(answers: Iterable<QuestionnaireAnswer>, minAnswers: number = MIN_ANSWERS_FOR_RATE): ResponseRate {
  const byAnswer: Record<QuestionnaireAnswer, number> = { yes: 0, no: 0, not_yet: 0, unsatisfactory: 0 }
  for (const a of answers) byAnswer[a]++
  return responseRateFromCounts(byAnswer, minAnswers)
}

/** The same from counts, as a GROUP BY answer query returns them. */
export function responseRateFromCounts(counts: Partial<Record<QuestionnaireAnswer, number>>, minAnswers: number = MIN_ANSWERS_FOR_RATE): ResponseRate {
  const byAnswer: Record<QuestionnaireAnswer, number> = {
    yes: counts.yes ?? 0,
    no: counts.no ?? 0,
    not_yet: counts.not_yet ?? 0,
    unsatisfactory: counts.unsatisfactory ?? 0,
  }
  const answers = byAnswer.yes + byAnswer.no + byAnswer.not_yet + byAnswer.unsatisfactory
  const responded = byAnswer.yes + byAnswer.unsatisfactory
  return {
    answers,
    responded,
    byAnswer,
    rate: answers === 0 ? null : responded / answers,
    interval: answers === 0 ? null : wilsonInterval(responded, answers),
    unsatisfactoryShare: responded === 0 ? null : byAnswer.unsatisfactory / responded,
    tooFewAnswers: answers < minAnswers,
  }
}
