/**
 * The phase/component model (ADR 124), shared by server and browser (no server imports): a process
 * has phases with dates; each phase turns on components with their rules. The current phase is a
 * function of the dates and a clock, never a stored state, so it "changes by itself".
 */

/** What a phase can turn on. Every rule is off unless the phase says otherwise. */
export const COMPONENT_RULES = ['submit', 'supports', 'review', 'vote', 'survey', 'accountability'] as const
export type ComponentRule = (typeof COMPONENT_RULES)[number]
export type PhaseComponents = Record<ComponentRule, boolean>

export const noComponents = (): PhaseComponents => ({ submit: false, supports: false, review: false, vote: false, survey: false, accountability: false })

/** Reads a stored components column; unknown keys are dropped, anything not `true` is off. */
export function parseComponents(stored: string | null | undefined): PhaseComponents {
  const out = noComponents()
  if (!stored) return out
  try {
    const raw = JSON.parse(stored) as Record<string, unknown>
    for (const rule of COMPONENT_RULES) out[rule] = raw?.[rule] === true
  } catch {
    // a broken column turns everything off
  }
  return out
}

export interface PhaseDates {
  id: number
  startsAt: string
  endsAt: string
}

/**
 * The phase running at `at`: the one whose [start, end) holds it; where phases overlap, the one
 * that started last. null before the first, between phases and after the last.
 */
export function currentPhase<P extends PhaseDates>(phases: readonly P[], at: Date): P | null {
  const t = at.getTime()
  let best: P | null = null
  for (const p of phases) {
    const start = Date.parse(p.startsAt)
    const end = Date.parse(p.endsAt)
    if (start <= t && t < end && (!best || Date.parse(best.startsAt) <= start)) best = p
  }
  return best
}

export type PhaseTime = 'past' | 'current' | 'upcoming'
export function phaseTime(phase: PhaseDates, current: PhaseDates | null, at: Date): PhaseTime {
  if (current && phase.id === current.id) return 'current'
  return Date.parse(phase.endsAt) <= at.getTime() ? 'past' : 'upcoming'
}

/** Is a rule on now? (The rule of the phase the clock is in.) */
export function ruleOpen(phases: ReadonlyArray<PhaseDates & { components: PhaseComponents }>, rule: ComponentRule, at: Date): boolean {
  return currentPhase(phases, at)?.components[rule] === true
}

/** The next phase that turns a rule on, after `at` (for "submitting opens on …"). */
export function nextPhaseWith<P extends PhaseDates & { components: PhaseComponents }>(phases: readonly P[], rule: ComponentRule, at: Date): P | null {
  const later = phases.filter((p) => p.components[rule] && Date.parse(p.startsAt) > at.getTime())
  later.sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt))
  return later[0] ?? null
}

export const PROJECT_STATES = ['submitted', 'feasible', 'unfeasible', 'selected', 'not_selected', 'withdrawn'] as const
export const RESULT_STATUSES = ['planned', 'in_progress', 'done', 'cancelled'] as const
export const RESULT_SOURCES = ['project', 'proposal', 'petition'] as const

/** Limits the forms render and the server checks. */
export const PROJECT_TITLE_MAX = 120
export const PROJECT_DESCRIPTION_MAX = 5000
export const REASON_MAX = 2000
export const MILESTONE_TEXT_MAX = 2000
export const MAX_PHASES = 12
// A page of a process's projects (as /proposals: 20; "More projects" is a keyset link that works without JavaScript).
export const PROJECT_PAGE_SIZE = 20
export const RESULT_PAGE_SIZE = 50
/** Images of a project or a milestone (app/modules/processes/images.server.ts). */
export const MAX_PROCESS_IMAGES = 3
export const IMAGE_ALT_MAX = 300
export const PROCESS_IMAGE_SIZES = ['full', 'medium', 'thumb'] as const
export type ProcessImageSize = (typeof PROCESS_IMAGE_SIZES)[number]
/** Located results drawn on /results?view=map at most (the newest changes first). */
export const RESULT_MAP_MAX = 500

/** Steps of "what happened to my idea", in order. */
export const PATH_STEPS = ['submitted', 'supported', 'reviewed', 'voted', 'won', 'in_progress', 'done'] as const
export type PathStep = (typeof PATH_STEPS)[number]

// Building an Intl.NumberFormat costs a tenth of a millisecond: a list of 20 projects spent a fifth of its
// CPU here. One formatter per locale, currency and number of fraction digits (a handful in practice).
const moneyFormats = new Map<string, Intl.NumberFormat | null>()

function moneyFormat(locale: string, currency: string, fraction: 0 | 2): Intl.NumberFormat | null {
  const key = `${locale}\u0000${currency}\u0000${fraction}`
  let format = moneyFormats.get(key)
  if (format === undefined) {
    try {
      format = new Intl.NumberFormat(locale, { style: 'currency', currency, maximumFractionDigits: fraction })
    } catch {
      format = null // an unknown locale or currency code: the plain form below
    }
    if (moneyFormats.size < 1000) moneyFormats.set(key, format)
  }
  return format
}

/** Cents → "1,234.50"-style text in a locale. */
export function formatMoney(cents: number, currency: string, locale: string): string {
  const format = moneyFormat(locale, currency, cents % 100 === 0 ? 0 : 2)
  return format ? format.format(cents / 100) : `${(cents / 100).toFixed(2)} ${currency}`
}
