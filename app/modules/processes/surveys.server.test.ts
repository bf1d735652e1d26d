import { beforeAll, describe, expect, it } from 'vitest'
import { makeUser, seededDatabase } from '../../../tests/support/fixtures'
import { database } from '../../lib/db.server'
import { decide, moderationQueue } from '../moderation/moderation.server'
import { processFromForm, saveProcess, type Admin } from './processes.server'
import { applies, readAnswers, surveyFormValues, surveyFromForm, type FormEntries } from './survey'
import { answerSurvey, registerSurveyModeration, saveSurvey, surveyCsv, surveyRecord, surveyResults, surveyState } from './surveys.server'
import { processRecord } from './processes.server'

const DAY = 86_400_000
const T0 = Date.parse('2033-01-10T00:00:00.000Z')
const day = (n: number) => new Date(T0 + n * DAY + 12 * 3600_000)
const iso = (n: number) => new Date(T0 + n * DAY).toISOString().slice(0, 16)

let admin: Admin
let staff: Admin
let processId: number

/** A survey with every question type; question 3 is asked only of those who answered "Yes" to question 1. */
const builder: Record<string, string> = {
  title_en: 'How do you get around?',
  title_es: '¿Cómo te desplazas?',
  requiredLevel: '1',
  'q.0.type': 'single',
  'q.0.prompt_en': 'Do you cycle?',
  'q.0.prompt_es': '¿Vas en bici?',
  'q.0.options_en': 'Yes\nNo',
  'q.0.options_es': 'Sí\nNo',
  'q.0.required': 'on',
  'q.1.type': 'multiple',
  'q.1.prompt_en': 'Which streets?',
  'q.1.options_en': 'Main street\nRiver road\n=HYPERLINK("x")',
  'q.2.type': 'short',
  'q.2.prompt_en': 'What would make cycling safer?',
  'q.2.ifQuestion': '1',
  'q.2.ifOption': '1',
  'q.3.type': 'scale',
  'q.3.prompt_en': 'How safe do you feel?',
  'q.3.min': '1',
  'q.3.max': '5',
  'q.4.type': 'matrix',
  'q.4.prompt_en': 'Rate each',
  'q.4.rows_en': 'Lighting\nPaving',
  'q.4.options_en': 'Bad\nGood',
  'q.5.type': 'long',
  'q.5.prompt_en': 'Anything else?',
}

const entries = (o: Record<string, string | string[]>): FormEntries => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]))

beforeAll(async () => {
  await seededDatabase()
  registerSurveyModeration()
  const a = await makeUser(3)
  const s = await makeUser(3)
  admin = { id: a.id, roles: [{ role: 'admin', departmentId: null }] }
  staff = { id: s.id, roles: [{ role: 'staff', departmentId: null }] }
  const parsed = processFromForm({
    slug: 'survey-process',
    title_en: 'Mobility plan',
    published: 'on',
    'phase.0.title_en': 'Information',
    'phase.0.startsAt': iso(0),
    'phase.0.endsAt': iso(1),
    'phase.1.title_en': 'Survey',
    'phase.1.startsAt': iso(1),
    'phase.1.endsAt': iso(3),
    'phase.1.survey': 'on',
  })
  const saved = await saveProcess(admin, null, parsed.input!, day(0))
  if (saved.kind !== 'ok') throw new Error(saved.kind)
  processId = saved.id
})

describe('the survey builder', () => {
  it('reads every question type, per language, with a condition on an earlier answer', () => {
    const { input, errors } = surveyFromForm(builder)
    expect(errors).toEqual({})
    expect(input!.questions.map((q) => q.type)).toEqual(['single', 'multiple', 'short', 'scale', 'matrix', 'long'])
    expect(input!.questions[0]!.options).toEqual([
      { en: 'Yes', es: 'Sí' },
      { en: 'No', es: 'No' },
    ])
    expect(input!.questions[2]!.showIf).toEqual({ question: 'q1', option: 0 })
    expect(input!.title.es).toBe('¿Cómo te desplazas?')
    // The form shows what it stored.
    const again = surveyFromForm(surveyFormValues(input!, 1))
    expect(again.input).toEqual(input)
  })

  it('answers bad input by field: a condition on a later or a text question, a one-option choice, a broken scale, no questions', () => {
    const bad = surveyFromForm({ ...builder, 'q.2.ifQuestion': '4', 'q.0.options_en': 'Only', 'q.0.options_es': '', 'q.3.max': '1', requiredLevel: '9' })
    expect(bad.input).toBeNull()
    expect(bad.errors).toMatchObject({ 'q.0.options_en': 'errors.options', 'q.2.ifQuestion': 'errors.ifQuestion', 'q.3.max': 'errors.scale', requiredLevel: 'errors.level' })
    expect(surveyFromForm({ ...builder, 'q.2.ifOption': '7' }).errors['q.2.ifOption']).toBe('errors.ifOption')
    expect(surveyFromForm({ title_en: 'Empty', requiredLevel: '1' }).errors.form).toBe('errors.noQuestions')
    expect(surveyFromForm({ ...builder, 'q.1.type': 'essay' }).errors['q.1.type']).toBe('errors.type')
  })

  it('only an administrator saves a survey, audited', async () => {
    const { input } = surveyFromForm(builder)
    expect(await saveSurvey(staff, processId, null, input!, day(0))).toEqual({ kind: 'forbidden' })
    expect(await saveSurvey(admin, 999_999, null, input!, day(0))).toEqual({ kind: 'notFound' })
    const saved = await saveSurvey(admin, processId, null, input!, day(0))
    expect(saved.kind).toBe('ok')
    const audit = await database().db.selectFrom('audit_log').select('action').where('target_kind', '=', 'process_survey').execute()
    expect(audit.map((a) => a.action)).toContain('process.survey.create')
  })
})

describe('answering', () => {
  it('conditional questions: dropped when their condition is not met, asked when it is', async () => {
    const { input } = surveyFromForm(builder)
    const qs = input!.questions
    const no = readAnswers(qs, entries({ 'a.q1': '1', 'a.q3': 'typed anyway', 'a.q4': '3' }))
    expect(no.errors).toEqual({})
    expect(no.answers).toEqual({ q1: 1, q4: 3 })
    expect(applies(qs[2]!, no.answers)).toBe(false)
    const yes = readAnswers(qs, entries({ 'a.q1': '0', 'a.q2': ['1', '0', '1'], 'a.q3': '  Protected   lanes ', 'a.q5.0': '1', 'a.q5.1': '0' }))
    expect(yes.errors).toEqual({})
    expect(yes.answers).toEqual({ q1: 0, q2: [0, 1], q3: 'Protected lanes', q5: { '0': 1, '1': 0 } })
    // Bad input: an option that does not exist, a scale out of range, a required question left out.
    expect(readAnswers(qs, entries({ 'a.q1': '5' })).errors).toEqual({ 'a.q1': 'errors.badOption' })
    expect(readAnswers(qs, entries({ 'a.q1': '0', 'a.q4': '9' })).errors).toEqual({ 'a.q4': 'errors.badScale' })
    expect(readAnswers(qs, entries({})).errors).toEqual({ 'a.q1': 'errors.required' })
    expect(readAnswers(qs, entries({ 'a.q1': '0', 'a.q3': 'x'.repeat(201) })).errors).toEqual({ 'a.q3': 'errors.shortLong' })
  })

  it('a survey is answered once, only in its phase and at its level; free text waits for a moderator', async () => {
    const s = (await database().db.selectFrom('process_surveys').select('id').where('process_id', '=', processId).executeTakeFirstOrThrow()).id
    const level0 = await makeUser(0)
    const people = await Promise.all([makeUser(1), makeUser(2), makeUser(1)])
    const p = (await processRecord({ id: processId }))!
    const record = (await surveyRecord(s))!
    expect(await surveyState(p, record, null, day(2))).toEqual({ kind: 'signIn' })
    // Before its phase: refused with the date it opens.
    expect(await answerSurvey({ id: people[0]!.id, verificationLevel: 1 }, s, entries({ 'a.q1': '1' }), day(0))).toEqual({ kind: 'closed', opensAt: new Date(T0 + DAY).toISOString() })
    expect(await answerSurvey({ id: level0.id, verificationLevel: 0 }, s, entries({ 'a.q1': '1' }), day(2))).toEqual({ kind: 'levelTooLow', required: 1 })
    expect((await answerSurvey({ id: people[0]!.id, verificationLevel: 1 }, s, entries({}), day(2))).kind).toBe('invalid')
    const first = await answerSurvey({ id: people[0]!.id, verificationLevel: 1 }, s, entries({ 'a.q1': '0', 'a.q2': ['2'], 'a.q3': '=cmd|calc Protected lanes', 'a.q4': '2', 'a.q5.0': '0' }), day(2))
    expect(first).toEqual({ kind: 'ok', held: true })
    expect(await answerSurvey({ id: people[0]!.id, verificationLevel: 1 }, s, entries({ 'a.q1': '1' }), day(2))).toEqual({ kind: 'answered' })
    expect(await surveyState(p, record, { id: people[0]!.id, verificationLevel: 1 }, day(2))).toEqual({ kind: 'answered' })
    expect(await answerSurvey({ id: people[1]!.id, verificationLevel: 2 }, s, entries({ 'a.q1': '1', 'a.q4': '4' }), day(2))).toEqual({ kind: 'ok', held: false })
    expect(await answerSurvey({ id: people[2]!.id, verificationLevel: 1 }, s, entries({ 'a.q1': '0', 'a.q3': 'More light', 'a.q4': '4' }), day(2))).toEqual({ kind: 'ok', held: true })
    // After its phase: closed, no date to come.
    expect(await answerSurvey({ id: level0.id, verificationLevel: 3 }, s, entries({ 'a.q1': '1' }), day(5))).toEqual({ kind: 'closed', opensAt: null })
    const count = await database()
      .db.selectFrom('survey_responses')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('survey_id', '=', s)
      .executeTakeFirstOrThrow()
    expect(Number(count.n)).toBe(3)

    // Results: tallies; the free text is not shown until a moderator approves it.
    const before = await surveyResults((await surveyRecord(s))!, 'en')
    expect(before.total).toBe(3)
    expect(before.questions[0]!.bars).toEqual([
      { label: 'Yes', count: 2 },
      { label: 'No', count: 1 },
    ])
    expect(before.questions[1]!.bars.map((b) => b.count)).toEqual([0, 0, 1])
    expect(before.questions[3]!.mean).toBeCloseTo(3.33, 2)
    expect(before.questions[4]!.matrix!.rows[0]!.counts).toEqual([1, 0])
    expect(before.questions[2]!.answered).toBe(2)
    expect(before.questions[2]!.texts).toEqual([])
    expect((await surveyResults((await surveyRecord(s))!, 'es')).questions[0]!.bars[0]!.label).toBe('Sí')

    const queue = (await moderationQueue()).filter((q) => q.target_kind === 'survey_response')
    expect(queue).toHaveLength(2)
    expect(queue.map((q) => q.excerpt)).toContain('More light')
    const moderator = await makeUser(1)
    await decide(moderator.id, queue.find((q) => q.excerpt === 'More light')!.id, 'approve', '')
    await decide(moderator.id, queue.find((q) => q.excerpt !== 'More light')!.id, 'hide', 'A formula')
    const after = await surveyResults((await surveyRecord(s))!, 'en')
    expect(after.questions[2]!.texts).toEqual(['More light'])

    // The CSV: no person, no time; free text only when published (all of it for administrators); the formula guard.
    const csv = await surveyCsv((await surveyRecord(s))!, 'en', { allText: false })
    const lines = csv
      .replace(/^\ufeff/, '')
      .trim()
      .split('\r\n')
    expect(lines).toHaveLength(4)
    expect(lines[0]).toBe('answer,1. Do you cycle?,2. Which streets?,3. What would make cycling safer?,4. How safe do you feel?,5. Rate each — Lighting,5. Rate each — Paving,6. Anything else?')
    expect(csv).toContain('More light')
    expect(csv).not.toContain('Protected lanes')
    expect(csv).toContain(`"'=HYPERLINK(""x"")"`)
    for (const p of people) expect(csv).not.toContain(String(p.email))
    const full = await surveyCsv((await surveyRecord(s))!, 'en', { allText: true })
    expect(full).toContain(`'=cmd|calc Protected lanes`)

    // Questions are fixed once answered; the title may still change.
    const { input } = surveyFromForm(builder)
    expect(await saveSurvey(admin, processId, s, { ...input!, questions: input!.questions.slice(1) }, day(2))).toEqual({ kind: 'answered' })
    expect(await saveSurvey(admin, processId, s, { ...input!, title: { en: 'Getting around' } }, day(2))).toEqual({ kind: 'ok', id: s })
  })
})
