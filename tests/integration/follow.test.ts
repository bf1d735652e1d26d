import AxeBuilder from '@axe-core/playwright'
import { chromium, type Browser } from '@playwright/test'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { database } from '../../app/lib/db.server'
import { sendDigests, DIGEST_INTERVAL_MS } from '../../app/modules/notifications/digest.server'
import { notify, unsubscribeToken } from '../../app/modules/notifications/notify.server'
import { secretKey } from '../../app/lib/secrets.server'
import { answerProposal } from '../../app/modules/proposals/proposals.server'
import { registerCapabilities } from '../../app/modules/registry.server'
import { triageReport } from '../../app/modules/reports/reports.server'
import { startPlaza, type RunningPlaza } from '../support/server'
import { linkIn, startSmtpSink, type SmtpSink } from '../support/smtp'
import { Visitor } from '../support/visitor'

/**
 * Following over real HTTP with real SMTP: the form on each page, confirmation, an event mailed at
 * once with its one-click unsubscribe link and headers, the RFC 8058 POST, the daily digest (its
 * clock injected), hidden targets, limits, fuzzing, and /account/subscriptions for its owner only.
 * Server and test share one database file: events are made here through the capabilities' own
 * commands (which call notify in their writes); the server's mail worker delivers the outbox.
 */

const PASSWORD = 'valmera-demo-2026'
type Mail = Awaited<ReturnType<SmtpSink['waitFor']>>
// Long header lines are folded (RFC 5322): unfolded here.
const headerLine = (mail: Mail, key: string) => mail.headerLines.find((h) => h.key === key)?.line.replace(/\r?\n[ \t]+/g, ' ') ?? null
let plaza: RunningPlaza
let smtp: SmtpSink
let browser: Browser | undefined
const db = () => database().db
let ipCounter = 0
/** Each scenario its own client address (TRUST_PROXY=1), so the per-IP limit is tested where meant. */
const visitor = () => new Visitor(plaza.url, { 'accept-language': 'en', 'x-forwarded-for': `198.51.100.${++ipCounter}` })

async function login(who: string) {
  const v = visitor()
  expect((await v.post('/login', { email: `${who}@valmera.example`, password: PASSWORD })).status).toBe(302)
  return v
}

const t: Record<'report' | 'proposal' | 'petition' | 'vote' | 'area', number> = { report: 0, proposal: 0, petition: 0, vote: 0, area: 0 }
let areaSlug = ''
let hiddenPetition = 0
let draftPetition = 0

const followFields = (kind: keyof typeof t, email: string, mode = 'immediate', back?: string) => ({
  targetKind: kind,
  targetId: String(t[kind]),
  back: back ?? (kind === 'area' ? `/areas/${areaSlug}` : `/${kind === 'vote' ? 'votes' : `${kind}s`}/${t[kind]}`),
  email,
  mode,
})

beforeAll(async () => {
  // notify() runs in this process too: the capabilities plug in here as they do at a server's start.
  registerCapabilities()
  smtp = await startSmtpSink()
  plaza = await startPlaza({ DATABASE_PATH: process.env.DATABASE_PATH!, MAIL_URL: smtp.url, DEV_MAIL: 'false', RATE_LIMIT_WRITE: 'off', TRUST_PROXY: '1', BACKGROUND_JOBS: 'false' })
  t.report = (await db().selectFrom('reports').select('id').where('state_kind', 'in', ['open', 'fixed', 'closed']).orderBy('id').executeTakeFirstOrThrow()).id
  t.proposal = (await db().selectFrom('proposals').select('id').where('state', 'in', ['published', 'threshold_reached']).orderBy('id').executeTakeFirstOrThrow()).id
  const petitions = await db().selectFrom('petitions').select(['id', 'state']).orderBy('id').execute()
  t.petition = petitions.find((p) => p.state === 'open')!.id
  draftPetition = petitions.find((p) => p.state === 'draft' || p.state === 'pending' || p.state === 'rejected')!.id
  hiddenPetition = petitions.filter((p) => p.state === 'open').at(-1)!.id
  await database().write((trx) => trx.updateTable('petitions').set({ state: 'hidden' }).where('id', '=', hiddenPetition).execute())
  t.vote = (await db().selectFrom('voting_processes').select('id').where('state', 'in', ['open', 'scheduled', 'closed', 'published']).orderBy('id').executeTakeFirstOrThrow()).id
  const area = await db().selectFrom('areas').select(['id', 'slug']).where('level', '=', 'district').orderBy('id').executeTakeFirstOrThrow()
  t.area = area.id
  areaSlug = area.slug
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await Promise.all([plaza?.stop(), smtp?.stop()])
})

describe('following by e-mail', () => {
  it('logged out: form → confirmation mail → an event mailed at once with the unsubscribe link and headers → one-click POST → no more mail', async () => {
    const v = visitor()
    const email = 'guest-follower@follow.example.org'
    const page = await v.get(`/reports/${t.report}`)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('action="/follow"')
    expect(html).toContain(`name="targetId" value="${t.report}"`)

    const res = await v.post('/follow', followFields('report', email))
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe(`/reports/${t.report}?followed=pending#follow`)
    const notice = await (await v.get(`/reports/${t.report}?followed=pending`)).text()
    expect(notice).toContain('Check your inbox')

    const confirm = await smtp.waitFor(email, { subject: /^Confirm: follow/ })
    // The confirmation is the one mail without an unsubscribe header (nothing to unsubscribe from yet).
    expect(headerLine(confirm, 'list-unsubscribe')).toBeNull()
    // Opening the link (a mail scanner does) starts nothing: one button that POSTs (issue 18).
    const opened = await v.get(linkIn(confirm, '/follow/confirm/'))
    expect(opened.status).toBe(200)
    expect(await opened.text()).toContain('Start following')
    expect(await db().selectFrom('subscriptions').select('confirmed_at').where('email', '=', email).executeTakeFirstOrThrow()).toEqual({ confirmed_at: null })
    const confirmed = await v.post(linkIn(confirm, '/follow/confirm/'), {})
    expect(confirmed.status).toBe(200)
    expect(await confirmed.text()).toContain('You are following')

    const before = smtp.mails.length
    const result = await triageReport({ userId: null, departments: 'all', source: 'web' }, t.report, { update: 'A crew is booked for Monday.' })
    expect(result.kind).toBe('ok')
    const event = await smtp.waitFor(email, { subject: /Update on the report/, after: before })
    expect(event.text).toContain('A crew is booked for Monday.')
    const unsubscribe = linkIn(event, '/follow/unsubscribe/')
    // (The event was written by this process, so its links carry this process's PUBLIC_URL.)
    expect(headerLine(event, 'list-unsubscribe')).toMatch(new RegExp(`^List-Unsubscribe: <http://[^/>]+${unsubscribe.replace(/\./g, '\\.')}>$`))
    expect(headerLine(event, 'list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click')

    // GET (a mail scanner) changes nothing.
    const shown = await fetch(plaza.url + unsubscribe, { headers: { 'accept-language': 'en' } })
    expect(shown.status).toBe(200)
    expect(await shown.text()).toContain('Stop these e-mails')
    const row = () => db().selectFrom('subscriptions').select(['unsubscribed_at']).where('email_key', '=', email).executeTakeFirstOrThrow()
    expect((await row()).unsubscribed_at).toBeNull()

    // RFC 8058: the mail program POSTs List-Unsubscribe=One-Click, with no cookie and no Origin.
    const oneClick = await fetch(plaza.url + unsubscribe, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(oneClick.status).toBe(200)
    expect((await row()).unsubscribed_at).not.toBeNull()

    await triageReport({ userId: null, departments: 'all', source: 'web' }, t.report, { update: 'Fixed now.' })
    const queued = await db().selectFrom('outbox').select('id').where('to_address', '=', email).where('kind', '=', 'follow.event').execute()
    expect(queued).toHaveLength(1)
    // A forged link is a 404, GET or POST.
    const forged = unsubscribe.replace(/\.[a-z2-7]{4}/, '.aaaa')
    expect((await fetch(plaza.url + forged)).status).toBe(404)
    expect((await fetch(plaza.url + forged, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(404)
  })

  it('logged in with a confirmed address: the form is prefilled, following is active at once, and the council answer is mailed', async () => {
    const v = await login('resident')
    const html = await (await v.get(`/proposals/${t.proposal}`)).text()
    expect(html).toMatch(/name="email"[^>]*value="resident@valmera.example"|value="resident@valmera.example"[^>]*name="email"/)
    const res = await v.post('/follow', followFields('proposal', 'resident@valmera.example'))
    expect(res.headers.get('location')).toBe(`/proposals/${t.proposal}?followed=active#follow`)
    expect(await (await v.get(`/proposals/${t.proposal}?followed=active`)).text()).toContain('You follow this proposal')
    const before = smtp.mails.length
    // Let the proposal be answerable (the demo's may still be collecting supports).
    await database().write((trx) => trx.updateTable('proposals').set({ state: 'threshold_reached', threshold_reached_at: new Date().toISOString() }).where('id', '=', t.proposal).execute())
    const admin = await db().selectFrom('users').select('id').where('email', '=', 'admin@valmera.example').executeTakeFirstOrThrow()
    const answered = await answerProposal({ id: admin.id, verificationLevel: 3, roles: [{ role: 'admin', departmentId: null }] } as never, t.proposal, 'We will do it in spring.')
    expect(answered.kind).toBe('ok')
    const mail = await smtp.waitFor('resident@valmera.example', { subject: /answered the proposal/, after: before })
    expect(mail.text).toContain('We will do it in spring.')
    expect(headerLine(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click')
    expect(mail.text).toMatch(/\/follow\/unsubscribe\/s\d+\./)
  })

  it('follows each kind of target from its page', async () => {
    const v = visitor()
    for (const kind of ['report', 'proposal', 'petition', 'vote', 'area'] as const) {
      const fields = followFields(kind, `each-${kind}@follow.example.org`, 'daily')
      const page = await v.get(fields.back)
      expect(page.status, fields.back).toBe(200)
      expect(await page.text(), fields.back).toContain(`name="targetKind" value="${kind}"`)
      const res = await v.post('/follow', fields)
      expect(res.status, kind).toBe(302)
      expect(res.headers.get('location'), kind).toBe(`${fields.back}?followed=pending#follow`)
    }
  })

  it('refuses hidden, unpublished and unknown targets with a 404 and a message', async () => {
    const v = visitor()
    for (const id of [hiddenPetition, draftPetition, 987654]) {
      const res = await v.post('/follow', { targetKind: 'petition', targetId: String(id), back: `/petitions/${id}`, email: 'nosy@follow.example.org', mode: 'immediate' })
      expect(res.status, String(id)).toBe(404)
      expect(await res.text()).toContain('This cannot be followed')
    }
    expect((await v.post('/follow', { targetKind: 'letter', targetId: '1', email: 'nosy@follow.example.org', mode: 'daily' })).status).toBe(404)
    expect((await v.get(`/follow?kind=petition&id=${hiddenPetition}`)).status).toBe(404)
    const none = await db().selectFrom('subscriptions').select('id').where('email_key', '=', 'nosy@follow.example.org').execute()
    expect(none).toHaveLength(0)
  })

  it('shows errors next to the fields with what was typed kept', async () => {
    const v = visitor()
    const res = await v.post('/follow', { ...followFields('petition', 'not-an-address<b>'), mode: 'weekly' })
    expect(res.status).toBe(400)
    const html = await res.text()
    expect(html).toContain('id="field-follow-email-error"')
    expect(html).toContain('value="not-an-address&lt;b&gt;"')
    expect(html).toContain('Choose how often you want e-mail.')
    expect(html).toContain(`href="/petitions/${t.petition}"`)
  })

  it('limits confirmation mails per address (5 an hour) and follows per client address (60 an hour)', async () => {
    const v = visitor()
    const statuses: number[] = []
    for (const kind of ['report', 'proposal', 'petition', 'vote', 'area'] as const) statuses.push((await v.post('/follow', followFields(kind, 'flooded@follow.example.org'))).status)
    const sixth = await v.post('/follow', followFields('report', 'flooded@follow.example.org', 'daily'))
    expect(statuses).toEqual([302, 302, 302, 302, 302])
    expect(sixth.status).toBe(429)
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0)
    const ip = visitor()
    let last = 0
    for (let i = 0; i <= 60; i++) last = (await ip.post('/follow', followFields('area', `ip-${i}@follow.example.org`))).status
    expect(last).toBe(429)
  })

  it('daily: no digest before a day, then one with every event, never twice; its one-click link stops every daily subscription', async () => {
    const v = visitor()
    const email = 'daily-reader@follow.example.org'
    for (const kind of ['petition', 'vote'] as const) {
      const after = smtp.mails.length
      await v.post('/follow', followFields(kind, email, 'daily'))
      const mail = await smtp.waitFor(email, { subject: /Confirm: follow/, after })
      expect((await v.post(linkIn(mail, '/follow/confirm/'), {})).status).toBe(200)
    }
    const start = Date.now()
    await database().write(async (trx) => {
      await notify(trx, { targetKind: 'petition', targetId: t.petition, event: 'petition.response', title: 'Digest line one', url: `/petitions/${t.petition}` })
      await notify(trx, { targetKind: 'vote', targetId: t.vote, event: 'vote.closed', title: 'Digest line two', url: `/votes/${t.vote}` })
    })
    expect(await sendDigests(new Date(start + DIGEST_INTERVAL_MS - 60_000))).toBe(0)
    const before = smtp.mails.length
    const sent = await Promise.all([sendDigests(new Date(start + DIGEST_INTERVAL_MS + 60_000)), sendDigests(new Date(start + DIGEST_INTERVAL_MS + 60_000))])
    expect(sent[0] + sent[1]).toBe(1)
    const digest = await smtp.waitFor(email, { subject: /daily digest/, after: before })
    expect(digest.text).toContain('Digest line one')
    expect(digest.text).toContain('Digest line two')
    expect(await sendDigests(new Date(start + DIGEST_INTERVAL_MS + 120_000))).toBe(0)
    const link = linkIn(digest, '/follow/unsubscribe/')
    expect(headerLine(digest, 'list-unsubscribe')).toContain(link)
    expect(headerLine(digest, 'list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click')
    expect(await (await fetch(plaza.url + link, { headers: { 'accept-language': 'en' } })).text()).toContain('Stop every daily digest')
    const oneClick = await fetch(plaza.url + link, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(oneClick.status).toBe(200)
    const live = await db().selectFrom('subscriptions').select('id').where('email_key', '=', email).where('unsubscribed_at', 'is', null).execute()
    expect(live).toHaveLength(0)
  })

  it('/account/subscriptions: only one’s own, to list, change and stop; anonymous visitors go to log in', async () => {
    expect((await visitor().get('/account/subscriptions')).headers.get('location')).toMatch(/^\/login/)
    const resident = await login('resident')
    const citizen = await login('citizen')
    await resident.post('/follow', followFields('area', 'resident@valmera.example', 'immediate'))
    const page = await (await resident.get('/account/subscriptions')).text()
    const ids = [...page.matchAll(/data-subscription="(\d+)"/g)].map((m) => m[1]!)
    expect(ids.length).toBeGreaterThanOrEqual(2)
    expect(await (await citizen.get('/account/subscriptions')).text()).not.toContain(`data-subscription="${ids[0]}"`)
    // Someone else's id: 404, nothing changes.
    expect((await citizen.post('/account/subscriptions', { id: ids[0]!, intent: 'stop' })).status).toBe(404)
    expect((await citizen.post('/account/subscriptions', { id: ids[0]!, intent: 'mode', mode: 'daily' })).status).toBe(404)
    const mode = async () => await db().selectFrom('subscriptions').select(['mode', 'unsubscribed_at']).where('id', '=', Number(ids[0])).executeTakeFirstOrThrow()
    expect(await mode()).toEqual({ mode: 'immediate', unsubscribed_at: null })
    expect((await resident.post('/account/subscriptions', { id: ids[0]!, intent: 'mode', mode: 'daily' })).status).toBe(200)
    expect((await mode()).mode).toBe('daily')
    expect((await resident.post('/account/subscriptions', { id: ids[0]!, intent: 'stop' })).status).toBe(200)
    expect((await mode()).unsubscribed_at).not.toBeNull()
    expect(await (await resident.get('/account/subscriptions')).text()).not.toContain(`data-subscription="${ids[0]}"`)
    expect((await resident.post('/account/subscriptions', { id: 'x', intent: 'bogus' })).status).toBe(400)
  })

  it('answers any fuzzed body to /follow with a redirect or a 4xx, never a 500', async () => {
    const field = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.constantFrom('report', 'proposal', 'petition', 'vote', 'area', 'immediate', 'daily', String(t.report), '-1', '1e309', '//evil.example', '/\t/evil.example', '<script>', '\u0000', 'a@b.c'),
    )
    const body = fc.dictionary(fc.constantFrom('targetKind', 'targetId', 'email', 'mode', 'back', 'website_url', '__proto__'), field, { maxKeys: 7 })
    await fc.assert(
      fc.asyncProperty(body, async (fields) => {
        const res = await visitor().post('/follow', fields)
        expect(res.status).toBeLessThan(500)
        if (res.status === 302) {
          const location = res.headers.get('location')!
          expect(location.startsWith('/') && !location.startsWith('//')).toBe(true)
        }
      }),
      { numRuns: 120 },
    )
    for (const [type, payload] of [
      ['multipart/form-data; boundary=x', 'garbage'],
      ['application/x-www-form-urlencoded', '%E0%A4%A'],
      ['application/json', '{"email":1}'],
    ] as const) {
      const res = await fetch(`${plaza.url}/follow`, { method: 'POST', body: payload, headers: { origin: plaza.url, 'content-type': type }, redirect: 'manual' })
      expect(res.status, type).toBeLessThan(500)
      const unsub = await fetch(`${plaza.url}/follow/unsubscribe/s1.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`, { method: 'POST', body: payload, headers: { 'content-type': type } })
      expect(unsub.status, type).toBeLessThan(500)
    }
  }, 120_000)

  it.each([['AREA'], ['/follow?kind=vote&id=VOTE'], ['UNSUBSCRIBE'], ['/follow/confirm/nosuchtokenaaaaaaaaaaaa'], ['/account/subscriptions']])(
    '%s passes axe',
    async (which) => {
      browser ??= await chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
      })
      let target = which.replace('VOTE', String(t.vote))
      if (which === 'AREA') target = `/areas/${areaSlug}?followed=pending`
      if (which === 'UNSUBSCRIBE') {
        const row = await db().selectFrom('subscriptions').select('id').where('confirmed_at', 'is not', null).orderBy('id').executeTakeFirstOrThrow()
        target = `/follow/unsubscribe/${unsubscribeToken(await secretKey(), row.id)}`
      }
      const context = await browser.newContext({ locale: 'en-GB' })
      if (which === '/account/subscriptions') {
        const v = await login('resident')
        await v.post('/follow', followFields('vote', 'resident@valmera.example', 'daily'))
        await context.addCookies([...v.cookies].map(([name, value]) => ({ name, value, url: plaza.url })))
      }
      const page = await context.newPage()
      const res = await page.goto(plaza.url + target)
      expect(res?.status(), target).toBeLessThan(which.includes('confirm') ? 500 : 400)
      if (which === '/account/subscriptions') expect(await page.locator('[data-subscription]').count()).toBeGreaterThan(0)
      else if (!which.includes('confirm')) expect(await page.locator('form').count()).toBeGreaterThan(0)
      const results = await new AxeBuilder({ page }).exclude('.demo-banner').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze()
      expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
      await context.close()
    },
    60_000,
  )
})
