import { XMLParser } from 'fast-xml-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOpen311Plaza, type Open311Plaza } from '../support/open311'
import type { RunningPlaza } from '../support/server'
import { linkIn, type SmtpSink } from '../support/smtp'
import { Visitor } from '../support/visitor'
import { sqlOf, type TestSql } from '../support/sql'

/**
 * Open311 GeoReport v2 over real HTTP, as a client application and a council back office use it,
 * in both formats, with keys issued by an administrator at /admin/api-keys. Written from the spec
 * (http://wiki.open311.org/GeoReport_v2) and mySociety's servicerequestupdates extension.
 */

let plaza: RunningPlaza
let smtp: SmtpSink
let sql: TestSql
let point: { lat: string; long: string }
const PASSWORD = 'valmera-demo-2026'
const LISTS = new Set(['service', 'request', 'error', 'attribute', 'value', 'endpoint', 'format', 'request_update'])
const xml = new XMLParser({ parseTagValue: false, isArray: (name) => LISTS.has(name) })
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed answer is whatever the server sent: the assertions are its types
type Doc = any[] & { [key: string]: any }

let setup: Open311Plaza | undefined
beforeAll(async () => {
  setup = await startOpen311Plaza()
  ;({ plaza, smtp, point } = setup)
  sql = sqlOf(plaza)
})
afterAll(async () => {
  await sql?.close()
  await setup?.stop()
})

const url = (path: string) => `${plaza.url}/open311/v2/${path}`

async function parse(res: Response): Promise<Doc> {
  const text = await res.text()
  return res.headers.get('content-type')?.startsWith('text/xml') ? xml.parse(text) : JSON.parse(text)
}
async function get(path: string) {
  const res = await fetch(url(path))
  return { res, body: await parse(res) }
}
/** A client posts form-encoded, as the spec says, without any browser header. */
async function post(path: string, fields: Record<string, string>) {
  const res = await fetch(url(path), { method: 'POST', body: new URLSearchParams(fields) })
  return { res, body: await parse(res) }
}

async function as(who: string) {
  const v = new Visitor(plaza.url, { 'accept-language': 'en' })
  expect((await v.post('/login', { email: `${who}@valmera.example`, password: PASSWORD })).status).toBe(302)
  return v
}

const departmentId = async (slug: string) => String(await sql.value('select id from departments where slug = ?', slug))

let appKey: string
let roadsKey: string
let lightingKey: string

async function issue(admin: Visitor, fields: Record<string, string>) {
  const res = await admin.post('/admin/api-keys', { intent: 'issue', ...fields })
  expect(res.status).toBe(200)
  const html = await res.text()
  expect(res.headers.get('cache-control')).toContain('no-store')
  const secret = /value="(plz_[A-Za-z0-9_-]{43})"/.exec(html)?.[1]
  expect(secret, html.slice(0, 500)).toBeDefined()
  return secret!
}

describe('/admin/api-keys', () => {
  it('is for administrators only', async () => {
    const anonymous = await new Visitor(plaza.url).get('/admin/api-keys')
    expect(anonymous.status).toBe(302)
    expect(anonymous.headers.get('location')).toContain('/login')
    const citizen = await as('citizen')
    expect((await citizen.get('/admin/api-keys')).status).toBe(403)
    expect((await citizen.post('/admin/api-keys', { intent: 'issue', name: 'Sneaky' })).status).toBe(403)
    const staff = await as('roads')
    expect((await staff.get('/admin/api-keys')).status).toBe(403)
  })

  it('issues keys whose secret is shown once, and explains a missing department next to the field', async () => {
    const admin = await as('admin')
    const page = await admin.get('/admin/api-keys')
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('Issue a key')
    appKey = await issue(admin, { name: 'City app' })
    roadsKey = await issue(admin, { name: 'Roads back office', departmentId: await departmentId('roads'), mayUpdate: 'on' })
    lightingKey = await issue(admin, { name: 'Lighting back office', departmentId: await departmentId('street-lighting'), mayUpdate: 'on' })
    const list = await (await admin.get('/admin/api-keys')).text()
    expect(list).toContain('Roads back office')
    expect(list).toContain(roadsKey.slice(0, 12))
    expect(list).not.toContain(roadsKey)
    // Changing states for every department is for a council-wide key only (issue 19).
    const bad = await admin.post('/admin/api-keys', { intent: 'issue', name: 'Roads again', departmentId: await departmentId('roads'), mayUpdate: 'on', mayChangeState: 'on' })
    expect(bad.status).toBe(400)
    const html = await bad.text()
    expect(html).toContain('Only a key without a department that may post updates can change states for every department.')
    expect(html).toContain('value="Roads again"')
    const noName = await admin.post('/admin/api-keys', { intent: 'issue', name: ' ' })
    expect(noName.status).toBe(400)
    expect(await noName.text()).toContain('Enter a name for the key.')
    const audit = (await sql.get<{ n: number }>(`select count(*) as n from audit_log where action = 'api_key.issue'`))!
    expect(audit.n).toBe(3)
  })
})

describe('reading', () => {
  it('serves discovery in JSON and XML with the spec’s content types and CORS', async () => {
    const json = await get('discovery.json')
    expect(json.res.status).toBe(200)
    expect(json.res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(json.res.headers.get('access-control-allow-origin')).toBe('*')
    expect(json.body.endpoints[0]).toMatchObject({ specification: 'http://wiki.open311.org/GeoReport_v2', url: `${plaza.url}/open311/v2`, formats: ['text/xml', 'application/json'] })
    const x = await fetch(url('discovery.xml'))
    expect(x.headers.get('content-type')).toBe('text/xml; charset=utf-8')
    const text = await x.text()
    expect(text.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<discovery>')).toBe(true)
  })

  it('lists services, filtered by a point, and defines one; unknown ones are 404 in either format', async () => {
    const all = await get('services.json')
    const pothole = all.body.find((s: { service_code: string }) => s.service_code === 'pothole')
    expect(pothole).toMatchObject({ service_code: 'pothole', service_name: 'Pothole', metadata: true, type: 'realtime', group: 'Roads' })
    const here = await get(`services.xml?lat=${point.lat}&long=${point.long}`)
    const codes = here.body.services.service.map((s: { service_code: string }) => s.service_code)
    expect(codes).toContain('pothole')
    expect(codes).not.toContain('river-bank-litter')
    const definition = await get('services/pothole.xml')
    expect(definition.body.service_definition.attributes.attribute[0]).toMatchObject({ code: 'depth', datatype: 'singlevaluelist', required: 'true', order: '1' })
    for (const path of ['services/nothing.json', 'services/nothing.xml']) {
      const r = await get(path)
      expect(r.res.status).toBe(404)
    }
    expect((await get('services/nothing.xml')).body.errors.error[0]).toEqual({ code: '404', description: 'service_code nothing was not found' })
  })

  it('sends lists gzipped to clients that ask, compressed once', async () => {
    const plain = await (await fetch(url('requests.json'), { headers: { 'accept-encoding': 'identity' } })).text()
    const res = await fetch(url('requests.json'), { headers: { 'accept-encoding': 'gzip' } })
    expect(res.headers.get('content-encoding')).toBe('gzip')
    expect(await res.text()).toBe(plain)
  })

  it('answers 404 for an unknown format, 400 with a clear message for bad filters', async () => {
    expect((await fetch(url('requests.csv'))).status).toBe(404)
    const bad = await get('requests.json?start_date=last-week')
    expect(bad.res.status).toBe(400)
    expect(bad.body[0].description).toContain('start_date must be a W3C datetime')
    const span = await get('requests.xml?start_date=2026-01-01T00:00:00Z&end_date=2026-12-31T00:00:00Z')
    expect(span.res.status).toBe(400)
    expect(span.body.errors.error[0].code).toBe('400')
  })
})

describe('posting service requests', () => {
  const base = () => ({ api_key: appKey, service_code: 'pothole', lat: point.lat, long: point.long, 'attribute[depth]': 'deep', description: 'Deep pothole by the fountain.\nCars swerve around it.' })

  it('refuses without a key (403), with a bad code (400), an unknown one (404), without a place or a required attribute (400)', async () => {
    const { api_key: _, ...noKey } = base()
    const none = await post('requests.xml', noKey)
    expect(none.res.status).toBe(403)
    expect(none.body.errors.error[0].code).toBe('403')
    expect((await post('requests.json', { ...base(), api_key: 'plz_wrong' })).res.status).toBe(403)
    expect((await post('requests.json', { ...base(), service_code: 'Pot Hole' })).res.status).toBe(400)
    expect((await post('requests.json', { ...base(), service_code: 'sinkhole' })).res.status).toBe(404)
    const { lat: _a, long: _b, ...noPlace } = base()
    const address = await post('requests.json', { ...noPlace, address_string: 'Carrer Inexistent 1' })
    expect(address.res.status).toBe(400)
    expect(address.body[0].description).toContain("address_string was not found among this city's addresses")
    const { 'attribute[depth]': _c, ...noDepth } = base()
    const attribute = await post('requests.json', noDepth)
    expect(attribute.res.status).toBe(400)
    expect(attribute.body).toEqual([{ code: 400, description: 'attribute[depth] is required for service pothole (How deep is the pothole?)' }])
    expect((await post('requests.json', { ...base(), 'attribute[depth]': 'very' })).res.status).toBe(400)
  })

  it('places address_string alone on the one address it names, and "address" names the nearest address (issue 17)', async () => {
    const { lat: _a, long: _b, ...noPlace } = base()
    const r = await post('requests.json', { ...noPlace, address_string: 'c/ Major 12' })
    expect(r.res.status).toBe(200)
    const placed = (await get(`requests/${r.body[0].service_request_id}.json`)).body[0]
    expect(placed.address).toMatch(/^Carrer Major 12, /)
    expect(placed.lat).toBeGreaterThan(41)
    // Posted with lat and long only: the address is the nearest one.
    const byPoint = await post('requests.json', { ...base(), lat: String(placed.lat + 0.00001), long: String(placed.long) })
    expect(byPoint.res.status).toBe(200)
    expect((await get(`requests/${byPoint.body[0].service_request_id}.json`)).body[0].address).toMatch(/^Carrer Major 12, /)
    // A street without a number is not one address.
    const street = await post('requests.json', { ...noPlace, address_string: 'Carrer Major' })
    expect(street.res.status).toBe(400)
    expect(street.body[0].description).toContain('send lat and long')
  })

  it('files a request without e-mail: its id at once, readable in both formats, without the reporter', async () => {
    const r = await post('requests.json', { ...base(), first_name: 'Pau', last_name: 'Secret', phone: '600000000' })
    expect(r.res.status).toBe(200)
    const id = r.body[0].service_request_id as string
    expect(id).toMatch(/^\d+$/)
    expect(r.body[0].service_notice).toBe('Sent to Roads and pavements.')
    const json = await get(`requests/${id}.json`)
    expect(json.body).toHaveLength(1)
    expect(json.body[0]).toMatchObject({
      service_request_id: id,
      status: 'open',
      service_code: 'pothole',
      agency_responsible: 'Roads and pavements',
      description: 'Deep pothole by the fountain.\nCars swerve around it.',
    })
    const x = await get(`requests/${id}.xml`)
    expect(x.body.service_requests.request[0].service_request_id).toBe(id)
    const listed = await get(`requests.json?service_request_id=${id}`)
    expect(listed.body.map((q: { service_request_id: string }) => q.service_request_id)).toEqual([id])
    const all = await fetch(url('requests.json?service_code=pothole&status=open'))
    const text = await all.text()
    expect(text).toContain(`"service_request_id":"${id}"`)
    expect(text).not.toContain('Secret')
    expect(text).not.toContain('600000000')
    // The report's own page does not name a person who did not choose to be named.
    expect(await (await fetch(`${plaza.url}/reports/${id}`)).text()).not.toContain('Pau Secret')
  })

  it('escapes < and & in XML', async () => {
    const r = await post('requests.xml', { ...base(), description: 'Sign says <STOP> & "slow" down' })
    const id = r.body.service_requests.request[0].service_request_id
    const res = await fetch(url(`requests/${id}.xml`))
    const text = await res.text()
    expect(text).toContain('Sign says &lt;STOP&gt; &amp; "slow" down')
    expect(xml.parse(text).service_requests.request[0].description).toBe('Sign says <STOP> & "slow" down')
  })

  it('with an e-mail: a token, no id until the person follows the e-mailed link, then the id', async () => {
    const r = await post('requests.json', { ...base(), email: 'open311-person@example.org', first_name: 'Olga' })
    expect(r.res.status).toBe(200)
    expect(r.body[0].service_request_id).toBeUndefined()
    const token = r.body[0].token as string
    expect(token).toMatch(/^[a-z2-7]{32}$/)
    expect((await get(`tokens/${token}.json`)).body).toEqual([{ token }])
    const pending = await get(`tokens/${token}.xml`)
    expect(pending.body.service_requests.request[0].service_request_id).toBeUndefined()
    const mail = await smtp.waitFor('open311-person@example.org', { subject: /Confirm/i })
    const visit = await new Visitor(plaza.url).post(linkIn(mail, '/reports/confirm/'), {})
    expect(visit.status).toBeLessThan(400)
    const done = await get(`tokens/${token}.json`)
    expect(done.body).toEqual([{ service_request_id: expect.stringMatching(/^\d+$/), token }])
    expect((await get(`requests/${done.body[0].service_request_id}.json`)).res.status).toBe(200)
    expect((await get('tokens/doesnotexist.json')).res.status).toBe(404)
  })

  it('accepts multipart/form-data without files', async () => {
    const form = new FormData()
    for (const [k, v] of Object.entries(base())) form.set(k, v)
    const res = await fetch(url('requests.json'), { method: 'POST', body: form })
    expect(res.status).toBe(200)
  })
})

describe('servicerequestupdates', () => {
  let id: string
  beforeAll(async () => {
    const r = await post('requests.json', { api_key: appKey, service_code: 'pothole', lat: point.lat, long: point.long, 'attribute[depth]': 'shallow', description: 'Shallow pothole.' })
    id = r.body[0].service_request_id
  })

  it('lets the roads back office close its report and refuses the lighting one', async () => {
    const fields = { service_request_id: id, update_id: 'ext-1', status: 'ACTION_SCHEDULED', updated_datetime: '2026-11-22T10:00:00+01:00', description: 'Repair booked for Thursday.' }
    const other = await post('servicerequestupdates.json', { ...fields, api_key: lightingKey })
    expect(other.res.status).toBe(403)
    expect((await post('servicerequestupdates.json', { ...fields, api_key: appKey })).res.status).toBe(403)
    const ok = await post('servicerequestupdates.xml', { ...fields, api_key: roadsKey })
    expect(ok.res.status).toBe(200)
    expect(ok.body.service_request_updates.request_update[0].update_id).toBe('ext-1')
    const closed = await post('servicerequestupdates.json', { ...fields, update_id: 'ext-2', status: 'NOT_COUNCILS_RESPONSIBILITY', description: 'Private road.', api_key: roadsKey })
    expect(closed.body).toEqual([{ update_id: 'ext-2' }])
    const request = await get(`requests/${id}.json`)
    expect(request.body[0]).toMatchObject({ status: 'closed', status_notes: 'Private road.' })
    const updates = await get(`servicerequestupdates.json?start_date=${new Date(Date.now() - 3_600_000).toISOString()}`)
    const mine = updates.body.filter((u: { service_request_id: string }) => u.service_request_id === id)
    expect(mine.map((u: { status: string; description: string }) => [u.status, u.description])).toEqual([
      ['action_scheduled', 'Repair booked for Thursday.'],
      ['not_councils_responsibility', 'Private road.'],
    ])
    const x = await get(`servicerequestupdates.xml?start_date=${new Date(Date.now() - 3_600_000).toISOString()}`)
    expect(x.body.service_request_updates.request_update.length).toBeGreaterThanOrEqual(2)
  })
})

describe('revoking', () => {
  it('shows when a key was last used, revokes it from the page, and the key stops working', async () => {
    const admin = await as('admin')
    const page = await (await admin.get('/admin/api-keys')).text()
    expect(page).toContain('Revoke the key City app')
    const key = (await sql.get<{ id: number; last_used_at: string | null }>(`select id, last_used_at from api_keys where name = 'City app'`))!
    expect(key.last_used_at).not.toBeNull()
    const res = await admin.post('/admin/api-keys', { intent: 'revoke', keyId: String(key.id) })
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('The key City app is revoked')
    const refused = await post('requests.json', { api_key: appKey, service_code: 'pothole', lat: point.lat, long: point.long, 'attribute[depth]': 'deep' })
    expect(refused.res.status).toBe(403)
    expect((await admin.post('/admin/api-keys', { intent: 'revoke', keyId: String(key.id) })).status).toBe(409)
    const audit = await sql.get(`select actor_id from audit_log where action = 'api_key.revoke' and target_id = ?`, key.id)
    expect(audit).toBeDefined()
  })
})
