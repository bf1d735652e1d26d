import type { Choices, MethodSpec, Refusal } from '../methods'

/**
 * The ballot form as plain HTML fields, both ways: what a submitted form means as a ballot for
 * validateBallot (parseBallotForm), and what the form shows again — after a refusal, the values
 * just sent; when changing a ballot, the ballot cast (formValuesOf). Field names:
 *   yesno     answer = yes | no | abstain (radios)
 *   approval  approved = <option id> (checkboxes, repeated)
 *   quadratic votes.<option id> = whole number (number inputs; empty is 0)
 *   budget    projects = <project id> (checkboxes, repeated)
 *   ranked    rank.<option id> = 1…n or empty for "not ranked" (selects)
 * Shared by the route (server) and the form component (browser): no server imports here.
 */

export interface BallotFormValues {
  answer?: string
  approved?: string[]
  votes?: Record<string, string>
  projects?: string[]
  rank?: Record<string, string>
}

/**
 * A refusal as the form shows it: its words, and the part of the ballot it concerns — `pot:<id>`
 * (a budget's pot), `option:<id>` (a quadratic or ranked option's field) — or null for the ballot
 * as a whole. The form prints each message beside that part (issue 18: not only at the top).
 */
export interface BallotError {
  message: string
  field: string | null
}

/** The element id of a ballot part, for the error summary's links and aria-describedby. */
export const ballotFieldId = (field: string) => `ballot-${field.replace(/[^A-Za-z0-9_-]/g, '-')}`

// A form can send anything; beyond this many values it is not a ballot.
const MAX_VALUES = 10_000

export interface ParsedBallotForm {
  input: unknown
  values: BallotFormValues
  /** Refusals the form itself shows (a rank given twice), before the ballot is checked. */
  refusals: Refusal[]
}

const text = (value: FormDataEntryValue | null) => (typeof value === 'string' ? value.slice(0, 200) : '')

/** A submitted form: FormData, or URLSearchParams for a urlencoded body read directly. */
export interface SubmittedForm {
  get(name: string): FormDataEntryValue | null
  getAll(name: string): FormDataEntryValue[]
}

/** Where a successful cast sends the voter: their ballot and receipt on the process's page. */
export const castLocation = (processId: number, replaced: boolean) => `/votes/${processId}?cast=${replaced ? 'changed' : 'new'}#your-vote`

export function parseBallotForm(spec: MethodSpec, form: SubmittedForm): ParsedBallotForm {
  switch (spec.method) {
    case 'yesno': {
      const answer = text(form.get('answer'))
      // No answer at all is a ballot that cannot be read: validateBallot says so.
      return { input: answer ? { answer } : {}, values: { answer }, refusals: [] }
    }
    case 'approval': {
      const approved = form.getAll('approved').slice(0, MAX_VALUES).map(text)
      return { input: { approved }, values: { approved }, refusals: [] }
    }
    case 'budget': {
      const projects = form.getAll('projects').slice(0, MAX_VALUES).map(text)
      return { input: { projects }, values: { projects }, refusals: [] }
    }
    case 'quadratic': {
      const votes: Record<string, unknown> = {}
      const values: Record<string, string> = {}
      for (const option of spec.options) {
        const given = text(form.get(`votes.${option}`)).trim()
        values[option] = given
        if (given === '') continue
        // Whole numbers become numbers; anything else goes on as text and is refused as invalidVotes.
        votes[option] = /^\d{1,9}$/.test(given) ? Number(given) : given
      }
      return { input: { votes }, values: { votes: values }, refusals: [] }
    }
    case 'ranked': {
      const values: Record<string, string> = {}
      const ranked: Array<{ option: string; rank: number }> = []
      const refusals: Refusal[] = []
      for (const option of spec.options) {
        const given = text(form.get(`rank.${option}`)).trim()
        values[option] = given
        if (given === '') continue
        const rank = /^\d{1,4}$/.test(given) ? Number(given) : NaN
        if (!(rank >= 1 && rank <= spec.options.length)) {
          refusals.push({ code: 'malformed' })
          continue
        }
        ranked.push({ option, rank })
      }
      ranked.sort((a, b) => a.rank - b.rank)
      for (let i = 1; i < ranked.length; i++) {
        if (ranked[i]!.rank === ranked[i - 1]!.rank) refusals.push({ code: 'duplicateRank', option: ranked[i]!.option })
      }
      const unreadable = refusals.some((r) => r.code === 'malformed')
      return { input: { ranking: ranked.map((r) => r.option) }, values: { rank: values }, refusals: unreadable ? [{ code: 'malformed' }] : refusals }
    }
  }
}

/** The form's values for a ballot already cast (to change it). */
export function formValuesOf(spec: MethodSpec, choices: Choices | null | undefined): BallotFormValues {
  if (!choices) return {}
  const c = choices as unknown as Record<string, unknown>
  switch (spec.method) {
    case 'yesno':
      return { answer: typeof c.answer === 'string' ? c.answer : undefined }
    case 'approval':
      return { approved: Array.isArray(c.approved) ? c.approved.map(String) : [] }
    case 'budget':
      return { projects: Array.isArray(c.projects) ? c.projects.map(String) : [] }
    case 'quadratic': {
      const votes = (typeof c.votes === 'object' && c.votes !== null ? c.votes : {}) as Record<string, unknown>
      return { votes: Object.fromEntries(Object.entries(votes).map(([k, v]) => [k, String(v)])) }
    }
    case 'ranked': {
      const ranking = Array.isArray(c.ranking) ? c.ranking.map(String) : []
      return { rank: Object.fromEntries(ranking.map((option, i) => [option, String(i + 1)])) }
    }
  }
}

/** Money in the currency's smallest unit (cents) as people read it: 150000 EUR → "€1,500.00". */
export function moneyFormatter(locale: string, currency: string) {
  let format: Intl.NumberFormat
  try {
    format = new Intl.NumberFormat(locale, { style: 'currency', currency })
  } catch {
    format = new Intl.NumberFormat(locale, { style: 'currency', currency: 'EUR' })
  }
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2
  return (amount: number) => format.format(amount / 10 ** digits)
}

export const labelOf = (labels: Record<string, string>, id: string) => labels[id] ?? id
