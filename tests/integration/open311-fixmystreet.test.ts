import { XMLParser } from 'fast-xml-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOpen311Plaza, type Open311Plaza } from '../support/open311'
import type { RunningPlaza } from '../support/server'
import type { SmtpSink } from '../support/smtp'
import { Visitor } from '../support/visitor'
import { sqlOf } from '../support/sql'

/**
 * Issue 19: FixMyStreet's Open311 client (perllib/Open311.pm) driving Plaza's server, request by
 * request as it sends them — service list and definition, POST requests with and without e-mail
 * and with attribute[…], a retry after its 10 s timeout, servicerequestupdates GET and POST with
 * update_id, media_url, empty text and each extended status — and a browser app posting with an
 * Origin header. Each answer is checked as the client reads it.
 */

let plaza: RunningPlaza
let smtp: SmtpSink
let point: { lat: string; long: string }
const PASSWORD = 'valmera-demo-2026'
const xml = new XMLParser({ parseTagValue: false, isArray: (name) => ['service', 'request', 'error', 'attribute', 'value', 'request_update'].includes(name) })
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed Open311 XML of many shapes, read field by field in assertions
type Doc = any

let setup: Open311Plaza | undefined
beforeAll(async () => {
  setup = await startOpen311Plaza()
  ;({ plaza, smtp, point } = setup)
})
afterAll(async () => {
  await setup?.stop()
})

/** One value read from the server's database (either engine). */
async function one<T>(query: string, ...args: unknown[]): Promise<T> {
  const d = sqlOf(plaza)
  try {
    return (await d.get(query, ...args)) as T
  } finally {
    await d.close()
  }
}
const url = (path: string) => `${plaza.url}/open311/v2/${path}`
async function parse(res: Response): Promise<Doc> {
  const text = await res.text()
  return res.headers.get('content-type')?.startsWith('text/xml') ? xml.parse(text) : JSON.parse(text)
}
const get = async (path: string) => {
  const res = await fetch(url(path))
  return { res, body: await parse(res) }
}
// FixMyStreet posts form-encoded with its own User-Agent and no browser headers.
const post = async (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) => {
  const res = await fetch(url(path), { method: 'POST', body: new URLSearchParams(fields), headers: { 'user-agent': 'FixMyStreet/Open311', ...headers } })
  return { res, body: await parse(res) }
}
async function as(who: string) {
  const v = new Visitor(plaza.url, { 'accept-language': 'en' })
  expect((await v.post('/login', { email: `${who}@valmera.example`, password: PASSWORD })).status).toBe(302)
  return v
}
async function issue(fields: Record<string, string>) {
  const admin = await as('admin')
  const res = await admin.post('/admin/api-keys', { intent: 'issue', ...fields })
  const html = await res.text()
  expect(res.status, html.slice(0, 300)).toBe(200)
  return /value="(plz_[A-Za-z0-9_-]{43})"/.exec(html)![1]!
}
const count = async (sql: string, ...args: unknown[]) => (await one<{ n: number }>(sql, ...args)).n

let fms: string
let app: string
beforeAll(async () => {
  // FixMyStreet holds one key for the council, checks its users' e-mail and posts their updates.
  fms = await issue({ name: 'FixMyStreet', mayUpdate: 'on', trusted: 'on' })
  app = await issue({ name: 'Browser app' })
})

describe('a FixMyStreet client', () => {
  it('reads the service list and a definition in XML, as it does', async () => {
    const list = await get('services.xml')
    expect(list.res.status).toBe(200)
    const pothole = list.body.services.service.find((s: { service_code: string }) => s.service_code === 'pothole')
    expect(pothole).toMatchObject({ type: 'realtime', metadata: 'true' })
    const definition = await get('services/pothole.xml')
    expect(definition.body.service_definition.attributes.attribute[0]).toMatchObject({ code: 'depth', required: 'true', datatype: 'singlevaluelist' })
  })

  const report = () => ({
    api_key: fms,
    service_code: 'pothole',
    lat: point.lat,
    long: point.long,
    'attribute[depth]': 'deep',
    description: 'Pothole outside the bakery, FMS report 4411',
    email: 'resident@example.org',
    first_name: 'Rosa',
    last_name: 'Vidal',
    media_url: 'https://fixmystreet.example/photo/4411.jpeg',
  })

  it('gets the service_request_id at once with an e-mail (realtime, trusted key), and nobody is mailed', async () => {
    const before = smtp.mails.length
    const r = await post('requests.xml', report())
    expect(r.res.status).toBe(200)
    const answer = r.body.service_requests.request[0]
    expect(answer.service_request_id).toMatch(/^\d+$/)
    expect(answer.token).toBeUndefined()
    const read = await get(`requests/${answer.service_request_id}.json`)
    expect(read.body[0]).toMatchObject({ status: 'open', media_url: 'https://fixmystreet.example/photo/4411.jpeg' })
    await new Promise((r) => setTimeout(r, 1500))
    expect(smtp.mails.slice(before).filter((m) => /resident@example\.org/.test(JSON.stringify(m.to)))).toHaveLength(0)
  })

  it('retrying the same request (it gave up after 10 s) gets the same id: one report, even posted twice at once', async () => {
    const fields = { ...report(), description: 'Broken kerb, FMS report 4412' }
    const [a, b] = await Promise.all([post('requests.json', fields), post('requests.json', fields)])
    const again = await post('requests.json', fields)
    expect(a.res.status).toBe(200)
    expect(b.body[0].service_request_id).toBe(a.body[0].service_request_id)
    expect(again.body[0].service_request_id).toBe(a.body[0].service_request_id)
    expect(await count(`select count(*) as n from reports where description like '%FMS report 4412%'`)).toBe(1)
    // Another report is another request.
    const other = await post('requests.json', { ...fields, description: 'Broken kerb, FMS report 4413' })
    expect(other.body[0].service_request_id).not.toBe(a.body[0].service_request_id)
  })

  it('an untrusted key with an e-mail still gets a token, and a retry the same token with one mail', async () => {
    const fields = { ...report(), api_key: app, email: 'walker@example.org', description: 'Loose slab, app report 9' }
    const first = await post('requests.json', fields)
    const retry = await post('requests.json', fields)
    expect(first.body[0].token).toMatch(/^[a-z2-7]{32}$/)
    expect(retry.body[0].token).toBe(first.body[0].token)
    await smtp.waitFor('walker@example.org', { subject: /Confirm/i })
    await new Promise((r) => setTimeout(r, 1500))
    expect(smtp.mails.filter((m) => /walker@example\.org/.test(JSON.stringify(m.to)))).toHaveLength(1)
  })

  describe('updates', () => {
    let id: string
    const since = new Date(Date.now() - 3600_000).toISOString()
    beforeAll(async () => {
      const r = await post('requests.json', { ...report(), description: 'Flooded underpass, FMS report 4420' })
      id = r.body[0].service_request_id
    })
    const update = (fields: Record<string, string>) =>
      post('servicerequestupdates.xml', {
        api_key: fms,
        service_request_id: id,
        updated_datetime: new Date().toISOString(),
        first_name: 'Rosa',
        last_name: 'Vidal',
        email: 'resident@example.org',
        ...fields,
      })

    it('stores a citizen update under the name given, once per update_id, and echoes the update_id back', async () => {
      const a = await update({ update_id: 'fms-901', status: 'OPEN', description: 'Still flooded this morning.' })
      expect(a.res.status).toBe(200)
      expect(a.body.service_request_updates.request_update[0].update_id).toBe('fms-901')
      const repeat = await update({ update_id: 'fms-901', status: 'OPEN', description: 'Still flooded this morning.' })
      expect(repeat.res.status).toBe(200)
      expect(await count(`select count(*) as n from report_updates where report_id = ? and text = 'Still flooded this morning.'`, Number(id))).toBe(1)
      const page = await (await fetch(`${plaza.url}/reports/${id}`, { headers: { 'accept-language': 'en' } })).text()
      expect(page).toContain('Still flooded this morning.')
      expect(page).toContain('Rosa Vidal')
      // Read back with its key, it is the client's own update_id, so FixMyStreet does not import it as the council's.
      const mine = await get(`servicerequestupdates.json?api_key=${fms}&start_date=${since}`)
      const row = mine.body.find((u: { service_request_id: string; description: string }) => u.service_request_id === id && u.description === 'Still flooded this morning.')
      expect(row).toMatchObject({ update_id: 'fms-901', posted_by_you: true })
      const anyone = await get(`servicerequestupdates.json?start_date=${since}`)
      const public_ = anyone.body.find((u: { service_request_id: string; description: string }) => u.service_request_id === id && u.description === 'Still flooded this morning.')
      expect(public_.update_id).toMatch(/^\d+$/)
      expect(public_.posted_by_you).toBeUndefined()
    })

    it('accepts a photo alone (media_url, no text), keeps it and shows it', async () => {
      const r = await update({ update_id: 'fms-902', status: 'OPEN', description: '', media_url: 'https://fixmystreet.example/photo/4420-2.jpeg' })
      expect(r.res.status).toBe(200)
      const updates = await get(`servicerequestupdates.json?start_date=${since}`)
      expect(updates.body.some((u: { media_url: string }) => u.media_url === 'https://fixmystreet.example/photo/4420-2.jpeg')).toBe(true)
      // Another address than the one read above: anonymous pages are cached for a few seconds.
      const page = await (await fetch(`${plaza.url}/reports/${id}?photo`, { headers: { 'accept-language': 'en' } })).text()
      expect(page).toContain('href="https://fixmystreet.example/photo/4420-2.jpeg"')
      const bad = await update({ update_id: 'fms-903', status: 'OPEN', media_url: 'javascript:alert(1)' })
      expect(bad.res.status).toBe(400)
      expect(bad.body.errors.error[0].description).toContain('media_url must be an http or https address')
    })

    it('accepts an update with nothing new as done, not "Nothing to change" (the client would retry it forever)', async () => {
      const r = await update({ update_id: 'fms-904', status: 'OPEN', description: '' })
      expect(r.res.status).toBe(200)
      expect(r.body.service_request_updates.request_update[0].update_id).toBe('fms-904')
    })

    it("a citizen's CLOSED marks the report fixed by the reporter's side, not closed", async () => {
      const r = await update({ update_id: 'fms-905', status: 'CLOSED', description: 'Drain cleared, water gone.' })
      expect(r.res.status).toBe(200)
      const row = await one<{ state: string; state_kind: string }>('select state, state_kind from reports where id = ?', Number(id))
      expect(row).toEqual({ state: 'fixed', state_kind: 'fixed' })
      const reopened = await update({ update_id: 'fms-906', status: 'REOPEN', description: 'Flooded again.' })
      expect(reopened.res.status).toBe(200)
      expect((await get(`requests/${id}.json`)).body[0].status).toBe('open')
    })

    it('a council-wide back office key changes states, FOR_TRIAGE and CANCELLED included', async () => {
      const office = await issue({ name: 'Council CRM', mayUpdate: 'on', mayChangeState: 'on' })
      const backOffice = (fields: Record<string, string>) => post('servicerequestupdates.json', { api_key: office, service_request_id: id, updated_datetime: new Date().toISOString(), ...fields })
      const scheduled = await backOffice({ update_id: 'crm-1', status: 'IN_PROGRESS', description: 'Pump on its way.' })
      expect(scheduled.res.status).toBe(200)
      const triage = await backOffice({ update_id: 'crm-2', status: 'FOR_TRIAGE' })
      expect(triage.res.status).toBe(200)
      expect((await one<{ state: string }>('select state from reports where id = ?', Number(id))).state).toBe('confirmed')
      const cancelled = await backOffice({ update_id: 'crm-3', status: 'CANCELLED', description: 'Reported twice.' })
      expect(cancelled.res.status).toBe(200)
      expect((await get(`requests/${id}.json`)).body[0]).toMatchObject({ status: 'closed', status_notes: 'Reported twice.' })
      // Every other extended status FixMyStreet sends, each to its Plaza state (read from the database)
      // and back to the client as the status it reads in servicerequestupdates.
      const states: Array<[string, string, string]> = [
        ['REOPEN', 'confirmed', 'open'],
        ['INVESTIGATING', 'investigating', 'investigating'],
        ['ACTION_SCHEDULED', 'action_scheduled', 'action_scheduled'],
        ['INTERNAL_REFERRAL', 'internal_referral', 'internal_referral'],
        ['NOT_COUNCILS_RESPONSIBILITY', 'not_responsible', 'not_councils_responsibility'],
        ['OPEN', 'confirmed', 'open'], // OPEN reopens a closed one
        ['NOT_RESPONSIBLE', 'not_responsible', 'not_councils_responsibility'],
        ['REOPEN', 'confirmed', 'open'],
        ['NO_FURTHER_ACTION', 'unable_to_fix', 'no_further_action'],
        ['REOPEN', 'confirmed', 'open'],
        ['UNABLE_TO_FIX', 'unable_to_fix', 'no_further_action'],
        ['REOPEN', 'confirmed', 'open'],
        ['DUPLICATE', 'duplicate', 'duplicate'],
        ['REOPEN', 'confirmed', 'open'],
        ['CLOSED', 'closed', 'closed'],
        ['REOPEN', 'confirmed', 'open'],
        ['FIXED', 'fixed', 'fixed'],
      ]
      for (const [i, [status, state]] of states.entries()) {
        const r = await backOffice({ update_id: `crm-s${i}`, status, description: `Now ${status} (${i}).` })
        expect(r.res.status, `${status}: ${JSON.stringify(r.body)}`).toBe(200)
        expect((await one<{ state: string }>('select state from reports where id = ?', Number(id))).state, status).toBe(state)
      }
      const readBack = (await get(`servicerequestupdates.json?start_date=${since}`)).body as Array<{ service_request_id: string; description: string; status: string }>
      for (const [i, [status, , read]] of states.entries()) {
        const row = readBack.find((u) => u.service_request_id === id && u.description === `Now ${status} (${i}).`)
        expect(row?.status, `${status} read back`).toBe(read)
      }
      const unknown = await backOffice({ update_id: 'crm-4', status: 'MAYBE' })
      expect(unknown.res.status).toBe(400)
      expect(unknown.body[0].description).toContain('status must be one of')
    })

    it('refuses updates from a key without update rights (403, Open311 error)', async () => {
      const r = await post('servicerequestupdates.json', { api_key: app, service_request_id: id, update_id: 'x', status: 'OPEN', updated_datetime: new Date().toISOString() })
      expect(r.res.status).toBe(403)
      expect(r.body[0].code).toBe(403)
    })
  })
})

describe('a browser app posting with an Origin header', () => {
  it('is answered as an API with CORS, errors included, never with an HTML page', async () => {
    const origin = { origin: 'https://app.example.net', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' }
    const ok = await post('requests.json', { api_key: app, service_code: 'pothole', lat: point.lat, long: point.long, 'attribute[depth]': 'shallow', description: 'From a web app' }, origin)
    expect(ok.res.status).toBe(200)
    expect(ok.res.headers.get('access-control-allow-origin')).toBe('*')
    expect(ok.body[0].service_request_id).toMatch(/^\d+$/)
    const bad = await post('requests.json', { api_key: 'plz_wrong', service_code: 'pothole' }, origin)
    expect(bad.res.status).toBe(403)
    expect(bad.res.headers.get('content-type')).toContain('application/json')
    expect(bad.res.headers.get('access-control-allow-origin')).toBe('*')
    expect(bad.body[0]).toMatchObject({ code: 403 })
    const preflight = await fetch(url('requests.json'), { method: 'OPTIONS', headers: origin })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST')
    // The rest of the site still refuses cross-site posts.
    const login = await fetch(`${plaza.url}/login`, { method: 'POST', body: new URLSearchParams({ email: 'a@b.c', password: 'x' }), headers: origin })
    expect(login.status).toBe(403)
  })
})
