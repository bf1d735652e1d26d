import http from 'node:http'
import nodemailer from 'nodemailer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, startPlaza, type RunningPlaza } from '../support/server'
import { startSmtpSink, type SmtpSink } from '../support/smtp'
import { Visitor } from '../support/visitor'
import { sqlOf, type TestSql } from '../support/sql'

/**
 * Issue 19, with real parts on 127.0.0.1: Plaza (the city) sends reports to the bodies that must
 * act on them. A second Plaza process is the roads department's Open311 back office; an SMTP
 * server receives the water company's e-mails, and replies are sent back to Plaza's own SMTP
 * endpoint; a body whose server answers 500 is retried with back-off and listed until it answers.
 */

let city: RunningPlaza
let office: RunningPlaza
let smtp: SmtpSink
let inboundPort: number
let flaky: http.Server
let flakyUrl: string
let flakyCalls = 0
let flakyFailUntil = 3
const flakyTimes: number[] = []
let point: { lat: string; long: string }
const PASSWORD = 'valmera-demo-2026'
const DOMAIN = 'replies.valmera.example'

async function as(plaza: RunningPlaza, who: string) {
  const v = new Visitor(plaza.url, { 'accept-language': 'en' })
  expect((await v.post('/login', { email: `${who}@valmera.example`, password: PASSWORD })).status).toBe(302)
  return v
}
async function issueKey(plaza: RunningPlaza, fields: Record<string, string>) {
  const res = await (await as(plaza, 'admin')).post('/admin/api-keys', { intent: 'issue', ...fields })
  const html = await res.text()
  expect(res.status).toBe(200)
  return /value="(plz_[A-Za-z0-9_-]{43})"/.exec(html)![1]!
}
// SQL on each server's database (either engine), opened once per server and closed in afterAll.
const sqls = new Map<RunningPlaza, TestSql>()
const sqlFor = (plaza: RunningPlaza) => sqls.get(plaza) ?? sqls.set(plaza, sqlOf(plaza)).get(plaza)!
const one = async <T>(plaza: RunningPlaza, text: string, ...args: unknown[]) => (await sqlFor(plaza).get<T>(text, ...args)) as T
const departmentId = async (plaza: RunningPlaza, slug: string) => String((await one<{ id: number }>(plaza, 'select id from departments where slug = ?', slug)).id)
async function until<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; deliveries: ${JSON.stringify(await sqlFor(city).all('select * from report_deliveries'))}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

let cityKey: string
async function fileReport(serviceCode: string, description: string, extra: Record<string, string> = {}) {
  const res = await fetch(`${city.url}/open311/v2/requests.json`, {
    method: 'POST',
    body: new URLSearchParams({ api_key: cityKey, service_code: serviceCode, lat: point.lat, long: point.long, description, ...extra }),
  })
  const body = (await res.json()) as Array<{ service_request_id: string }>
  expect(res.status, JSON.stringify(body)).toBe(200)
  return Number(body[0]!.service_request_id)
}

beforeAll(async () => {
  smtp = await startSmtpSink()
  inboundPort = await freePort()
  // A body whose server fails its first answers, then files the request.
  flaky = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      // Polls for updates (GET servicerequestupdates.json) are not sends: only POSTs are counted.
      if (req.method !== 'POST') {
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end('Internal Server Error')
        return
      }
      flakyCalls++
      flakyTimes.push(Date.now())
      if (flakyCalls <= flakyFailUntil) {
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end('Internal Server Error')
        return
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify([{ service_request_id: `PK-${flakyCalls}`, service_notice: body.includes('fallen') ? 'ok' : '' }]))
    })
  })
  const flakyPort = await freePort()
  await new Promise<void>((r) => flaky.listen(flakyPort, '127.0.0.1', r))
  flakyUrl = `http://127.0.0.1:${flakyPort}/open311/v2`
  ;[city, office] = await Promise.all([
    startPlaza({
      MAIL_URL: smtp.url,
      DEV_MAIL: 'false',
      RATE_LIMIT_WRITE: 'off',
      DELIVERY_INTERVAL_MS: '200',
      DELIVERY_POLL_MS: '500',
      DELIVERY_RETRY_MS: '300',
      INBOUND_SMTP_PORT: String(inboundPort),
      INBOUND_MAIL_DOMAIN: DOMAIN,
    }),
    startPlaza({ RATE_LIMIT_WRITE: 'off', DEV_MAIL: 'false' }),
  ])
  const html = await (await fetch(`${city.url}/reports/new?area=sant-roc&category=pothole`)).text()
  point = { lat: /name="lat" value="([^"]+)"/.exec(html)![1]!, long: /name="lng" value="([^"]+)"/.exec(html)![1]! }
  // Trusted: its reports (with the reporter's e-mail) are public at once, and so sent at once.
  cityKey = await issueKey(city, { name: 'City app', trusted: 'on' })
})
afterAll(async () => {
  await Promise.all([...sqls.values()].map((sql) => sql.close()))
  await Promise.all([city?.stop(), office?.stop()])
  await smtp?.stop()
  await new Promise((r) => flaky?.close(r))
})

describe('/admin/delivery', () => {
  it('is for administrators only', async () => {
    const anonymous = await new Visitor(city.url).get('/admin/delivery')
    expect(anonymous.status).toBe(302)
    for (const who of ['citizen', 'roads']) {
      const v = await as(city, who)
      expect((await v.get('/admin/delivery')).status).toBe(403)
      expect((await v.post('/admin/delivery', { intent: 'method', departmentId: await departmentId(city, 'roads'), method: 'email', email: 'x@y.example' })).status).toBe(403)
    }
  })

  it('explains a missing endpoint next to the field and keeps what was typed', async () => {
    const admin = await as(city, 'admin')
    const res = await admin.post('/admin/delivery', {
      intent: 'method',
      departmentId: await departmentId(city, 'roads'),
      method: 'open311',
      enabled: 'on',
      jurisdictionId: 'roads.example',
      serviceCodes: 'pothole = PH01\nnot a line',
    })
    expect(res.status).toBe(400)
    const html = await res.text()
    expect(html).toContain('Enter the body&#x27;s Open311 endpoint.')
    expect(html).toContain('Write one &quot;category = service_code&quot; per line.')
    expect(html).toContain('value="roads.example"')
  })
})

describe('delivery as an Open311 client to a second Plaza', () => {
  let reportId: number
  let externalId: string
  beforeAll(async () => {
    const officeKey = await issueKey(office, { name: 'Valmera city Plaza', trusted: 'on' })
    const admin = await as(city, 'admin')
    const res = await admin.post('/admin/delivery', {
      intent: 'method',
      departmentId: await departmentId(city, 'roads'),
      method: 'open311',
      enabled: 'on',
      endpoint: `${office.url}/open311/v2`,
      apiKey: officeKey,
      serviceCodes: '',
    })
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('Saved how Roads and pavements receives reports.')
  })

  it('POSTs the report to the back office and keeps its id', async () => {
    reportId = await fileReport('pothole', 'Pothole by the school gate', { 'attribute[depth]': 'deep', email: 'parent@example.org', first_name: 'Marta' })
    const sent = await until(
      'the delivery',
      async () => (await one<{ status: string; external_id: string | null } | undefined>(city, 'select status, external_id from report_deliveries where report_id = ?', reportId))?.external_id,
    )
    externalId = sent
    const there = (await (await fetch(`${office.url}/open311/v2/requests/${externalId}.json`)).json()) as Array<Record<string, unknown>>
    expect(there[0]).toMatchObject({ service_code: 'pothole', status: 'open' })
    expect(String(there[0]!.description)).toContain('Pothole by the school gate')
    expect(String(there[0]!.description)).toContain(`${city.url}/reports/${reportId}`)
    // Its reporter and staff see where it went.
    const page = await (await fetch(`${city.url}/reports/${reportId}`, { headers: { 'accept-language': 'en' } })).text()
    expect(page).toContain('Sent to Roads and pavements')
    expect((await one<{ n: number }>(city, `select count(*) as n from report_deliveries where status = 'sent'`)).n).toBe(1)
  })

  it("brings a status change made in the back office into the city's timeline", async () => {
    const staff = await issueKey(office, { name: 'Roads CRM', departmentId: await departmentId(office, 'roads'), mayUpdate: 'on' })
    const res = await fetch(`${office.url}/open311/v2/servicerequestupdates.json`, {
      method: 'POST',
      body: new URLSearchParams({
        api_key: staff,
        service_request_id: externalId,
        update_id: 'crm-77',
        status: 'ACTION_SCHEDULED',
        updated_datetime: new Date().toISOString(),
        description: 'Crew booked for Monday.',
      }),
    })
    expect(res.status).toBe(200)
    await until('the update in the city', async () => (await one<{ state: string }>(city, 'select state from reports where id = ?', reportId)).state === 'action_scheduled')
    const timeline = await (await fetch(`${city.url}/open311/v2/requests/${reportId}.json`, { headers: { 'cache-control': 'no-cache' } })).json()
    expect(timeline[0]).toMatchObject({ status_notes: 'Crew booked for Monday.' })
    // Applied once, however many polls see it.
    await new Promise((r) => setTimeout(r, 1500))
    expect((await one<{ n: number }>(city, `select count(*) as n from report_updates where report_id = ? and text = 'Crew booked for Monday.'`, reportId)).n).toBe(1)
  })
})

describe('delivery by e-mail, with replies through Plaza’s SMTP endpoint', () => {
  let reportId: number
  let replyTo: string
  beforeAll(async () => {
    const admin = await as(city, 'admin')
    const res = await admin.post('/admin/delivery', {
      intent: 'method',
      departmentId: await departmentId(city, 'water'),
      method: 'email',
      enabled: 'on',
      email: 'reports@water-company.example',
      serviceCodes: '',
    })
    expect(res.status).toBe(200)
  })

  it('mails the body the report, its place, link and a reply address of its own', async () => {
    reportId = await fileReport('blocked-drain', 'Drain blocked with leaves, water across the road', { media_url: 'https://photos.example/drain.jpg' })
    const mail = await smtp.waitFor('reports@water-company.example', { subject: new RegExp(`Report ${reportId}`) })
    expect(mail.text).toContain('Drain blocked with leaves')
    expect(mail.text).toContain(`${city.url}/reports/${reportId}`)
    expect(mail.text).toContain('https://photos.example/drain.jpg')
    expect(mail.text).toContain('openstreetmap.org')
    // The place on Plaza's own map: a link in the text, a picture drawn from the base map in the HTML (inline, cid:).
    expect(mail.text).toMatch(new RegExp(`The place on the map: ${city.url.replace(/\./g, '\\.')}/map\\?lat=[\\d.]+&lng=-?[\\d.]+`))
    const picture = mail.attachments.find((a) => a.contentType === 'image/png')!
    expect(picture.cid).toBe(`map-${reportId}@plaza`)
    expect(picture.contentDisposition).toBe('inline')
    expect(picture.content.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')
    // (mailparser turns the cid: reference into the picture's data: URL when it finds the attachment.)
    expect(String(mail.html)).toMatch(new RegExp(`<img src="(cid:map-${reportId}@plaza|data:image/png;base64,[^"]+)"`))
    expect(String(mail.html)).toMatch(new RegExp(`alt="Map of the place of report ${reportId}[^"]*"`))
    replyTo = mail.replyTo!.value[0]!.address!
    expect(replyTo).toMatch(new RegExp(`^report-[a-z2-7]+@${DOMAIN.replace(/\./g, '\\.')}$`))
  })

  it("puts the body's reply in the timeline, without the quoted message, and refuses strangers", async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: inboundPort, secure: false, ignoreTLS: true })
    await transport.sendMail({
      from: 'Duty engineer <engineer@water-company.example>',
      to: replyTo,
      subject: `Re: Report ${reportId}`,
      text: 'Cleared this afternoon, thank you.\n\nOn Mon, 7 Dec 2026, Plaza wrote:\n> Drain blocked with leaves',
    })
    await until(
      'the reply in the timeline',
      async () =>
        (await one<{ n: number }>(city, `select count(*) as n from report_updates where report_id = ? and source = 'email' and text = 'Cleared this afternoon, thank you.'`, reportId)).n === 1,
    )
    const page = await (await fetch(`${city.url}/reports/${reportId}?reply`, { headers: { 'accept-language': 'en' } })).text()
    expect(page).toContain('Cleared this afternoon, thank you.')
    expect(page).not.toContain('&gt; Drain blocked')
    await expect(transport.sendMail({ from: 'someone@elsewhere.example', to: replyTo, subject: 'Re', text: 'Fake answer' })).rejects.toThrow(/550/)
    await expect(transport.sendMail({ from: 'engineer@water-company.example', to: `nobody@${DOMAIN}`, subject: 'Re', text: 'Hello' })).rejects.toThrow(/550/)
    transport.close()
  })
})

describe('a body whose server fails', () => {
  it('is retried with back-off and listed as unsent until it answers, then sent once', async () => {
    const admin = await as(city, 'admin')
    flakyFailUntil = 1_000_000
    expect(
      (
        await admin.post('/admin/delivery', {
          intent: 'method',
          departmentId: await departmentId(city, 'parks'),
          method: 'open311',
          enabled: 'on',
          endpoint: flakyUrl,
          apiKey: 'their-key',
          serviceCodes: 'fallen-tree = TREE',
        })
      ).status,
    ).toBe(200)
    const reportId = await fileReport('fallen-tree', 'A fallen tree blocks the path')
    await until('two failed attempts', async () => (await one<{ attempts: number }>(city, 'select attempts from report_deliveries where report_id = ?', reportId)).attempts >= 2)
    const row = await one<{ status: string; last_error: string; next_attempt_at: string }>(city, 'select status, last_error, next_attempt_at from report_deliveries where report_id = ?', reportId)
    expect(row.status).toBe('pending')
    expect(row.last_error).toContain('HTTP 500')
    const page = await (await admin.get('/admin/delivery')).text()
    expect(page).toContain(`data-testid="unsent-${reportId}"`)
    expect(page).toContain('HTTP 500')
    // Back-off: the waits grow (0.3 s, 1.2 s, …), so few calls are made in a second.
    const callsBefore = flakyCalls
    await new Promise((r) => setTimeout(r, 1000))
    expect(flakyCalls - callsBefore, JSON.stringify(flakyTimes.map((t) => t - flakyTimes[0]!))).toBeLessThanOrEqual(2)
    flakyFailUntil = flakyCalls
    // An administrator need not wait: "Send again" tries at once.
    const resend = await admin.post('/admin/delivery', { intent: 'resend', reportId: String(reportId) })
    expect(resend.status).toBe(200)
    const sent = await until(
      'the delivery',
      async () => (await one<{ status: string; external_id: string | null }>(city, 'select status, external_id from report_deliveries where report_id = ?', reportId)).status === 'sent',
    )
    expect(sent).toBe(true)
    const successes = flakyCalls - flakyFailUntil
    expect(successes).toBe(1)
    expect((await one<{ external_id: string }>(city, 'select external_id from report_deliveries where report_id = ?', reportId)).external_id).toBe(`PK-${flakyFailUntil + 1}`)
    expect((await (await admin.get('/admin/delivery')).text()).includes(`data-testid="unsent-${reportId}"`)).toBe(false)
    expect((await admin.post('/admin/delivery', { intent: 'resend', reportId: String(reportId) })).status).toBe(409)
  })

  it('may be sent again from the triage page by its department’s staff only, without JavaScript, audited', async () => {
    // A roads report, sent to the second Plaza (the roads department's back office).
    const reportId = await fileReport('pothole', 'Pothole that the back office lost', { 'attribute[depth]': 'deep' })
    await until('the delivery', async () => (await one<{ status: string }>(city, 'select status from report_deliveries where report_id = ?', reportId)).status === 'sent')
    const first = (await one<{ external_id: string }>(city, 'select external_id from report_deliveries where report_id = ?', reportId)).external_id
    const page = `/council/reports/${reportId}`
    // Refused: a visitor (to the login page), a citizen, staff of another department; nothing is queued again.
    expect((await new Visitor(city.url).post(page, { intent: 'resend' })).status).toBe(302)
    expect((await (await as(city, 'citizen')).post(page, { intent: 'resend' })).status).toBe(403)
    const lighting = await as(city, 'lighting')
    expect((await lighting.post(page, { intent: 'resend' })).status).toBe(403)
    expect((await one<{ status: string }>(city, 'select status from report_deliveries where report_id = ?', reportId)).status).toBe('sent')
    // The roads department's staff see the button (a plain form) and use it.
    const roads = await as(city, 'roads')
    const html = await (await roads.get(page)).text()
    expect(html).toMatch(/<form method="post"[^>]*>\s*<input type="hidden" name="intent" value="resend"\/>/)
    expect(html).toContain('Send it to the body again')
    const res = await roads.post(page, { intent: 'resend' })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe(`${page}?resent=1`)
    // Sent again (a second attempt); the second Plaza answers a repeated POST of the same key with its first id (its retry rule).
    await until('the second send', async () => {
      const row = await one<{ status: string; attempts: number }>(city, 'select status, attempts from report_deliveries where report_id = ?', reportId)
      return row.status === 'sent' && row.attempts === 2
    })
    expect(await (await roads.get(`${page}?resent=1`)).text()).toContain('It will be sent again within a few seconds.')
    const audit = await one<{ actor: string; before_json: string }>(
      city,
      `select u.email as actor, a.before as before_json from audit_log a join users u on u.id = a.actor_id where a.action = 'delivery.resend' and a.target_id = ? order by a.id desc`,
      reportId,
    )
    expect(audit.actor).toBe('roads@valmera.example')
    expect(JSON.parse(audit.before_json)).toMatchObject({ status: 'sent', externalId: first })
  })
})
