import { createHash } from 'node:crypto'
import { csvHeader, csvRows, type CsvValue } from '../../lib/csv'
import { database } from '../../lib/db.server'
import { localize, parseLocalized, serializeLocalized, type Localized } from '../../lib/localized'
import { cityDefaultLocale } from '../../lib/localized.server'
import type { Principal } from '../accounts/policy'
import { holdForReview, recordAudit, registerModeratedKind } from '../moderation/moderation.server'
import { currentPhase, nextPhaseWith } from './phases'
import { mayAdminister, processRecord, type Admin, type ProcessRecord } from './processes.server'
import { freeTextOf, isChoice, isText, parseQuestions, readAnswers, type Answers, type FormEntries, type Question, type SurveyInput } from './survey'

/**
 * Surveys as a component of a process (issue 21): an administrator builds one (questions of six
 * types, conditions on earlier answers, names per language); a person answers once, while the
 * process's current phase has `survey` on, at the verification level the survey requires. Results
 * are tallied for charts; the CSV holds the answers without who gave them or when. Free text waits
 * in the moderation queue (kind `survey_response`) and is shown only once a moderator approves it.
 * The only code that writes process_surveys and survey_responses.
 */

export const SURVEY_KIND = 'process_survey'
export const RESPONSE_KIND = 'survey_response'

export interface SurveyRecord {
  id: number
  processId: number
  title: Localized
  requiredLevel: number
  questions: Question[]
  responses: number
}

type Row = { id: number; process_id: number; title: string; questions: string; required_level: number }
const record = (r: Row, responses: number): SurveyRecord => ({
  id: r.id,
  processId: r.process_id,
  title: parseLocalized(r.title),
  requiredLevel: r.required_level,
  questions: parseQuestions(r.questions),
  responses,
})

async function countResponses(surveyId: number): Promise<number> {
  const row = await database()
    .db.selectFrom('survey_responses')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('survey_id', '=', surveyId)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

export async function surveyRecord(id: number): Promise<SurveyRecord | null> {
  const row = await database().db.selectFrom('process_surveys').select(['id', 'process_id', 'title', 'questions', 'required_level']).where('id', '=', id).executeTakeFirst()
  return row ? record(row, await countResponses(row.id)) : null
}

/** A process's surveys, in a language, with their number of answers. */
export async function surveysOf(processId: number, locale: string): Promise<Array<{ id: number; title: string; responses: number; questions: number }>> {
  const { db } = database()
  const rows = await db
    .selectFrom('process_surveys as s')
    .leftJoin('survey_responses as r', 'r.survey_id', 's.id')
    .select(['s.id', 's.title', 's.questions', (eb) => eb.fn.count<number>('r.id').as('n')])
    .where('s.process_id', '=', processId)
    .groupBy(['s.id', 's.title', 's.questions'])
    .orderBy('s.id')
    .execute()
  const fallback = cityDefaultLocale()
  return rows.map((r) => ({ id: r.id, title: localize(r.title, locale, fallback), responses: Number(r.n), questions: parseQuestions(r.questions).length }))
}

export type SaveSurveyResult = { kind: 'ok'; id: number } | { kind: 'forbidden' } | { kind: 'notFound' } | { kind: 'answered' }

/** Creates (id null) or changes a survey of a process, audited. Questions are fixed once anyone has answered. */
export async function saveSurvey(admin: Admin, processId: number, id: number | null, input: SurveyInput, at: Date = new Date()): Promise<SaveSurveyResult> {
  if (!mayAdminister(admin)) return { kind: 'forbidden' }
  return database().write(async (trx): Promise<SaveSurveyResult> => {
    const process = await trx.selectFrom('participatory_processes').select('id').where('id', '=', processId).executeTakeFirst()
    if (!process) return { kind: 'notFound' }
    const values = { title: serializeLocalized(input.title), questions: JSON.stringify(input.questions), required_level: input.requiredLevel }
    let surveyId: number
    let before: unknown
    if (id === null) {
      const row = await trx
        .insertInto('process_surveys')
        .values({ ...values, process_id: processId, created_at: at.toISOString() })
        .returning('id')
        .executeTakeFirstOrThrow()
      surveyId = row.id
    } else {
      const old = await trx.selectFrom('process_surveys').select(['title', 'questions', 'required_level']).where('id', '=', id).where('process_id', '=', processId).executeTakeFirst()
      if (!old) return { kind: 'notFound' }
      const answered = await trx.selectFrom('survey_responses').select('id').where('survey_id', '=', id).limit(1).executeTakeFirst()
      // Answers point at questions by position: changing them would change what people said.
      if (answered && old.questions !== values.questions) return { kind: 'answered' }
      await trx.updateTable('process_surveys').set(values).where('id', '=', id).execute()
      surveyId = id
      before = { title: parseLocalized(old.title), requiredLevel: old.required_level, questions: parseQuestions(old.questions).length }
    }
    await recordAudit(trx, {
      actorId: admin.id,
      action: id === null ? 'process.survey.create' : 'process.survey.update',
      targetKind: SURVEY_KIND,
      targetId: surveyId,
      before,
      after: { processId, title: input.title, requiredLevel: input.requiredLevel, questions: input.questions.map((q) => ({ type: q.type, conditional: Boolean(q.showIf) })) },
    })
    return { kind: 'ok', id: surveyId }
  })
}

// ------------------------------------------------------------------------------------ answering

export type SurveyState = { kind: 'open' } | { kind: 'closed'; opensAt: string | null } | { kind: 'signIn' } | { kind: 'levelTooLow'; required: number } | { kind: 'answered' }

/** Whether `user` may answer now, and if not why (the page says so instead of showing the form). */
export async function surveyState(p: ProcessRecord, s: SurveyRecord, user: Pick<Principal, 'id' | 'verificationLevel'> | null, at: Date): Promise<SurveyState> {
  if (!currentPhase(p.phases, at)?.components.survey) return { kind: 'closed', opensAt: nextPhaseWith(p.phases, 'survey', at)?.startsAt ?? null }
  if (!user) return { kind: 'signIn' }
  if (user.verificationLevel < s.requiredLevel) return { kind: 'levelTooLow', required: s.requiredLevel }
  const given = await database().db.selectFrom('survey_responses').select('id').where('survey_id', '=', s.id).where('user_id', '=', user.id).executeTakeFirst()
  return given ? { kind: 'answered' } : { kind: 'open' }
}

export type AnswerResult = { kind: 'ok'; held: boolean } | { kind: 'notFound' } | Exclude<SurveyState, { kind: 'open' } | { kind: 'signIn' }> | { kind: 'invalid'; errors: Record<string, string> }

/** A person answers a survey of a published process: once, in its phase, at its level. Free text is held for moderation. */
export async function answerSurvey(user: Pick<Principal, 'id' | 'verificationLevel'>, surveyId: number, entries: FormEntries, at: Date = new Date()): Promise<AnswerResult> {
  const s = await surveyRecord(surveyId)
  const p = s ? await processRecord({ id: s.processId }) : null
  if (!s || !p || !p.published) return { kind: 'notFound' }
  const state = await surveyState(p, s, user, at)
  if (state.kind !== 'open' && state.kind !== 'signIn') return state
  const { answers, errors } = readAnswers(s.questions, entries)
  if (Object.keys(errors).length) return { kind: 'invalid', errors }
  const text = freeTextOf(s.questions, answers)
  return database().write(async (trx): Promise<AnswerResult> => {
    const row = await trx
      .insertInto('survey_responses')
      .values({ survey_id: s.id, user_id: user.id, answers: JSON.stringify(answers), text_state: text.length ? 'pending' : 'none', created_at: at.toISOString() })
      // Two answers at once (two tabs): the unique (survey, person) keeps the first.
      .onConflict((oc) => oc.columns(['survey_id', 'user_id']).doNothing())
      .returning('id')
      .executeTakeFirst()
    if (!row) return { kind: 'answered' }
    if (text.length) await holdForReview(trx, RESPONSE_KIND, row.id, { authorId: user.id, excerpt: text.join('\n\n'), url: `/processes/${p.slug}/surveys/${s.id}/results` })
    return { kind: 'ok', held: text.length > 0 }
  })
}

// ------------------------------------------------------------------------------------ results

export interface QuestionResult {
  id: string
  number: number
  type: Question['type']
  prompt: string
  conditionText: string | null
  /** How many people answered this question. */
  answered: number
  /** single / multiple / scale: one bar per option or value. */
  bars: Array<{ label: string; count: number }>
  /** scale: the mean. */
  mean: number | null
  /** matrix: per row, the count per column. */
  matrix: { columns: string[]; rows: Array<{ label: string; counts: number[] }> } | null
  /** short / long: answers moderators have published (newest first, at most 100). */
  texts: string[]
}

const TEXTS_SHOWN = 100

/** What a question's condition says, in a language: "Question 1 — Yes". */
export function conditionLabel(questions: Question[], q: Question, locale: string, fallback: string): { question: number; option: string } | null {
  if (!q.showIf) return null
  const index = questions.findIndex((x) => x.id === q.showIf!.question)
  const target = questions[index]
  return target ? { question: index + 1, option: localize(target.options[q.showIf.option], locale, fallback) } : null
}

/** The tallies of a survey for its charts. Free text shown only when published. */
export async function surveyResults(s: SurveyRecord, locale: string): Promise<{ total: number; questions: QuestionResult[] }> {
  const fallback = cityDefaultLocale()
  const rows = await database().db.selectFrom('survey_responses').select(['answers', 'text_state']).where('survey_id', '=', s.id).orderBy('id', 'desc').execute()
  const results: QuestionResult[] = s.questions.map((q, i) => {
    const size = isChoice(q) ? q.options.length : q.type === 'scale' ? q.max - q.min + 1 : 0
    const cond = conditionLabel(s.questions, q, locale, fallback)
    return {
      id: q.id,
      number: i + 1,
      type: q.type,
      prompt: localize(q.prompt, locale, fallback),
      conditionText: cond ? `${cond.question}|${cond.option}` : null,
      answered: 0,
      bars: Array.from({ length: size }, (_, k) => ({ label: isChoice(q) ? localize(q.options[k], locale, fallback) : String(q.min + k), count: 0 })),
      mean: null,
      matrix:
        q.type === 'matrix'
          ? { columns: q.options.map((o) => localize(o, locale, fallback)), rows: q.rows.map((r) => ({ label: localize(r, locale, fallback), counts: q.options.map(() => 0) })) }
          : null,
      texts: [],
    }
  })
  const sums = new Map<string, number>()
  for (const row of rows) {
    const answers = safeAnswers(row.answers)
    s.questions.forEach((q, i) => {
      const a = answers[q.id]
      const r = results[i]!
      if (a === undefined) return
      r.answered++
      if (q.type === 'single' && typeof a === 'number' && r.bars[a]) r.bars[a].count++
      else if (q.type === 'multiple' && Array.isArray(a)) for (const k of a) if (r.bars[k]) r.bars[k].count++
      if (q.type === 'scale' && typeof a === 'number' && r.bars[a - q.min]) {
        r.bars[a - q.min]!.count++
        sums.set(q.id, (sums.get(q.id) ?? 0) + a)
      }
      if (q.type === 'matrix' && a && typeof a === 'object' && !Array.isArray(a))
        for (const [rowKey, col] of Object.entries(a)) {
          const cells = r.matrix?.rows[Number(rowKey)]?.counts
          if (cells && col in cells) cells[col]!++
        }
      if (isText(q) && typeof a === 'string' && row.text_state === 'published' && r.texts.length < TEXTS_SHOWN) r.texts.push(a)
    })
  }
  for (const r of results) if (r.type === 'scale' && r.answered) r.mean = Math.round(((sums.get(r.id) ?? 0) / r.answered) * 100) / 100
  return { total: rows.length, questions: results }
}

function safeAnswers(stored: string): Answers {
  try {
    const v = JSON.parse(stored) as unknown
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Answers) : {}
  } catch {
    return {}
  }
}

/**
 * The answers as CSV, anonymised: no person, no time, and rows in an order that does not follow
 * when they were given (sorted by a hash of the answers). Free text appears only once published,
 * unless `allText` (the administrators' copy). Options by name in `locale`; the formula guard is csv.ts's.
 */
export async function surveyCsv(s: SurveyRecord, locale: string, options: { allText: boolean }): Promise<string> {
  const fallback = cityDefaultLocale()
  const rows = await database().db.selectFrom('survey_responses').select(['answers', 'text_state']).where('survey_id', '=', s.id).execute()
  const header: string[] = ['answer']
  for (const [i, q] of s.questions.entries()) {
    const name = `${i + 1}. ${localize(q.prompt, locale, fallback)}`
    if (q.type === 'matrix') for (const r of q.rows) header.push(`${name} — ${localize(r, locale, fallback)}`)
    else header.push(name)
  }
  const keyed = rows.map((r) => ({ ...r, key: createHash('sha256').update(r.answers).digest('hex') }))
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  const label = (q: Question, k: number) => localize(q.options[k], locale, fallback)
  const body = keyed.map((row, n) => {
    const a = safeAnswers(row.answers)
    const cells: CsvValue[] = [n + 1]
    for (const q of s.questions) {
      const v = a[q.id]
      if (q.type === 'matrix') {
        const m = v && typeof v === 'object' && !Array.isArray(v) ? v : {}
        q.rows.forEach((_, r) => cells.push(typeof m[String(r)] === 'number' ? label(q, m[String(r)]!) : ''))
      } else if (q.type === 'single') cells.push(typeof v === 'number' ? label(q, v) : '')
      else if (q.type === 'multiple') cells.push(Array.isArray(v) ? v.map((k) => label(q, k)).join('; ') : '')
      else if (q.type === 'scale') cells.push(typeof v === 'number' ? v : '')
      else cells.push(typeof v === 'string' && (options.allText || row.text_state === 'published') ? v : '')
    }
    return cells
  })
  return csvHeader(header) + csvRows(body)
}

// ------------------------------------------------------------------------------------ moderation

/** Free text of a response goes through moderation's queue: approve publishes it, hide rejects it. */
export function registerSurveyModeration() {
  registerModeratedKind(RESPONSE_KIND, {
    async describe(trx, id) {
      const db = trx ?? database().db
      const row = await db
        .selectFrom('survey_responses as r')
        .innerJoin('process_surveys as s', 's.id', 'r.survey_id')
        .innerJoin('participatory_processes as p', 'p.id', 's.process_id')
        .select(['r.user_id', 'r.answers', 'r.text_state', 's.id as survey_id', 's.questions', 'p.slug'])
        .where('r.id', '=', id)
        .executeTakeFirst()
      if (!row) return null
      const text = freeTextOf(parseQuestions(row.questions), safeAnswers(row.answers))
      return { authorId: row.user_id, excerpt: text.join('\n\n'), url: `/processes/${row.slug}/surveys/${row.survey_id}/results`, hidden: row.text_state !== 'published' }
    },
    async hide(trx, id) {
      await trx.updateTable('survey_responses').set({ text_state: 'rejected' }).where('id', '=', id).where('text_state', '!=', 'none').execute()
    },
    async restore(trx, id) {
      await trx.updateTable('survey_responses').set({ text_state: 'published' }).where('id', '=', id).where('text_state', '!=', 'none').execute()
    },
    async hideAllBy(trx, authorId) {
      const r = await trx.updateTable('survey_responses').set({ text_state: 'rejected' }).where('user_id', '=', authorId).where('text_state', 'in', ['pending', 'published']).executeTakeFirst()
      return Number(r.numUpdatedRows)
    },
  })
}
