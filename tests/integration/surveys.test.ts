import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testClock } from '../support/clock'
import { startPlaza, type RunningPlaza } from '../support/server'
import { sqlOf, type TestSql } from '../support/sql'
import { Visitor } from '../support/visitor'

/**
 * Surveys of a process over real HTTP, without JavaScript: an administrator builds one from the
 * form (others refused, bad input answered next to the field); residents answer once in the survey
 * phase at its level; conditional questions are shown with a hint and dropped when they do not
 * apply; the results page and the anonymised CSV; written answers only after a moderator approves.
 */
let plaza: RunningPlaza
let sql: TestSql
const { clockFile, setClock, local } = testClock('2034-02-01T00:00:00.000Z')

async function as(who: string) {
  const v = new Visitor(plaza.url, { 'accept-language': 'en' })
  if (who !== 'anonymous') expect((await v.post('/login', { email: `${who}@valmera.example`, password: 'valmera-demo-2026' })).status).toBe(302)
  return v
}
const one = async <T>(query: string, ...params: unknown[]) => (await sql.get(query, ...params)) as T
const form = (fields: Record<string, string | string[]>) => {
  const f = new FormData()
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) f.append(k, x)
  return f
}

const survey = {
  title_en: 'Getting around Valmera',
  title_es: 'Moverse por Valmera',
  requiredLevel: '2',
  'q.0.type': 'single',
  'q.0.prompt_en': 'Do you cycle?',
  'q.0.options_en': 'Yes\nNo',
  'q.0.options_es': 'Sí\nNo',
  'q.0.required': 'on',
  'q.1.type': 'short',
  'q.1.prompt_en': 'What would make cycling safer?',
  'q.1.ifQuestion': '1',
  'q.1.ifOption': '1',
  'q.2.type': 'multiple',
  'q.2.prompt_en': 'Which streets?',
  'q.2.options_en': 'Main street\nRiver road',
  'q.3.type': 'scale',
  'q.3.prompt_en': 'How safe do you feel?',
  'q.4.type': 'matrix',
  'q.4.prompt_en': 'Rate each',
  'q.4.rows_en': 'Lighting\nPaving',
  'q.4.options_en': 'Bad\nGood',
  'q.5.type': 'long',
  'q.5.prompt_en': 'Anything else?',
}

let processId: number
let surveyPath: string

describe('surveys over HTTP', () => {
  beforeAll(async () => {
    setClock(0)
    plaza = await startPlaza({ RATE_LIMIT_WRITE: 'off', BACKGROUND_JOBS: 'false', PLAZA_TEST_CLOCK_FILE: clockFile })
    sql = sqlOf(plaza)
  })
  afterAll(async () => {
    await sql?.close()
    await plaza?.stop()
  })

  it('only an administrator builds a survey; bad input is answered next to the field and kept', async () => {
    const admin = await as('admin')
    const made = await admin.post('/admin/processes/new', {
      slug: 'survey-http',
      title_en: 'Mobility plan',
      published: 'on',
      'phase.0.title_en': 'Survey',
      'phase.0.startsAt': local(1),
      'phase.0.endsAt': local(3),
      'phase.0.survey': 'on',
    })
    expect(made.status).toBe(302)
    processId = (await one<{ id: number }>(`select id from participatory_processes where slug = 'survey-http'`)).id
    const builder = `/admin/processes/${processId}/surveys/new`
    expect((await (await as('anonymous')).get(builder)).status).toBe(302)
    for (const who of ['citizen', 'resident', 'roads', 'moderator']) {
      expect((await (await as(who)).get(builder)).status).toBe(403)
      expect((await (await as(who)).post(builder, survey)).status).toBe(403)
    }
    expect((await admin.get(`/admin/processes/${processId}/surveys/999999`)).status).toBe(404)
    expect((await admin.get(`/admin/processes/999999/surveys/new`)).status).toBe(404)
    const bad = await admin.post(builder, { ...survey, 'q.1.ifQuestion': '3', 'q.2.options_en': 'Only one' })
    expect(bad.status).toBe(400)
    const html = await bad.text()
    expect(html).toContain('Give the number of an earlier single or multiple choice question.')
    expect(html).toContain('Give at least two choices, one per line.')
    expect(html).toContain('value="Getting around Valmera"')
    const ok = await admin.post(builder, survey)
    expect(ok.status).toBe(302)
    surveyPath = `/processes/survey-http/surveys/${/surveys\/(\d+)/.exec(ok.headers.get('location')!)![1]}`
    expect((await one<{ n: number }>(`select count(*) as n from audit_log where action = 'process.survey.create'`)).n).toBe(1)
    expect(await (await admin.get(`/admin/processes/${processId}`)).text()).toContain('Getting around Valmera')
  })

  it('a survey is answered once, in its phase, at its level; conditional questions carry a hint without JavaScript', async () => {
    const anonymous = await as('anonymous')
    const page = await anonymous.get(surveyPath)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('opens on')
    expect(html).toContain('What would make cycling safer?')
    expect((await anonymous.get('/processes/survey-http/surveys')).status).toBe(200)
    expect((await anonymous.get('/processes/other-slug/surveys/1')).status).toBe(404)
    expect((await anonymous.get('/processes/survey-http/surveys/abc')).status).toBe(404)
    expect(await (await anonymous.get('/processes/survey-http')).text()).toContain('Surveys of this process')

    const resident = await as('resident')
    const answers = { 'a.q1': '0', 'a.q2': 'Protected lanes on the main street', 'a.q3': ['0', '1'], 'a.q4': '2', 'a.q5.0': '1', 'a.q5.1': '0' }
    // Before its phase.
    const early = await resident.post(surveyPath, form(answers))
    expect(early.status).toBe(409)
    expect(await early.text()).toContain('it opens on')

    setClock(2)
    const open = await (await resident.get(surveyPath)).text()
    expect(open).toContain('Answer this only if you chose “Yes” in question 1.')
    expect(open).toContain('name="a.q2"')
    // Anonymous: to the login; level 1 (citizen): refused with the reason.
    expect((await anonymous.post(surveyPath, form(answers))).status).toBe(302)
    const low = await (await as('citizen')).post(surveyPath, form(answers))
    expect(low.status).toBe(403)
    expect(await low.text()).toContain('needs verification level 2')
    // Bad input: the message next to the question, what was typed kept.
    const bad = await resident.post(surveyPath, form({ ...answers, 'a.q1': '', 'a.q4': '11' }))
    expect(bad.status).toBe(400)
    const badHtml = await bad.text()
    expect(badHtml).toContain('Answer this question.')
    expect(badHtml).toContain('Choose a value on the scale.')
    expect(badHtml).toContain('Protected lanes on the main street')
    const done = await resident.post(surveyPath, form(answers))
    expect(done.status).toBe(200)
    expect(await done.text()).toContain('will be published once a moderator has read it')
    const again = await resident.post(surveyPath, form({ 'a.q1': '1' }))
    expect(again.status).toBe(409)
    expect(await again.text()).toContain('You have already answered this survey.')
    // Level 3: answers "No", and the conditional question's text is dropped.
    expect((await (await as('admin')).post(surveyPath, form({ 'a.q1': '1', 'a.q2': 'typed although it does not apply', 'a.q4': '4' }))).status).toBe(200)
    const stored = await one<{ answers: string; text_state: string }>(`select answers, text_state from survey_responses order by id desc limit 1`)
    expect(JSON.parse(stored.answers)).toEqual({ q1: 1, q4: 4 })
    expect(stored.text_state).toBe('none')
  })

  it('results and the CSV: anonymised, written answers only once a moderator approves (all for administrators)', async () => {
    const anonymous = await as('anonymous')
    const results = await anonymous.get(`${surveyPath}/results`)
    expect(results.status).toBe(200)
    const html = await results.text()
    expect(html).toContain('2 people answered.')
    expect(html).toContain('No written answers have been published yet.')
    expect(html).not.toContain('Protected lanes')
    expect(html).toContain('role="img"')
    const csv = await anonymous.get(`${surveyPath}/results.csv`)
    expect(csv.status).toBe(200)
    expect(csv.headers.get('content-type')).toContain('text/csv')
    const text = await csv.text()
    expect(text.split('\r\n')[0]).toContain('1. Do you cycle?')
    expect(text).not.toContain('Protected lanes')
    expect(text).not.toContain('valmera.example')
    expect((await anonymous.get(`${surveyPath}/results.csv?text=all`)).status).toBe(302)
    expect((await (await as('moderator')).get(`${surveyPath}/results.csv?text=all`)).status).toBe(403)
    expect(await (await (await as('admin')).get(`${surveyPath}/results.csv?text=all`)).text()).toContain('Protected lanes on the main street')

    // The moderator approves the written answer from the queue.
    const queued = await one<{ id: number }>(`select id from moderation_queue where target_kind = 'survey_response' and state = 'open'`)
    const moderator = await as('moderator')
    expect((await moderator.post('/moderation', { queueId: String(queued.id), intent: 'approve', reason: 'Fine to publish' })).status).toBeLessThan(400)
    expect(await (await anonymous.get(`${surveyPath}/results`)).text()).toContain('Protected lanes on the main street')
    expect(await (await anonymous.get(`${surveyPath}/results.csv`)).text()).toContain('Protected lanes on the main street')
  })

  it('questions are fixed once answered', async () => {
    const admin = await as('admin')
    const id = surveyPath.split('/').pop()
    const changed = await admin.post(`/admin/processes/${processId}/surveys/${id}`, { ...survey, 'q.5.prompt_en': 'Something else?' })
    expect(changed.status).toBe(409)
    expect(await changed.text()).toContain('its questions can no longer change')
  })
})
