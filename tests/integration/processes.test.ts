import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testClock } from '../support/clock'
import { startPlaza, type RunningPlaza } from '../support/server'
import { Visitor } from '../support/visitor'
import { sqlOf, type TestSql } from '../support/sql'

/**
 * Participatory processes over real HTTP, without JavaScript: an administrator creates a process
 * from the form; the processes' clock (PLAZA_TEST_CLOCK_FILE) is moved through its phases;
 * a resident submits a project (refused outside its phase, bad input kept), supports it, staff
 * mark it unfeasible with a public reason; others are refused; results, dataset and feed answer.
 */
let plaza: RunningPlaza
let sql: TestSql
const { clockFile, setClock, local } = testClock('2032-05-01T00:00:00.000Z')

beforeAll(async () => {
  setClock(0)
  plaza = await startPlaza({ RATE_LIMIT_WRITE: 'off', BACKGROUND_JOBS: 'false', PLAZA_TEST_CLOCK_FILE: clockFile })
  sql = sqlOf(plaza)
})
afterAll(async () => {
  await sql?.close()
  await plaza?.stop()
})

async function as(who: string) {
  const v = new Visitor(plaza.url, { 'accept-language': 'en' })
  if (who !== 'anonymous') expect((await v.post('/login', { email: `${who}@valmera.example`, password: 'valmera-demo-2026' })).status).toBe(302)
  return v
}
const one = async <T>(query: string, ...params: unknown[]) => (await sql.get(query, ...params)) as T

const processForm = {
  slug: 'http-budget',
  title_en: 'Budget over HTTP',
  description_en: 'Decided by the residents.',
  cityBudget: '100000',
  currency: 'EUR',
  published: 'on',
  'phase.0.title_en': 'Submit',
  'phase.0.startsAt': local(1),
  'phase.0.endsAt': local(3),
  'phase.0.submit': 'on',
  'phase.1.title_en': 'Support',
  'phase.1.startsAt': local(3),
  'phase.1.endsAt': local(5),
  'phase.1.supports': 'on',
  'phase.2.title_en': 'Review',
  'phase.2.startsAt': local(5),
  'phase.2.endsAt': local(7),
  'phase.2.review': 'on',
}

describe('a participatory process over HTTP', () => {
  it('only an administrator reaches /admin/processes; bad input is answered next to the field, kept', async () => {
    expect((await (await as('anonymous')).get('/admin/processes')).status).toBe(302)
    expect((await (await as('roads')).get('/admin/processes')).status).toBe(403)
    expect((await (await as('resident')).post('/admin/processes/new', processForm)).status).toBe(403)
    const admin = await as('admin')
    expect((await admin.get('/admin/processes/new')).status).toBe(200)
    const bad = await admin.post('/admin/processes/new', { ...processForm, 'phase.1.endsAt': local(2) })
    expect(bad.status).toBe(400)
    const html = await bad.text()
    expect(html).toContain('The phase must end after it starts.')
    expect(html).toContain('value="Budget over HTTP"')
    const ok = await admin.post('/admin/processes/new', processForm)
    expect(ok.status).toBe(302)
    const row = await one<{ id: number }>(`select id from participatory_processes where slug = 'http-budget'`)
    expect((await one<{ n: number }>(`select count(*) as n from audit_log where action = 'process.create' and target_id = ?`, row.id)).n).toBe(1)
  })

  it('the phases follow the clock: submit refused before its phase, accepted in it; supports only in theirs; review with a reason', async () => {
    const resident = await as('resident')
    const page = await (await as('anonymous')).get('/processes/http-budget')
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('No phase is running right now.')
    const project = { intent: 'submit', title: 'Benches for the square', description: 'Ten benches in the shade of the plane trees.', estimatedCost: '20000' }
    const early = await resident.post('/processes/http-budget', project)
    expect(early.status).toBe(409)
    expect(await early.text()).toContain('it opens on')

    setClock(2)
    expect(await (await resident.get('/processes/http-budget')).text()).toContain('Current phase: Submit')
    const bad = await resident.post('/processes/http-budget', { ...project, estimatedCost: 'a lot' })
    expect(bad.status).toBe(400)
    const badHtml = await bad.text()
    expect(badHtml).toContain('Write the cost as an amount')
    expect(badHtml).toContain('value="Benches for the square"')
    const made = await resident.post('/processes/http-budget', project)
    expect(made.status).toBe(302)
    const projectPath = made.headers.get('location')!.replace(/\?.*$/, '')
    const id = Number(projectPath.split('/').pop())
    // Supports are not counted in the submit phase.
    expect((await resident.post(projectPath, { intent: 'support' })).status).toBe(409)

    setClock(4)
    expect((await resident.post(projectPath, { intent: 'support' })).status).toBe(200)
    expect((await resident.post(projectPath, { intent: 'support' })).status).toBe(200)
    expect((await one<{ supports: number }>('select supports from process_projects where id = ?', id)).supports).toBe(1)
    expect((await (await as('citizen')).post(projectPath, { intent: 'support' })).status).toBe(403)

    setClock(6)
    expect((await resident.post(projectPath, { intent: 'review', feasible: 'no', reason: 'Not ours' })).status).toBe(403)
    const roads = await as('roads')
    const noReason = await roads.post(projectPath, { intent: 'review', feasible: 'no', reason: '' })
    expect(noReason.status).toBe(400)
    expect(await noReason.text()).toContain('Give the public reason')
    expect((await roads.post(projectPath, { intent: 'review', feasible: 'no', reason: 'The square is being rebuilt next year.' })).status).toBe(200)
    const shown = await (await as('anonymous')).get(projectPath)
    const text = await shown.text()
    expect(text).toContain('The square is being rebuilt next year.')
    expect(text).toContain('What happened to this idea')
  })

  it('results, the dataset and the feed answer; staff-only forms refuse others', async () => {
    const anonymous = await as('anonymous')
    expect((await anonymous.get('/processes')).status).toBe(200)
    expect((await anonymous.get('/results')).status).toBe(200)
    expect((await anonymous.get('/results?status=nonsense&area=x')).status).toBe(200)
    expect((await anonymous.get('/results/999999')).status).toBe(404)
    const csv = await anonymous.get('/data/results.csv')
    expect(csv.status).toBe(200)
    expect((await csv.text()).split('\n')[0]).toContain('progress')
    const feed = await anonymous.get('/feeds/results.rss')
    expect(feed.status).toBe(200)
    expect(await feed.text()).toContain('<rss')
    expect((await (await as('resident')).post('/results/1', { intent: 'update', status: 'done', progress: '100' })).status).toBe(403)
  })

  it('a proposal and a petition page show their path ("what happened to my idea")', async () => {
    const anonymous = await as('anonymous')
    const proposal = await one<{ id: number }>(`select id from proposals where state in ('published', 'answered', 'voting') order by id limit 1`)
    const petition = await one<{ id: number }>(`select id from petitions where state in ('open', 'closed') order by id limit 1`)
    for (const page of [`/proposals/${proposal.id}`, `/petitions/${petition.id}`]) {
      const res = await anonymous.get(page)
      expect(res.status).toBe(200)
      expect(await res.text()).toContain('What happened to this idea')
    }
  })
})
