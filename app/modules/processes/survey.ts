import { supportedLocales, type Locale } from '../../lib/i18n'
import { parseLocalized, readLocalizedField, type Localized } from '../../lib/localized'

/**
 * Surveys, the part shared by server and browser (no server imports): the question types, the
 * stored JSON (process_surveys.questions), when a conditional question applies, and reading the
 * administrator's builder form and a person's answers from plain form fields (no JavaScript needed).
 */

export const QUESTION_TYPES = ['single', 'multiple', 'short', 'long', 'scale', 'matrix'] as const
export type QuestionType = (typeof QUESTION_TYPES)[number]

export const MAX_QUESTIONS = 30
export const MAX_OPTIONS = 20
export const SHORT_MAX = 200
export const LONG_MAX = 5000
export const PROMPT_MAX = 500
export const OPTION_MAX = 200
export const SCALE_MIN = 0
export const SCALE_MAX = 10
/** Empty question rows the builder shows after the stored ones (more rows without JavaScript). */
export const EXTRA_ROWS = 3

export interface Question {
  /** Stable key of the question inside its survey ("q1", "q2" …): answers refer to it. */
  id: string
  type: QuestionType
  prompt: Localized
  required: boolean
  /** single, multiple: the choices; matrix: the columns. */
  options: Localized[]
  /** matrix: the rows. */
  rows: Localized[]
  /** scale: the lowest and highest value. */
  min: number
  max: number
  /** Asked only when an earlier single/multiple question got this option (its index). */
  showIf: { question: string; option: number } | null
}

/** An answer: an option index (single), indexes (multiple), text, a number (scale), row → column (matrix). */
export type Answer = number | number[] | string | Record<string, number>
export type Answers = Record<string, Answer>

export const isChoice = (q: Pick<Question, 'type'>) => q.type === 'single' || q.type === 'multiple'
export const isText = (q: Pick<Question, 'type'>) => q.type === 'short' || q.type === 'long'

/** Reads the stored questions column; anything malformed is dropped rather than trusted. */
export function parseQuestions(stored: string | null | undefined): Question[] {
  let raw: unknown
  try {
    raw = JSON.parse(stored ?? '[]')
  } catch {
    return []
  }
  if (!Array.isArray(raw)) return []
  const out: Question[] = []
  for (const item of raw as Array<Record<string, unknown>>) {
    if (!item || typeof item.id !== 'string' || !(QUESTION_TYPES as readonly string[]).includes(item.type as string)) continue
    const list = (v: unknown) => (Array.isArray(v) ? v.map((x) => parseLocalized(JSON.stringify(x ?? {}))) : [])
    const showIf = item.showIf as { question?: unknown; option?: unknown } | null | undefined
    out.push({
      id: item.id,
      type: item.type as QuestionType,
      prompt: parseLocalized(JSON.stringify(item.prompt ?? {})),
      required: item.required === true,
      options: list(item.options),
      rows: list(item.rows),
      min: Number.isInteger(item.min) ? (item.min as number) : 1,
      max: Number.isInteger(item.max) ? (item.max as number) : 5,
      showIf: showIf && typeof showIf.question === 'string' && Number.isInteger(showIf.option) ? { question: showIf.question, option: showIf.option as number } : null,
    })
  }
  return out
}

/** Does a question apply, given the answers so far? (Conditions point only to earlier questions.) */
export function applies(q: Pick<Question, 'showIf'>, answers: Answers): boolean {
  if (!q.showIf) return true
  const given = answers[q.showIf.question]
  if (typeof given === 'number') return given === q.showIf.option
  if (Array.isArray(given)) return given.includes(q.showIf.option)
  return false
}

// ------------------------------------------------------------------------------------ the builder form

export type FormErrors = Record<string, string>

/** One localized text per line: `field_en` "a\nb", `field_es` "x\ny" → [{en:a, es:x}, {en:b, es:y}]. */
function readLines(fields: Record<string, string>, field: string): Localized[] {
  const perLocale = supportedLocales.map((l) => [l, (fields[`${field}_${l}`] ?? '').split(/\r?\n/).map((s) => s.trim())] as const)
  const count = Math.max(0, ...perLocale.map(([, lines]) => lines.length))
  const out: Localized[] = []
  for (let i = 0; i < count; i++) {
    const item: Localized = {}
    for (const [l, lines] of perLocale) if (lines[i]) item[l as Locale] = lines[i]
    if (Object.keys(item).length) out.push(item)
  }
  return out
}

const tooLong = (v: Localized, max: number) => Object.values(v).some((s) => (s?.length ?? 0) > max)

export interface SurveyInput {
  title: Localized
  requiredLevel: number
  questions: Question[]
}

/** A question row of the builder (`q.N.…`) → a question or errors by field; null for an empty row. */
function questionFromRow(fields: Record<string, string>, i: number, earlier: Question[], errors: FormErrors): Question | null {
  const p = `q.${i}.`
  const prompt = readLocalizedField(fields, `${p}prompt`)
  const type = fields[`${p}type`] ?? ''
  const options = readLines(fields, `${p}options`)
  const rows = readLines(fields, `${p}rows`)
  if (!Object.keys(prompt).length && options.length === 0 && rows.length === 0) return null
  if (!Object.keys(prompt).length) errors[`${p}prompt_en`] = 'errors.prompt'
  else if (tooLong(prompt, PROMPT_MAX)) errors[`${p}prompt_en`] = 'errors.promptLong'
  if (!(QUESTION_TYPES as readonly string[]).includes(type)) {
    errors[`${p}type`] = 'errors.type'
    return null
  }
  const q: Question = { id: `q${i + 1}`, type: type as QuestionType, prompt, required: fields[`${p}required`] === 'on', options: [], rows: [], min: 1, max: 5, showIf: null }
  if (isChoice(q) || q.type === 'matrix') {
    if (options.length < 2) errors[`${p}options_en`] = 'errors.options'
    else if (options.length > MAX_OPTIONS || options.some((o) => tooLong(o, OPTION_MAX))) errors[`${p}options_en`] = 'errors.optionsLong'
    q.options = options
  }
  if (q.type === 'matrix') {
    if (rows.length < 1) errors[`${p}rows_en`] = 'errors.rows'
    else if (rows.length > MAX_OPTIONS || rows.some((o) => tooLong(o, OPTION_MAX))) errors[`${p}rows_en`] = 'errors.optionsLong'
    q.rows = rows
  }
  if (q.type === 'scale') {
    const min = Number(fields[`${p}min`] || 1)
    const max = Number(fields[`${p}max`] || 5)
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < SCALE_MIN || max > SCALE_MAX || max - min < 1) errors[`${p}max`] = 'errors.scale'
    q.min = min
    q.max = max
  }
  const ifQuestion = (fields[`${p}ifQuestion`] ?? '').trim()
  const ifOption = (fields[`${p}ifOption`] ?? '').trim()
  if (ifQuestion || ifOption) {
    const target = earlier[Number(ifQuestion) - 1]
    const option = Number(ifOption) - 1
    if (!/^\d+$/.test(ifQuestion) || !target || !isChoice(target)) errors[`${p}ifQuestion`] = 'errors.ifQuestion'
    else if (!/^\d+$/.test(ifOption) || option < 0 || option >= target.options.length) errors[`${p}ifOption`] = 'errors.ifOption'
    else q.showIf = { question: target.id, option }
  }
  return q
}

/** The builder's flat form (repeated rows `q.N.…`, works without JavaScript) → a survey or errors by field. */
export function surveyFromForm(fields: Record<string, string>): { input: SurveyInput | null; errors: FormErrors } {
  const errors: FormErrors = {}
  const title = readLocalizedField(fields, 'title')
  if (!Object.keys(title).length) errors.title_en = 'errors.surveyTitle'
  else if (tooLong(title, 200)) errors.title_en = 'errors.surveyTitleLong'
  const level = Number(fields.requiredLevel ?? '')
  if (!/^[0-3]$/.test(fields.requiredLevel ?? '')) errors.requiredLevel = 'errors.level'
  const questions: Question[] = []
  for (let i = 0; i < MAX_QUESTIONS; i++) {
    // Conditions name questions by their number in the form, counting only filled rows.
    const q = questionFromRow(fields, i, questions, errors)
    if (q) questions.push({ ...q, id: `q${questions.length + 1}`, showIf: q.showIf })
  }
  if (questions.length === 0 && !Object.keys(errors).some((k) => k.startsWith('q.'))) errors.form = 'errors.noQuestions'
  if (Object.keys(errors).length) return { input: null, errors }
  return { input: { title, requiredLevel: level, questions }, errors }
}

/** What the builder shows for stored questions (the inverse of surveyFromForm). */
export function surveyFormValues(s: { title: Localized; requiredLevel: number; questions: Question[] } | null, defaultLevel: number): Record<string, string> {
  const values: Record<string, string> = { requiredLevel: String(s?.requiredLevel ?? defaultLevel) }
  if (!s) return values
  const lines = (list: Localized[], l: Locale) => list.map((o) => o[l] ?? '').join('\n')
  for (const l of supportedLocales) values[`title_${l}`] = s.title[l] ?? ''
  s.questions.forEach((q, i) => {
    const p = `q.${i}.`
    values[`${p}type`] = q.type
    values[`${p}required`] = q.required ? 'on' : ''
    for (const l of supportedLocales) {
      values[`${p}prompt_${l}`] = q.prompt[l] ?? ''
      values[`${p}options_${l}`] = lines(q.options, l).replace(/\n+$/, '')
      values[`${p}rows_${l}`] = lines(q.rows, l).replace(/\n+$/, '')
    }
    if (q.type === 'scale') {
      values[`${p}min`] = String(q.min)
      values[`${p}max`] = String(q.max)
    }
    if (q.showIf) {
      values[`${p}ifQuestion`] = String(s.questions.findIndex((x) => x.id === q.showIf!.question) + 1)
      values[`${p}ifOption`] = String(q.showIf.option + 1)
    }
  })
  return values
}

// ------------------------------------------------------------------------------------ answers

/** A form's entries with repeated keys kept (multiple choice sends one value per ticked box). */
export type FormEntries = Record<string, string[]>

const INDEX = /^\d{1,3}$/

/**
 * A person's answers from the form (`a.<qid>`, matrix `a.<qid>.<row>`), checked against the
 * questions. A conditional question that does not apply is dropped (without JavaScript it was
 * shown with a hint; whatever was typed there does not count). Errors are i18n keys by field.
 */
export function readAnswers(questions: Question[], entries: FormEntries): { answers: Answers; errors: FormErrors } {
  const answers: Answers = {}
  const errors: FormErrors = {}
  const first = (key: string) => (entries[key]?.[0] ?? '').trim()
  for (const q of questions) {
    if (!applies(q, answers)) continue
    const key = `a.${q.id}`
    if (q.type === 'single') {
      const v = first(key)
      if (v === '') {
        if (q.required) errors[key] = 'errors.required'
      } else if (!INDEX.test(v) || Number(v) >= q.options.length) errors[key] = 'errors.badOption'
      else answers[q.id] = Number(v)
    } else if (q.type === 'multiple') {
      const vs = (entries[key] ?? []).map((s) => s.trim()).filter(Boolean)
      if (vs.some((v) => !INDEX.test(v) || Number(v) >= q.options.length)) errors[key] = 'errors.badOption'
      else if (vs.length === 0) {
        if (q.required) errors[key] = 'errors.required'
      } else answers[q.id] = [...new Set(vs.map(Number))].sort((a, b) => a - b)
    } else if (isText(q)) {
      const v = first(key)
      const max = q.type === 'short' ? SHORT_MAX : LONG_MAX
      if (v.length > max) errors[key] = q.type === 'short' ? 'errors.shortLong' : 'errors.longLong'
      else if (v === '') {
        if (q.required) errors[key] = 'errors.required'
      } else answers[q.id] = q.type === 'short' ? v.replace(/\s+/g, ' ') : v
    } else if (q.type === 'scale') {
      const v = first(key)
      if (v === '') {
        if (q.required) errors[key] = 'errors.required'
      } else if (!/^\d{1,2}$/.test(v) || Number(v) < q.min || Number(v) > q.max) errors[key] = 'errors.badScale'
      else answers[q.id] = Number(v)
    } else {
      const cells: Record<string, number> = {}
      let bad = false
      q.rows.forEach((_, r) => {
        const v = first(`${key}.${r}`)
        if (v === '') return
        if (!INDEX.test(v) || Number(v) >= q.options.length) bad = true
        else cells[String(r)] = Number(v)
      })
      if (bad) errors[key] = 'errors.badOption'
      else if (q.required && Object.keys(cells).length < q.rows.length) errors[key] = 'errors.matrixRequired'
      else if (Object.keys(cells).length) answers[q.id] = cells
    }
  }
  return { answers, errors }
}

/** The free text of a set of answers (what moderators must publish before anyone else reads it). */
export function freeTextOf(questions: Question[], answers: Answers): string[] {
  return questions.filter((q) => isText(q) && typeof answers[q.id] === 'string').map((q) => answers[q.id] as string)
}
