import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { database } from '../../app/lib/db.server'
import { areaPoint } from '../../app/modules/geo/areas.server'
import { registerReportAlerts } from '../../app/modules/reports/alerts.server'
import { sendDueQuestionnaires } from '../../app/modules/reports/questionnaire.server'
import { fileReport, triageReport } from '../../app/modules/reports/reports.server'
import { makeUser } from '../support/fixtures'
import { startPlaza, type RunningPlaza } from '../support/server'
import { Visitor } from '../support/visitor'

/**
 * Names that administrators enter are stored as JSON per language (issue 16 part 7). None may
 * reach a person raw: this walks the demo's public pages, its feeds (RSS and Atom), every open-data
 * CSV and every e-mail in the outbox (follower, alert and questionnaire mails made here through
 * the capabilities' own commands, the server and this test sharing one database file), in each
 * language, and fails on any `{"en":`.
 */

const RAW = [/\{\s*"(en|es|fr)"\s*:/, /\{&quot;(en|es|fr)&quot;:/, /\{&#x27;(en|es|fr)/]
const rawIn = (body: string) => RAW.find((re) => re.test(body))

let plaza: RunningPlaza
const PASSWORD = 'valmera-demo-2026'
const db = () => database().db

beforeAll(async () => {
  plaza = await startPlaza({ DATABASE_PATH: process.env.DATABASE_PATH!, RATE_LIMIT_WRITE: 'off', BACKGROUND_JOBS: 'false' })
  registerReportAlerts()
}, 120_000)
afterAll(async () => {
  await plaza?.stop()
})

async function visitor(lng: string, who?: string) {
  const v = new Visitor(plaza.url, { 'accept-language': lng })
  if (who) expect((await v.post('/login', { email: `${who}@valmera.example`, password: PASSWORD })).status).toBe(302)
  return v
}

describe('no raw localized name reaches a person', () => {
  it('public pages, feeds and open-data CSV files, in every language', async () => {
    const report = (await db().selectFrom('reports').select('id').where('state_kind', '=', 'open').orderBy('id').executeTakeFirstOrThrow()).id
    const petition = (await db().selectFrom('petitions').select('id').where('state', '=', 'open').orderBy('id').executeTakeFirstOrThrow()).id
    const proposal = (await db().selectFrom('proposals').select('id').where('state', 'in', ['published', 'threshold_reached']).orderBy('id').executeTakeFirstOrThrow()).id
    const rep = (await db().selectFrom('representatives').select('id').orderBy('id').executeTakeFirstOrThrow()).id
    const vote = (await db().selectFrom('voting_processes').select('id').where('state', 'in', ['open', 'closed', 'published']).orderBy('id').executeTakeFirstOrThrow()).id
    const district = await db().selectFrom('areas').select('slug').where('level', '=', 'district').orderBy('id').executeTakeFirstOrThrow()
    const proposalCategory = await db().selectFrom('proposal_categories').select('code').orderBy('id').executeTakeFirstOrThrow()
    const department = await db().selectFrom('departments').select('slug').orderBy('id').executeTakeFirstOrThrow()
    const pages = [
      '/',
      '/reports',
      `/reports/${report}`,
      '/reports/new',
      '/map',
      '/proposals',
      `/proposals/${proposal}`,
      '/petitions',
      `/petitions/${petition}`,
      `/petitions/${petition}.json`,
      '/representatives',
      `/representatives/${rep}`,
      '/votes',
      `/votes/${vote}`,
      '/alerts',
      '/data',
      `/areas/${district.slug}`,
      '/embed/reports',
      '/feeds/reports.rss',
      '/feeds/reports.atom',
      '/feeds/reports/category/pothole.rss',
      `/feeds/reports/area/${district.slug}.atom`,
      '/feeds/proposals.rss',
      `/feeds/proposals/category/${proposalCategory.code}.atom`,
      '/feeds/petitions.atom',
      `/feeds/petitions/category/${department.slug}.rss`,
      '/open311/v2/services.json',
      '/open311/v2/requests.json',
    ]
    const csv = [...(await (await visitor('en')).get('/data').then((r) => r.text())).matchAll(/href="(\/data\/[a-z0-9-]+\.csv)"/g)].map((m) => m[1]!)
    expect(csv).toContain('/data/reports.csv')
    expect(csv).toContain('/data/representatives.csv')
    for (const lng of ['en', 'es', 'fr']) {
      const v = await visitor(lng)
      for (const path of [...pages, ...new Set(csv)]) {
        const res = await v.get(path)
        expect(res.status, `${path} (${lng})`).toBeLessThan(400)
        const body = await res.text()
        expect(rawIn(body), `${path} in ${lng} shows a raw localized name: ${body.match(/.{0,60}\{\s*(&quot;|")(en|es|fr).{0,60}/)?.[0]}`).toBeUndefined()
      }
    }
    // The open-data file gives the default language's name in the same column.
    const reports = await (await (await visitor('es')).get('/data/reports.csv')).text()
    expect(reports.split('\n')[0]).toContain('category_name')
    expect(reports).toContain('Pothole')
  })

  it('e-mails in the outbox: a follower told of a state change, an alert, a questionnaire', async () => {
    // A follower reading Spanish, of a report whose state gets the administrator's own name.
    const admin = await visitor('en', 'admin')
    const named = await admin.post('/admin/services/states', { code: 'in_progress', label_en: 'Crew at work', label_es: 'Cuadrilla trabajando', label_fr: 'Équipe au travail' })
    expect(named.status).toBeLessThan(400)
    const report = (await db().selectFrom('reports').select('id').where('state_kind', '=', 'open').where('state', '!=', 'in_progress').orderBy('id', 'desc').executeTakeFirstOrThrow()).id
    const follower = await visitor('es', 'resident')
    await follower.post('/language', { locale: 'es', redirectTo: '/' })
    expect((await follower.post('/follow', { targetKind: 'report', targetId: String(report), back: `/reports/${report}`, email: 'resident@valmera.example', mode: 'immediate' })).status).toBe(302)
    expect((await triageReport({ userId: null, departments: 'all', source: 'web' }, report, { state: 'in_progress' })).kind).toBe('ok')

    // An alert near a new report (the alert listener registered here queues it).
    const hood = await db().selectFrom('areas').select('slug').where('level', '=', 'neighbourhood').orderBy('id').executeTakeFirstOrThrow()
    const point = (await areaPoint(hood.slug))!
    const watcher = await visitor('fr', 'citizen')
    expect((await watcher.post('/alerts', { intent: 'subscribe', lat: String(point.lat), lng: String(point.lng), choice: 'radius:500', email: 'citizen@valmera.example' })).status).toBe(302)
    await db().updateTable('report_alerts').set({ locale: 'fr' }).where('email', '=', 'citizen@valmera.example').execute()
    const user = await makeUser(1)
    const filed = await fileReport(
      { categoryCode: 'pothole', title: 'Names test: a pothole', description: 'Deep.', lat: point.lat, lng: point.lng, anonymous: false, locale: 'en' },
      { kind: 'user', userId: user.id, name: 'Someone' },
    )
    expect(filed.kind).toBe('filed')

    // Questionnaires that are due (the department's name is in them).
    await sendDueQuestionnaires(new Date(Date.now() + 400 * 86_400_000))

    const mails = await db().selectFrom('outbox').select(['kind', 'to_address', 'subject', 'text_body', 'html_body']).execute()
    const kinds = new Set(mails.map((m) => m.kind))
    expect(mails.length).toBeGreaterThan(2)
    const stateMail = mails.find((m) => m.to_address === 'resident@valmera.example' && m.text_body.includes('Cuadrilla trabajando'))
    expect(stateMail, [...kinds].join(', ')).toBeTruthy()
    expect(mails.some((m) => m.to_address === 'citizen@valmera.example' && m.text_body.includes('Nid-de-poule'))).toBe(true)
    for (const m of mails) {
      for (const part of [m.subject, m.text_body, m.html_body ?? '']) expect(rawIn(part), `${m.kind} to ${m.to_address}: ${part.slice(0, 200)}`).toBeUndefined()
    }
  })
})
