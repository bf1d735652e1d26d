import AxeBuilder from '@axe-core/playwright'
import { chromium, type Browser } from '@playwright/test'
import Parser from 'rss-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { database } from '../../app/lib/db.server'
import { areaPoint } from '../../app/modules/geo/areas.server'
import { registerReportAlerts } from '../../app/modules/reports/alerts.server'
import { sendDueQuestionnaires } from '../../app/modules/reports/questionnaire.server'
import { fileReport, hideReport, type NewReport } from '../../app/modules/reports/reports.server'
import { makeUser } from '../support/fixtures'
import { startPlaza, type RunningPlaza } from '../support/server'
import { linkIn, startSmtpSink, type SmtpSink } from '../support/smtp'
import { Visitor } from '../support/visitor'

/**
 * Report feeds, local alerts and the questionnaire over real HTTP. The server and this test share
 * one database file: reports are filed here with fileReport (as the report form will), so the
 * alert listener registered here queues the alert mails, and the server's mail worker delivers
 * them to the SMTP sink like any other mail.
 */

type Item = { title?: string; link?: string; guid?: string; pubDate?: string; isoDate?: string; content?: string; contentSnippet?: string; categories?: string[]; id?: string }
const parser: Parser<Record<string, unknown>, Item> = new Parser()

let plaza: RunningPlaza
let smtp: SmtpSink
let browser: Browser | undefined
const ids: Record<string, number> = {}
let hood: { slug: string; name: string; district: string; point: { lat: number; lng: number } }
let farPoint: { lat: number; lng: number }
let citySlug: string

async function file(title: string, point: { lat: number; lng: number }, overrides: Partial<NewReport> = {}) {
  const user = await makeUser(1)
  const result = await fileReport(
    { categoryCode: 'pothole', title, description: `${title}: please look at it.`, lat: point.lat, lng: point.lng, anonymous: false, locale: 'en', ...overrides },
    { kind: 'user', userId: user.id, name: `Person ${user.id}` },
  )
  if (result.kind !== 'filed') throw new Error(`${title}: ${result.kind}`)
  return result.id
}

const get = (path: string, headers: Record<string, string> = {}) => fetch(plaza.url + path, { headers: { 'accept-language': 'en', ...headers }, redirect: 'manual' })

async function feed(path: string) {
  const res = await get(path)
  expect(res.status, path).toBe(200)
  const xml = await res.text()
  return { res, xml, feed: await parser.parseString(xml) }
}
const titles = (items: Item[]) => items.map((i) => i.title)

beforeAll(async () => {
  smtp = await startSmtpSink()
  // The same database file as this process (tests/support/setup.ts gives each test file its own).
  plaza = await startPlaza({ DATABASE_PATH: process.env.DATABASE_PATH!, MAIL_URL: smtp.url, DEV_MAIL: 'false' })
  registerReportAlerts()
  const areas = await database().db.selectFrom('areas').select(['id', 'slug', 'name', 'level', 'parent_id']).execute()
  citySlug = areas.find((a) => a.level === 'city')!.slug
  const district = areas.find((a) => a.slug === 'sant-roc')!
  const n = areas.find((a) => a.level === 'neighbourhood' && a.parent_id === district.id)!
  hood = { slug: n.slug, name: n.name, district: district.slug, point: (await areaPoint(n.slug))! }
  const far = areas.find((a) => a.level === 'neighbourhood' && a.parent_id !== district.id)!
  farPoint = (await areaPoint(far.slug))!

  ids.public = await file('Feed test: pothole <by the “bakery”> & café', hood.point)
  ids.hidden = await file('Feed test: hidden report', hood.point)
  await database().write((trx) => hideReport(trx, ids.hidden!))
  const guest = await fileReport(
    { categoryCode: 'pothole', title: 'Feed test: unconfirmed report', description: 'Not yet confirmed.', lat: hood.point.lat, lng: hood.point.lng, anonymous: false, locale: 'en' },
    { kind: 'guest', email: 'unconfirmed-guest@example.org', name: 'Guest' },
  )
  if (guest.kind !== 'filed') throw new Error(guest.kind)
  ids.unconfirmed = guest.id
  ids.far = await file('Feed test: fallen tree far away', farPoint, { categoryCode: 'fallen-tree' })
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await Promise.all([plaza?.stop(), smtp?.stop()])
})

describe('report feeds', () => {
  it('/feeds/reports.rss is valid RSS 2.0 with the newest public reports only', async () => {
    const { res, xml, feed: f } = await feed('/feeds/reports.rss')
    expect(res.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('public, max-age=300')
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<rss version="2.0"/)
    expect(f.title).toMatch(/^New reports in /)
    expect(f.link).toMatch(/\/reports$/)
    expect(f.language).toBe('en')
    expect(f.lastBuildDate).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/)
    expect(xml).toMatch(/<atom:link href="[^"]+\/feeds\/reports\.rss" rel="self" type="application\/rss\+xml"\/>/)
    expect(f.items.length).toBeLessThanOrEqual(50)
    const mine = f.items.find((i) => i.link?.endsWith(`/reports/${ids.public}`))!
    expect(mine.title).toBe('Feed test: pothole <by the “bakery”> & café')
    expect(mine.guid).toBe(mine.link)
    expect(xml).toContain(`<guid isPermaLink="true">${mine.link}</guid>`)
    expect(mine.pubDate).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/)
    expect(mine.content).toContain('Category: Pothole')
    expect(mine.content).toContain(`Area: ${hood.name}`)
    expect(mine.content).toContain('Status: ')
    expect(mine.categories).toEqual(['Pothole'])
    expect(xml).toContain(`<georss:point>${hood.point.lat} ${hood.point.lng}</georss:point>`)
    expect(titles(f.items)).toContain('Feed test: fallen tree far away')
    expect(titles(f.items)).not.toContain('Feed test: hidden report')
    expect(titles(f.items)).not.toContain('Feed test: unconfirmed report')
    // Newest first.
    const dates = f.items.map((i) => Date.parse(i.isoDate!))
    expect([...dates].sort((a, b) => b - a)).toEqual(dates)
  })

  it('/feeds/reports.atom is an Atom feed of the same reports', async () => {
    const { res, xml, feed: f } = await feed('/feeds/reports.atom')
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8')
    expect(xml).toContain('<feed xmlns="http://www.w3.org/2005/Atom"')
    expect(titles(f.items)).toContain('Feed test: pothole <by the “bakery”> & café')
    expect(titles(f.items)).not.toContain('Feed test: hidden report')
  })

  it('filters by area (neighbourhood, district, the whole city)', async () => {
    const inHood = (await feed(`/feeds/reports/area/${hood.slug}.rss`)).feed
    expect(inHood.title).toBe(`New reports in ${hood.name}`)
    expect(titles(inHood.items)).toContain('Feed test: pothole <by the “bakery”> & café')
    expect(titles(inHood.items)).not.toContain('Feed test: fallen tree far away')
    expect(titles(inHood.items)).not.toContain('Feed test: hidden report')
    const inDistrict = (await feed(`/feeds/reports/area/${hood.district}.rss`)).feed
    expect(inDistrict.link).toMatch(/\/reports\?area=sant-roc$/)
    expect(titles(inDistrict.items)).toContain('Feed test: pothole <by the “bakery”> & café')
    expect(titles(inDistrict.items)).not.toContain('Feed test: fallen tree far away')
    const everywhere = (await feed(`/feeds/reports/area/${citySlug}.atom`)).feed
    expect(titles(everywhere.items)).toEqual(expect.arrayContaining(['Feed test: pothole <by the “bakery”> & café', 'Feed test: fallen tree far away']))
  })

  it('filters by distance from a point', async () => {
    const { lat, lng } = hood.point
    const near = (await feed(`/feeds/reports/near.rss?lat=${lat}&lng=${lng}&radius=300`)).feed
    expect(near.title).toBe(`New reports within 300 m of ${lat}, ${lng}`)
    expect(titles(near.items)).toContain('Feed test: pothole <by the “bakery”> & café')
    expect(titles(near.items)).not.toContain('Feed test: fallen tree far away')
    expect(titles(near.items)).not.toContain('Feed test: hidden report')
    const far = (await feed(`/feeds/reports/near.atom?lat=${farPoint.lat}&lng=${farPoint.lng}`)).feed
    expect(titles(far.items)).toContain('Feed test: fallen tree far away')
    expect(titles(far.items)).not.toContain('Feed test: pothole <by the “bakery”> & café')
  })

  it('filters by category', async () => {
    const trees = (await feed('/feeds/reports/category/fallen-tree.rss')).feed
    expect(trees.title).toMatch(/^New reports: Fallen or dangerous tree/)
    expect(titles(trees.items)).toContain('Feed test: fallen tree far away')
    expect(titles(trees.items)).not.toContain('Feed test: pothole <by the “bakery”> & café')
  })

  it('answers bad parameters with 400 and unknown areas or categories with 404, in plain text', async () => {
    for (const path of [
      '/feeds/reports/near.rss',
      '/feeds/reports/near.rss?lat=41.1',
      '/feeds/reports/near.rss?lat=abc&lng=2',
      '/feeds/reports/near.rss?lat=100&lng=2',
      '/feeds/reports/near.rss?lat=41&lng=200',
      '/feeds/reports/near.rss?lat=41&lng=2&radius=0',
      '/feeds/reports/near.atom?lat=41&lng=2&radius=12.5',
      '/feeds/reports/near.rss?lat=41&lng=2&radius=100000',
    ]) {
      const res = await get(path)
      expect(res.status, path).toBe(400)
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8')
      expect(await res.text()).toMatch(/^Bad request: /)
    }
    for (const path of ['/feeds/reports/area/no-such-area.rss', '/feeds/reports/category/no-such-category.rss', `/feeds/reports/area/${hood.slug}.xml`, `/feeds/reports/area/${hood.slug}`]) {
      const res = await get(path)
      expect(res.status, path).toBe(404)
      expect(await res.text()).toMatch(/^Not found: /)
    }
    const es = await get('/feeds/reports/near.rss?lat=x', { 'accept-language': 'es' })
    expect(await es.text()).toMatch(/^Petición incorrecta: /)
  })

  it('is announced on the alerts page with <link rel="alternate">', async () => {
    const html = await (await get('/alerts')).text()
    expect(html).toMatch(/<link rel="alternate" type="application\/rss\+xml" title="[^"]+" href="\/feeds\/reports\.rss"\/?>/)
    expect(html).toContain('href="/feeds/reports/category/pothole.rss"')
  })
})

describe('local alerts', () => {
  it('subscribe → confirm from the e-mail → a report nearby is mailed → one-click unsubscribe', async () => {
    const visitor = new Visitor(plaza.url, { 'accept-language': 'en' })
    const { lat, lng } = hood.point
    const options = await visitor.get(`/alerts?lat=${lat}&lng=${lng}`)
    expect(options.status).toBe(200)
    const page = await options.text()
    expect(page).toContain('value="radius:500"')
    expect(page).toContain(`value="area:${hood.slug}"`)
    expect(page).toContain(`href="/feeds/reports/near.rss?lat=${lat}&amp;lng=${lng}&amp;radius=500"`)

    // Post where the page's form posts (as a browser without JavaScript does).
    const action = /<form method="post" action="(\/alerts[^"]*)"/.exec(page)![1]!.replace(/&amp;/g, '&')
    expect(action).toMatch(/^\/alerts\?/)
    const missing = await visitor.post(action, { intent: 'subscribe', lat: String(lat), lng: String(lng), choice: 'radius:500', email: 'not-an-address' })
    expect(missing.status).toBe(400)
    expect(await missing.text()).toContain('Enter your e-mail address')

    const email = 'watcher@example.org'
    const subscribed = await visitor.post(action, { intent: 'subscribe', lat: String(lat), lng: String(lng), choice: 'radius:500', email })
    expect(subscribed.status).toBe(302)
    expect(subscribed.headers.get('location')).toBe('/alerts?subscribed=pending')
    expect(await (await visitor.get('/alerts?subscribed=pending')).text()).toContain('Check your e-mail')

    const confirmation = await smtp.waitFor(email, { subject: /Confirm your alert/ })
    const confirmPath = linkIn(confirmation, '/alerts/confirm/')
    // Opening the link (a mail scanner does) starts nothing: one button that POSTs (issue 18).
    const opened = await visitor.get(confirmPath)
    expect(opened.status).toBe(200)
    expect(await opened.text()).toContain('Start the alert')
    expect(await database().db.selectFrom('report_alerts').select('confirmed_at').where('email', '=', email).executeTakeFirstOrThrow()).toEqual({ confirmed_at: null })
    const confirmed = await visitor.post(confirmPath, {})
    expect(confirmed.status).toBe(200)
    expect(await confirmed.text()).toContain('Your alert is on')

    const after = smtp.mails.length
    const id = await file('Alert test: broken bench', { lat: lat + 0.002, lng })
    const alert = await smtp.waitFor(email, { subject: /New report near you: Alert test: broken bench/, after })
    expect(linkIn(alert, '/reports/')).toBe(`/reports/${id}`)
    const unsubscribeLine = alert.headerLines.find((h) => h.key === 'list-unsubscribe')?.line ?? ''
    expect(alert.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click')
    const unsubscribePath = /<https?:\/\/[^/>]+(\/alerts\/unsubscribe\/[a-z2-7]{32})>/.exec(unsubscribeLine)?.[1]
    expect(unsubscribePath).toBeTruthy()

    // Following the link (as a mail scanner does) stops nothing; it shows a button.
    const shown = await get(unsubscribePath!)
    expect(shown.status).toBe(200)
    expect(await shown.text()).toContain('Stop the alerts')
    const alertRow = () => database().db.selectFrom('report_alerts').select(['cancelled_at']).where('email', '=', email).executeTakeFirstOrThrow()
    expect((await alertRow()).cancelled_at).toBeNull()

    // RFC 8058: the mail program POSTs "List-Unsubscribe=One-Click", with no cookie, Origin or Referer.
    const oneClick = await fetch(plaza.url + unsubscribePath!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
      redirect: 'manual',
    })
    expect(oneClick.status).toBe(200)
    expect((await alertRow()).cancelled_at).not.toBeNull()
    expect(await (await get(unsubscribePath!)).text()).toContain('The alerts are stopped')

    // Nothing more is queued for that address.
    await file('Alert test: second bench', { lat: lat + 0.001, lng })
    const queued = await database().db.selectFrom('outbox').select('subject').where('to_address', '=', email).where('kind', '=', 'report.alert').execute()
    expect(queued.map((m) => m.subject)).toEqual(['New report near you: Alert test: broken bench'])
  })

  it('lets a logged-in person subscribe with their own address at once, see and stop their alerts', async () => {
    const visitor = new Visitor(plaza.url, { 'accept-language': 'en' })
    expect((await visitor.post('/login', { email: 'resident@valmera.example', password: 'valmera-demo-2026' })).status).toBe(302)
    const page = await (await visitor.get(`/alerts?area=${hood.slug}`)).text()
    expect(page).toContain('Your alerts')
    expect(page).toContain('value="resident@valmera.example"')
    const res = await visitor.post(`/alerts?area=${hood.slug}`, { intent: 'subscribe', lat: '', lng: '', choice: `area:${hood.district}`, email: 'resident@valmera.example' })
    expect(res.headers.get('location')).toBe('/alerts?subscribed=active')
    const mine = await (await visitor.get('/alerts?subscribed=active')).text()
    expect(mine).toContain('Your alert is on')
    expect(mine).toContain('in the district of Sant Roc')
    const alert = await database().db.selectFrom('report_alerts').select(['id', 'confirmed_at']).where('email', '=', 'resident@valmera.example').executeTakeFirstOrThrow()
    expect(alert.confirmed_at).not.toBeNull()
    // Someone else cannot stop it.
    const stranger = new Visitor(plaza.url)
    expect((await stranger.post('/login', { email: 'citizen@valmera.example', password: 'valmera-demo-2026' })).status).toBe(302)
    expect((await stranger.post('/alerts', { intent: 'cancel', alertId: String(alert.id) })).status).toBe(404)
    const stopped = await visitor.post('/alerts', { intent: 'cancel', alertId: String(alert.id) })
    expect(stopped.status).toBe(200)
    expect(await stopped.text()).toContain('The alert is stopped.')
  })

  it('answers odd form bodies with a redirect or a 4xx, never a 500', async () => {
    const visitor = new Visitor(plaza.url)
    const bodies: Array<Record<string, string>> = [
      {},
      { choice: 'radius:abc', email: 'a@example.org' },
      { choice: `area:${'x'.repeat(200)}`, email: 'a@example.org' },
      { choice: 'radius:500', lat: '91', lng: '0', email: 'a@example.org' },
      { choice: 'radius:500', lat: '0', lng: '0', email: 'a@example.org' },
      { choice: 'radius:300', lat: String(hood.point.lat), lng: String(hood.point.lng), email: 'a@example.org' },
      { choice: `area:${citySlug}`, email: `${'x'.repeat(300)}@example.org` },
      { choice: `area:${citySlug}`, email: 'a@example.org', website_url: 'http://spam.example' },
      { intent: 'cancel', alertId: 'x' },
      { choice: '\u0000', email: '<script>alert(1)</script>' },
    ]
    for (const body of bodies) {
      const res = await visitor.post('/alerts', body)
      expect([302, 400], JSON.stringify(body)).toContain(res.status)
    }
  })

  it('answers unknown confirmation and unsubscribe links with 404', async () => {
    expect((await get('/alerts/confirm/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')).status).toBe(404)
    expect((await get('/alerts/unsubscribe/not-a-token')).status).toBe(404)
    const post = await fetch(`${plaza.url}/alerts/unsubscribe/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    })
    expect(post.status).toBe(404)
  })
})

describe('the questionnaire page', () => {
  let path = ''
  it('asks, takes one answer that marks the report fixed, and refuses a second', async () => {
    const user = await makeUser(1)
    const { email } = await database().db.selectFrom('users').select('email').where('id', '=', user.id).executeTakeFirstOrThrow()
    const filed = await fileReport(
      {
        categoryCode: 'pothole',
        title: 'Questionnaire test pothole',
        description: 'Deep.',
        lat: hood.point.lat,
        lng: hood.point.lng,
        anonymous: false,
        locale: 'en',
        createdAt: new Date(Date.now() - 30 * 86_400_000).toISOString(),
      },
      { kind: 'user', userId: user.id, name: 'Quinn' },
    )
    if (filed.kind !== 'filed') throw new Error(filed.kind)
    await sendDueQuestionnaires(new Date(), 1000)
    const mail = await smtp.waitFor(email!, { subject: /Has it been fixed\?/ })
    path = linkIn(mail, '/reports/questionnaire/')
    const form = await get(path)
    expect(form.status).toBe(200)
    expect(await form.text()).toContain('Has this problem been fixed?')
    const visitor = new Visitor(plaza.url, { 'accept-language': 'en' })
    const bad = await visitor.post(path, { fixed: 'maybe' })
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('Choose yes or no.')
    const long = await visitor.post(path, { fixed: 'yes', comment: 'x'.repeat(2001) })
    expect(long.status).toBe(400)
    expect(await long.text()).toContain('Write at most 2000 characters.')
    const answered = await visitor.post(path, { fixed: 'yes', comment: 'Filled in last Tuesday.' })
    expect(answered.status).toBe(200)
    expect(await answered.text()).toContain('Your report is now marked as fixed.')
    const report = await database().db.selectFrom('reports').select('state_kind').where('id', '=', filed.id).executeTakeFirstOrThrow()
    expect(report.state_kind).toBe('fixed')
    expect(await (await get(path)).text()).toContain('Already answered')
    expect((await visitor.post(path, { fixed: 'no' })).status).toBe(409)
    expect((await get('/reports/questionnaire/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')).status).toBe(404)
  })

  it.each([['/alerts'], ['/alerts?area=HOOD'], ['/alerts/unsubscribe/TOKEN'], ['QUESTIONNAIRE']])('%s passes axe', async (which) => {
    browser ??= await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
    })
    let target = which.replace('HOOD', hood.slug)
    if (which === 'QUESTIONNAIRE') target = path
    if (which.includes('TOKEN')) {
      const email = 'axe@example.org'
      await new Visitor(plaza.url).post('/alerts?whole=city', { intent: 'subscribe', choice: `area:${citySlug}`, email })
      const mail = await smtp.waitFor(email, { subject: /Confirm your alert/ })
      target = linkIn(mail, '/alerts/confirm/').replace('/confirm/', '/unsubscribe/')
    }
    const context = await browser.newContext({ locale: 'en-GB' })
    const page = await context.newPage()
    await page.goto(plaza.url + target)
    const results = await new AxeBuilder({ page }).exclude('.demo-banner').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze()
    expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
    await context.close()
  })
})
