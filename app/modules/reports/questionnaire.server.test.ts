import { beforeAll, describe, expect, it } from 'vitest'
import { database } from '../../lib/db.server'
import { makeUser, seededDatabase } from '../../../tests/support/fixtures'
import { areaPoint } from '../geo/areas.server'
import { answerQuestionnaire, questionnaireByToken, sendDueQuestionnaires, startQuestionnaireJob } from './questionnaire.server'
import { QUESTIONNAIRE_AFTER_DAYS, confirmReport, fileReport, reportTimeline, triageReport, type NewReport } from './reports.server'

const DAY = 86_400_000
let centre: { lat: number; lng: number }
const council = { userId: null, departments: 'all' as const, source: 'web' as const }

async function file(overrides: Partial<NewReport> = {}) {
  const user = await makeUser(1)
  const { email } = await database().db.selectFrom('users').select('email').where('id', '=', user.id).executeTakeFirstOrThrow()
  const result = await fileReport(
    { categoryCode: 'pothole', title: `Pothole ${user.id}`, description: 'Deep.', lat: centre.lat, lng: centre.lng, anonymous: false, locale: 'en', ...overrides },
    { kind: 'user', userId: user.id, name: `Person ${user.id}` },
  )
  if (result.kind !== 'filed') throw new Error(result.kind)
  return { id: result.id, email: email! }
}

const report = (id: number) => database().db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
const questionnairesOf = (id: number) => database().db.selectFrom('report_questionnaires').selectAll().where('report_id', '=', id).execute()
const mailsTo = (email: string) => database().db.selectFrom('outbox').selectAll().where('to_address', '=', email).where('kind', '=', 'report.questionnaire').execute()

async function tokenMailedTo(email: string) {
  const [mail] = await mailsTo(email)
  const match = /\/reports\/questionnaire\/([a-z2-7]{32})/.exec(mail?.text_body ?? '')
  if (!match) throw new Error(`no questionnaire mailed to ${email}`)
  return match[1]!
}

/** A report whose questionnaire has been sent; returns its id, the reporter's address and the token. */
async function asked(overrides: Partial<NewReport> = {}, before?: (id: number) => Promise<void>) {
  const r = await file(overrides)
  await before?.(r.id)
  const due = (await report(r.id)).questionnaire_due_at!
  await sendDueQuestionnaires(new Date(Date.parse(due) + 1000))
  return { ...r, token: await tokenMailedTo(r.email) }
}

beforeAll(async () => {
  await seededDatabase()
  centre = (await areaPoint('sant-roc'))!
})

describe('sending the questionnaire', () => {
  it(`is due ${QUESTIONNAIRE_AFTER_DAYS} days after the report was published, and not sent before`, async () => {
    const { id, email } = await file()
    const r = await report(id)
    expect(Date.parse(r.questionnaire_due_at!) - Date.parse(r.confirmed_at!)).toBe(28 * DAY)
    await sendDueQuestionnaires(new Date(Date.parse(r.confirmed_at!) + 28 * DAY - 60_000))
    expect(await questionnairesOf(id)).toHaveLength(0)
    expect(await mailsTo(email)).toHaveLength(0)
    const run = await sendDueQuestionnaires(new Date(Date.parse(r.questionnaire_due_at!)))
    expect(run.sent).toBeGreaterThanOrEqual(1)
    expect(await questionnairesOf(id)).toHaveLength(1)
    const [mail] = await mailsTo(email)
    expect(mail!.subject).toBe(`Has it been fixed? “${r.title}”`)
    expect(mail!.text_body).toMatch(/\/reports\/questionnaire\/[a-z2-7]{32}/)
    expect((await report(id)).questionnaire_due_at).toBeNull()
    // The token is stored only as its hash.
    const token = await tokenMailedTo(email)
    expect(JSON.stringify(await questionnairesOf(id))).not.toContain(token)
    // Later runs never ask again.
    await sendDueQuestionnaires(new Date(Date.now() + 100 * DAY))
    expect(await mailsTo(email)).toHaveLength(1)
  })

  it('is sent once even when two runs overlap', async () => {
    const reports = await Promise.all([file(), file(), file()])
    const at = new Date(Date.now() + 29 * DAY)
    const runs = await Promise.all([sendDueQuestionnaires(at), sendDueQuestionnaires(at), sendDueQuestionnaires(at)])
    for (const r of reports) {
      expect(await questionnairesOf(r.id)).toHaveLength(1)
      expect(await mailsTo(r.email)).toHaveLength(1)
    }
    expect(runs.reduce((n, run) => n + run.sent, 0)).toBeGreaterThanOrEqual(reports.length)
    // Every due report was claimed by exactly one run.
    const claimed = runs.reduce((n, run) => n + run.sent + run.skipped, 0)
    expect(claimed).toBe(runs[0]!.seen)
  })

  it('is skipped for closed reports, whose due date is cleared', async () => {
    const { id, email } = await file()
    expect((await triageReport(council, id, { state: 'not_responsible' })).kind).toBe('ok')
    const run = await sendDueQuestionnaires(new Date(Date.now() + 29 * DAY))
    expect(run.skipped).toBeGreaterThanOrEqual(1)
    expect(await questionnairesOf(id)).toHaveLength(0)
    expect(await mailsTo(email)).toHaveLength(0)
    expect((await report(id)).questionnaire_due_at).toBeNull()
  })

  it('asks a logged-out reporter at the address that confirmed the report', async () => {
    const guest = `guest-${Date.now()}@questionnaire.example.org`
    const filed = await fileReport(
      { categoryCode: 'pothole', title: 'Guest pothole', description: 'Deep.', lat: centre.lat, lng: centre.lng, anonymous: false, locale: 'fr' },
      { kind: 'guest', email: guest, name: 'Ana' },
    )
    if (filed.kind !== 'filed') throw new Error(filed.kind)
    const confirmMail = await database().db.selectFrom('outbox').select('text_body').where('kind', '=', 'report.confirm').where('to_address', '=', guest).executeTakeFirstOrThrow()
    expect((await confirmReport(/\/reports\/confirm\/([a-z0-9]+)/.exec(confirmMail.text_body)![1]!)).kind).toBe('ok')
    await sendDueQuestionnaires(new Date(Date.now() + 29 * DAY))
    const [mail] = await mailsTo(guest)
    expect(mail!.subject).toBe('Est-ce réglé ? « Guest pothole »')
    expect(mail!.text_body).toContain('Bonjour Ana,')
  })
})

describe('answering', () => {
  it('yes marks an open report fixed on the public timeline, with the comment', async () => {
    const { id, token } = await asked()
    expect(await questionnaireByToken(token)).toMatchObject({ reportId: id, stateKind: 'open', answeredAt: null })
    expect(await answerQuestionnaire(token, { fixed: true, comment: '  Filled last week, thank you.  ' })).toEqual({ kind: 'ok', reportId: id, changed: 'fixed' })
    expect((await report(id)).state_kind).toBe('fixed')
    const last = (await reportTimeline(id)).at(-1)!
    expect(last).toMatchObject({ kind: 'questionnaire', public: true, toState: 'fixed', text: 'Filled last week, thank you.' })
    const [q] = await questionnairesOf(id)
    expect(q).toMatchObject({ answer: 'fixed', comment: 'Filled last week, thank you.' })
    expect(q!.answered_at).not.toBeNull()
  })

  it('no reopens a report the council marked fixed', async () => {
    const { id, token } = await asked({}, async (reportId) => {
      expect((await triageReport(council, reportId, { state: 'fixed' })).kind).toBe('ok')
    })
    expect((await questionnaireByToken(token))?.stateKind).toBe('fixed')
    expect(await answerQuestionnaire(token, { fixed: false, comment: 'Still a hole.' })).toEqual({ kind: 'ok', reportId: id, changed: 'open' })
    expect((await report(id)).state_kind).toBe('open')
    expect((await reportTimeline(id)).at(-1)).toMatchObject({ kind: 'questionnaire', public: true, fromState: 'fixed', toState: 'confirmed', text: 'Still a hole.' })
  })

  it('no on an open report changes nothing but is recorded', async () => {
    const { id, token } = await asked()
    const before = (await reportTimeline(id)).length
    expect(await answerQuestionnaire(token, { fixed: false })).toEqual({ kind: 'ok', reportId: id, changed: null })
    expect((await report(id)).state_kind).toBe('open')
    expect(await reportTimeline(id)).toHaveLength(before)
    expect((await questionnairesOf(id))[0]).toMatchObject({ answer: 'not_fixed', comment: null })
  })

  it('refuses a second answer, even two at once', async () => {
    const { id, token } = await asked()
    const answers = await Promise.all([answerQuestionnaire(token, { fixed: true }), answerQuestionnaire(token, { fixed: false, comment: 'changed my mind' })])
    expect(answers.map((a) => a.kind).sort()).toEqual(['already', 'ok'])
    expect(await answerQuestionnaire(token, { fixed: false })).toEqual({ kind: 'already', reportId: id })
    expect(await questionnairesOf(id)).toHaveLength(1)
    expect((await questionnaireByToken(token))?.answeredAt).not.toBeNull()
  })

  it('refuses unknown tokens', async () => {
    for (const bad of ['', 'abc', 'a'.repeat(32), '../reports/1']) {
      expect(await questionnaireByToken(bad)).toBeNull()
      expect(await answerQuestionnaire(bad, { fixed: true })).toEqual({ kind: 'invalid' })
    }
  })
})

describe('the background job', () => {
  it('sends what is due soon after it starts, and stops', async () => {
    // Filed 30 days ago: due two days ago.
    const { id, email } = await file({ createdAt: new Date(Date.now() - 30 * DAY).toISOString() })
    const stop = startQuestionnaireJob(60_000, { firstRunMs: 10 })
    try {
      const deadline = Date.now() + 5000
      while ((await mailsTo(email)).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    } finally {
      await stop()
    }
    expect(await mailsTo(email)).toHaveLength(1)
    expect(await questionnairesOf(id)).toHaveLength(1)
  })
})
