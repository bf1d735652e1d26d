import fc from 'fast-check'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPlaza, type RunningPlaza } from '../support/server'
import { linkIn, startSmtpSink, type SmtpSink } from '../support/smtp'
import { Visitor } from '../support/visitor'
import { sqlOf, type TestSql } from '../support/sql'

/** Street-issue reports over real HTTP, as people without JavaScript use them. */

let plaza: RunningPlaza
let smtp: SmtpSink
let sql: TestSql
let point: { lat: string; lng: string }
beforeAll(async () => {
  smtp = await startSmtpSink()
  plaza = await startPlaza({ MAIL_URL: smtp.url, DEV_MAIL: 'false', RATE_LIMIT_WRITE: 'off' })
  sql = sqlOf(plaza)
  const res = await fetch(`${plaza.url}/reports/new?area=sant-roc&category=pothole`)
  const html = await res.text()
  point = { lat: /name="lat" value="([^"]+)"/.exec(html)![1]!, lng: /name="lng" value="([^"]+)"/.exec(html)![1]! }
})
afterAll(async () => {
  await sql?.close()
  await plaza?.stop()
  await smtp?.stop()
})

const PASSWORD = 'valmera-demo-2026'

async function as(who: string) {
  const v = new Visitor(plaza.url, { 'accept-language': 'en' })
  expect((await v.post('/login', { email: `${who}@valmera.example`, password: PASSWORD })).status).toBe(302)
  return v
}

function reportForm(fields: Record<string, string>, photos: Array<{ name: string; type: string; data: Buffer }> = []) {
  const form = new FormData()
  const all = {
    intent: 'file',
    lat: point.lat,
    lng: point.lng,
    category: 'pothole',
    'attribute[depth]': 'deep',
    title: 'Pothole by the fountain',
    description: 'A deep pothole next to the fountain.',
    ...fields,
  }
  for (const [k, v] of Object.entries(all)) form.append(k, v)
  for (const p of photos) form.append('photo', new Blob([new Uint8Array(p.data)], { type: p.type }), p.name)
  return form
}

const idFrom = (res: Response) => Number(/\/reports\/(\d+)/.exec(res.headers.get('location') ?? '')?.[1])

describe('/reports/new, step by step', () => {
  it('asks where, then what (only categories serving that place), then the details', async () => {
    const where = await fetch(`${plaza.url}/reports/new`)
    expect(where.status).toBe(200)
    expect(await where.text()).toContain('name="area"')
    const what = await (await fetch(`${plaza.url}/reports/new?area=sant-roc`)).text()
    expect(what).toContain('value="pothole"')
    expect(what).not.toContain('value="river-bank-litter"')
    const details = await (await fetch(`${plaza.url}/reports/new?area=sant-roc&category=pothole`)).text()
    expect(details).toContain('name="title"')
    // Logged out: name and e-mail are asked for.
    expect(details).toContain('name="email"')
  })

  it('says what is wrong with a bad place or a category not served there, as a 400', async () => {
    const outside = await fetch(`${plaza.url}/reports/new?lat=10&lng=10`)
    expect(outside.status).toBe(400)
    expect(await outside.text()).toMatch(/outside/i)
    const notHere = await fetch(`${plaza.url}/reports/new?area=sant-roc&category=river-bank-litter`)
    expect(notHere.status).toBe(400)
    expect(await notHere.text()).toContain('not handled at this place')
  })

  it('files a logged-in report with a photo, public at once, photo stripped of its GPS data', async () => {
    const v = await as('resident')
    const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#886644' } })
      .jpeg()
      .withExif({ IFD0: { Copyright: 'secret-camera-owner' } })
      .toBuffer()
    const res = await v.post('/reports/new', reportForm({ title: 'Pothole with a photo' }, [{ name: 'hole.jpg', type: 'image/jpeg', data: jpeg }]))
    expect(res.status).toBe(302)
    const id = idFrom(res)
    const page = await (await fetch(`${plaza.url}/reports/${id}`)).text()
    expect(page).toContain('Pothole with a photo')
    expect(page).toContain('Roads and pavements')
    const src = /src="(\/reports\/photos\/\d+\/medium\.jpg)"/.exec(page)![1]!
    const photo = Buffer.from(await (await fetch(plaza.url + src)).arrayBuffer())
    expect((await sharp(photo).metadata()).format).toBe('jpeg')
    expect(photo.includes(Buffer.from('secret-camera-owner'))).toBe(false)
  })

  it('asks the category’s own questions, refuses a missing or unknown answer, shows the answer', async () => {
    const details = await (await fetch(`${plaza.url}/reports/new?area=sant-roc&category=pothole`)).text()
    expect(details).toContain('How deep is the pothole?')
    const v = await as('resident')
    for (const depth of ['', 'bottomless']) {
      const res = await v.post('/reports/new', reportForm({ 'attribute[depth]': depth, title: 'Question test' }))
      expect(res.status).toBe(400)
      expect(await res.text()).toContain('Please answer: How deep is the pothole?')
    }
    const ok = await v.post('/reports/new', reportForm({ title: 'Answered pothole', 'attribute[depth]': 'shallow' }))
    expect(ok.status).toBe(302)
    const page = await (await fetch(`${plaza.url}/reports/${idFrom(ok)}`)).text()
    expect(page).toContain('Shallow (less than 5 cm)')
  })

  it('refuses a file named .jpg that is not an image, keeping everything typed', async () => {
    const v = await as('resident')
    const res = await v.post('/reports/new', reportForm({ title: 'Kept title' }, [{ name: 'evil.jpg', type: 'image/jpeg', data: Buffer.from('this is not an image at all') }]))
    expect(res.status).toBe(400)
    const html = await res.text()
    expect(html).toContain('evil.jpg')
    expect(html).toContain('value="Kept title"')
    expect(html).toContain('A deep pothole next to the fountain.')
  })

  it('keeps a logged-out report private until the e-mailed link confirms it', async () => {
    const guest = new Visitor(plaza.url, { 'accept-language': 'en' })
    const res = await guest.post('/reports/new', reportForm({ title: 'Guest report', name: 'Gus Guest', email: 'gus@example.org' }))
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('/reports/new?sent=1')
    const row = (await sql.get<{ id: number; state: string }>("select id, state from reports where title = 'Guest report'"))!
    expect(row.state).toBe('unconfirmed')
    expect((await fetch(`${plaza.url}/reports/${row.id}`)).status).toBe(404)
    const mail = await smtp.waitFor('gus@example.org', { subject: /Confirm your report/ })
    // Opening the link (a mail scanner does) publishes nothing: it shows a button that POSTs (issue 18).
    const opened = await guest.get(linkIn(mail, '/reports/confirm/'))
    expect(opened.status).toBe(200)
    expect(await opened.text()).toContain('Confirm my report')
    expect((await fetch(`${plaza.url}/reports/${row.id}`)).status).toBe(404)
    const confirm = await guest.post(linkIn(mail, '/reports/confirm/'), {})
    expect(confirm.status).toBe(303)
    const page = await fetch(`${plaza.url}/reports/${row.id}`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('Gus Guest')
  })

  it('hides the name of an anonymous reporter', async () => {
    const v = await as('citizen')
    const res = await v.post('/reports/new', reportForm({ title: 'Anonymous pothole', anonymous: 'on' }))
    const page = await (await fetch(`${plaza.url}/reports/${idFrom(res)}`)).text()
    expect(page).toContain('by Anonymous')
    expect(page).not.toMatch(/by Clara|by Carlos|citizen@/)
  })

  it('offers similar open reports nearby, and supporting one counts once', async () => {
    const v = await as('resident')
    const first = idFrom(await v.post('/reports/new', reportForm({ title: 'Original pothole' })))
    const details = await (await fetch(`${plaza.url}/reports/new?lat=${point.lat}&lng=${point.lng}&category=pothole`)).text()
    expect(details).toContain('data-testid="similar-reports"')
    expect(details).toContain(`action="/reports/${first}"`)
    const other = await as('citizen')
    expect((await other.post(`/reports/${first}`, { intent: 'support' })).headers.get('location')).toBe(`/reports/${first}?done=supported`)
    expect((await other.post(`/reports/${first}`, { intent: 'support' })).headers.get('location')).toBe(`/reports/${first}?done=alreadySupported`)
    expect((await v.post(`/reports/${first}`, { intent: 'support' })).status).toBe(400)
    const supports = (await sql.get<{ supports: number }>('select supports from reports where id = ?', first))!
    expect(supports.supports).toBe(1)
    // Logged out: asked to log in.
    const anonymous = await fetch(`${plaza.url}/reports/${first}`, { method: 'POST', body: new URLSearchParams({ intent: 'support' }), headers: { origin: plaza.url }, redirect: 'manual' })
    expect(anonymous.status).toBe(302)
    expect(anonymous.headers.get('location')).toMatch(/^\/login/)
  })
})

describe('/reports/:id for its reporter and others', () => {
  it('lets only the reporter mark it fixed and reopen it; the timeline shows both', async () => {
    const reporter = await as('resident')
    const id = idFrom(await reporter.post('/reports/new', reportForm({ title: 'To be fixed' })))
    const other = await as('citizen')
    expect((await other.post(`/reports/${id}`, { intent: 'fixed' })).status).toBe(403)
    expect((await reporter.post(`/reports/${id}`, { intent: 'reopen' })).status).toBe(409)
    expect((await reporter.post(`/reports/${id}`, { intent: 'fixed', text: 'Filled in today.' })).status).toBe(302)
    expect((await reporter.post(`/reports/${id}`, { intent: 'reopen', text: 'Broken again.' })).status).toBe(302)
    const page = await (await fetch(`${plaza.url}/reports/${id}`)).text()
    const timeline = page.slice(page.indexOf('data-testid="report-timeline"'))
    expect(timeline.indexOf('Filled in today.')).toBeLessThan(timeline.indexOf('Broken again.'))
    expect(timeline).toContain('The reporter changed the status to Fixed')
  })

  it('answers 404 for what does not exist and 400 for nonsense, never a 500', async () => {
    for (const path of ['/reports/0', '/reports/99999999', '/reports/abc', '/reports/1e3']) {
      expect((await fetch(plaza.url + path)).status).toBe(404)
    }
    const v = await as('resident')
    expect((await v.post('/reports/confirm/nope', {})).status).toBe(404)
    expect((await v.post('/reports/1', { intent: 'explode' })).status).toBe(400)
    expect((await v.post('/reports/1', { intent: 'flag', reason: 'nonsense' })).status).toBe(400)
    const list = await fetch(`${plaza.url}/reports?area=%3Cscript%3E&category=..%2F&status=zzz&age=-1&page=-3`)
    expect(list.status).toBe(200)
  })

  it('lists public reports with filters', async () => {
    const html = await (await fetch(`${plaza.url}/reports?category=pothole&status=open&area=sant-roc`)).text()
    expect(html).toContain('Original pothole')
    expect(html).not.toContain('Anonymous pothole with')
    const fixed = await (await fetch(`${plaza.url}/reports?category=pothole&status=fixed&area=sant-roc`)).text()
    expect(fixed).not.toContain('Original pothole')
    const none = await (await fetch(`${plaza.url}/reports?category=fallen-tree&age=7&area=sant-roc`)).text()
    expect(none).toContain('No reports match these filters.')
  })
})

describe('fuzzing the report form', () => {
  it('answers 302, 400 or 413 to anything, never a 5xx', async () => {
    const v = await as('resident')
    const text = fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom('', ' ', '\u0000', '<script>', '1e999', 'NaN', '-91', '41,3', 'x'.repeat(6000)))
    await fc.assert(
      fc.asyncProperty(fc.record({ lat: text, lng: text, category: text, title: text, description: text, anonymous: text, intent: fc.constantFrom('file', 'locate', 'other') }), async (fields) => {
        const form = new FormData()
        for (const [k, value] of Object.entries(fields)) form.append(k, value)
        const res = await v.post('/reports/new', form)
        expect([302, 400, 413]).toContain(res.status)
        await res.arrayBuffer()
      }),
      { numRuns: 60 },
    )
  })
})
