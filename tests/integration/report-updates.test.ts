import type { ParsedMail } from 'mailparser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPlaza, type RunningPlaza } from '../support/server'
import { linkIn, startSmtpSink, type SmtpSink } from '../support/smtp'
import { Visitor } from '../support/visitor'
import { sqlOf, type TestSql } from '../support/sql'

/**
 * Issue 19 part 3, with a real Plaza and a real SMTP server on 127.0.0.1: the reporter hears of
 * every change to their report (status, public update) by e-mail with a one-click unsubscribe, and
 * area alerts that asked for updates bring the updates to the reports they cover, not only new ones.
 */

let plaza: RunningPlaza
let smtp: SmtpSink
let sql: TestSql
let key: string
let point: { lat: string; long: string }
const PASSWORD = 'valmera-demo-2026'
const REPORTER = 'reporter.updates@example.org'

async function as(who: string) {
  const v = new Visitor(plaza.url, { 'accept-language': 'en' })
  expect((await v.post('/login', { email: `${who}@valmera.example`, password: PASSWORD })).status).toBe(302)
  return v
}
const header = (mail: ParsedMail, name: string) => mail.headerLines.find((h) => h.key === name)?.line.replace(/\r?\n[ \t]+/g, ' ') ?? null
const rows = <T>(text: string, ...args: unknown[]) => sql.all<T>(text, ...args)
const to = (mail: ParsedMail) => (Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : []).flatMap((a) => a.value.map((v) => v.address?.toLowerCase()))
// The mails about changes and updates; not the questionnaires ("Has it been fixed?") that the background
// job sends, at its own pace, to the demo city's reporters of old reports.
const mailsTo = (address: string, after: number) => smtp.mails.slice(after).filter((m) => to(m).includes(address) && !/^Has it been fixed\?/.test(m.subject ?? ''))

beforeAll(async () => {
  smtp = await startSmtpSink()
  plaza = await startPlaza({ MAIL_URL: smtp.url, DEV_MAIL: 'false', RATE_LIMIT_WRITE: 'off' })
  sql = sqlOf(plaza)
  const html = await (await fetch(`${plaza.url}/reports/new?area=sant-roc&category=pothole`)).text()
  point = { lat: /name="lat" value="([^"]+)"/.exec(html)![1]!, long: /name="lng" value="([^"]+)"/.exec(html)![1]! }
  const res = await (await as('admin')).post('/admin/api-keys', { intent: 'issue', name: 'Trusted app', trusted: 'on' })
  key = /value="(plz_[A-Za-z0-9_-]{43})"/.exec(await res.text())![1]!
})
afterAll(async () => {
  await sql?.close()
  await plaza?.stop()
  await smtp?.stop()
})

describe('updates reach people', () => {
  it('the reporter and the area alerts that asked for updates hear of each change; the one-click link stops the reporter’s', async () => {
    // Two people watch the neighbourhood: one asked for updates too, the other only for new reports.
    const resident = await as('resident')
    expect((await resident.post('/alerts', { intent: 'subscribe', choice: 'area:sant-roc', updates: 'on', email: 'resident@valmera.example' })).status).toBe(302)
    const citizen = await as('citizen')
    expect((await citizen.post('/alerts', { intent: 'subscribe', choice: 'area:sant-roc', email: 'citizen@valmera.example' })).status).toBe(302)
    const alerts = await rows<{ email: string; include_updates: number }>('select email, include_updates from report_alerts where confirmed_at is not null order by email')
    expect(alerts).toEqual([
      { email: 'citizen@valmera.example', include_updates: 0 },
      { email: 'resident@valmera.example', include_updates: 1 },
    ])
    // The alert list says which brings updates.
    expect(await (await resident.get('/alerts')).text()).toContain('with updates')

    // A report with its reporter's e-mail, public at once (a trusted client).
    const filed = await fetch(`${plaza.url}/open311/v2/requests.json`, {
      method: 'POST',
      body: new URLSearchParams({ api_key: key, service_code: 'pothole', lat: point.lat, long: point.long, description: 'A deep pothole by the bakery.', 'attribute[depth]': 'deep', email: REPORTER }),
    })
    expect(filed.status).toBe(200)
    const id = Number(((await filed.json()) as Array<{ service_request_id: string }>)[0]!.service_request_id)
    // Both alerts hear of the new report; the reporter is not alerted of their own.
    await smtp.waitFor('resident@valmera.example', { subject: /New report in/ })
    await smtp.waitFor('citizen@valmera.example', { subject: /New report in/ })
    // The reporter follows their report, confirmed and immediate.
    expect(
      await rows<{ mode: string; confirmed: number }>(
        `select mode, case when confirmed_at is not null then 1 else 0 end as confirmed from subscriptions where email_key = ? and target_kind = 'report' and target_id = ?`,
        REPORTER,
        id,
      ),
    ).toEqual([{ mode: 'immediate', confirmed: 1 }])

    // Staff change its status with a public update.
    const roads = await as('roads')
    let before = smtp.mails.length
    expect((await roads.post(`/council/reports/${id}`, { state: 'in_progress', update: 'A crew is on its way.' })).status).toBeLessThan(400)
    const told = await smtp.waitFor(REPORTER, { after: before })
    expect(told.text).toContain('A crew is on its way.')
    expect(told.text).toMatch(/In progress/i)
    const unsubscribe = linkIn(told, '/follow/unsubscribe/')
    expect(header(told, 'list-unsubscribe')).toContain(unsubscribe)
    expect(header(told, 'list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click')
    const alerted = await smtp.waitFor('resident@valmera.example', { subject: /^Update to a report near you/, after: before })
    expect(alerted.text).toContain('A crew is on its way.')
    expect(alerted.text).toMatch(/is now: In progress/i)
    expect(header(alerted, 'list-unsubscribe')).toMatch(/\/alerts\/unsubscribe\//)
    // The staff member's own action is not mailed back to anyone twice: one mail each.
    await new Promise((r) => setTimeout(r, 1000))
    expect(mailsTo(REPORTER, before)).toHaveLength(1)
    expect(mailsTo('resident@valmera.example', before)).toHaveLength(1)
    expect(mailsTo('citizen@valmera.example', before)).toHaveLength(0)

    // An internal note is not news for anyone.
    before = smtp.mails.length
    expect((await roads.post(`/council/reports/${id}`, { note: 'Gate code 4321.' })).status).toBeLessThan(400)

    // RFC 8058 one-click, as a mail program sends it: no cookie, no Origin.
    const oneClick = await fetch(plaza.url + unsubscribe, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(oneClick.status).toBe(200)
    expect((await roads.post(`/council/reports/${id}`, { state: 'fixed', update: 'Filled and rolled.' })).status).toBeLessThan(400)
    const second = await smtp.waitFor('resident@valmera.example', { subject: /^Update to a report near you/, after: before })
    expect(second.text).toContain('Filled and rolled.')
    await new Promise((r) => setTimeout(r, 1000))
    expect(mailsTo(REPORTER, before)).toHaveLength(0)
    expect(mailsTo('citizen@valmera.example', before)).toHaveLength(0)
    expect(smtp.mails.slice(before).some((m) => (m.text ?? '').includes('Gate code'))).toBe(false)
  })

  it('an alert form sent without the box keeps updates off, and a bad e-mail keeps the box as ticked', async () => {
    const v = new Visitor(plaza.url, { 'accept-language': 'en' })
    const res = await v.post('/alerts?area=sant-roc', { intent: 'subscribe', choice: 'area:sant-roc', updates: 'on', email: 'not an address' })
    expect(res.status).toBe(400)
    const html = await res.text()
    expect(html).toMatch(/<input type="checkbox" name="updates" checked=""/)
  })
})
