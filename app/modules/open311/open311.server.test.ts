import { gunzipSync } from 'node:zlib'
import fc from 'fast-check'
import { XMLParser } from 'fast-xml-parser'
import { beforeAll, describe, expect, it } from 'vitest'
import { database } from '../../lib/db.server'
import { makeUser, seededDatabase } from '../../../tests/support/fixtures'
import { areaPoint } from '../geo/areas.server'
import { confirmReport, fileReport, triageReport } from '../reports/reports.server'
import { escapeXmlText as escapeXml } from '../../lib/xml'
import { toXml, w3cDatetime } from './format.server'
import { forgetRecentAnswers, open311Response } from './open311-http.server'
import { authenticateApiKey, checkAttributes, issueApiKey, listApiKeys, revokeApiKey, serviceAttributes, services, titleFrom } from './open311.server'
import { parseW3cDatetime } from './schema'

/**
 * Contract tests written from GeoReport v2 (http://wiki.open311.org/GeoReport_v2) and mySociety's
 * servicerequestupdates extension, through the same Fetch handler the route serves, in both formats.
 */

const BASE = 'http://127.0.0.1:3000/open311/v2/'
const LISTS = new Set(['service', 'request', 'error', 'attribute', 'value', 'endpoint', 'format', 'request_update'])
const xml = new XMLParser({ parseTagValue: false, isArray: (name) => LISTS.has(name) })

type Json = Record<string, unknown>
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed answer is whatever the server sent: the assertions are its types
type Doc = any[] & { [key: string]: any }
async function call(path: string, init: { method?: string; form?: Record<string, string> | URLSearchParams | FormData; headers?: Record<string, string> } = {}) {
  const body = init.form instanceof FormData ? init.form : init.form ? new URLSearchParams(init.form) : undefined
  const res = await open311Response(new Request(BASE + path, { method: init.method ?? (body ? 'POST' : 'GET'), body, headers: init.headers }))
  const text = await res.text()
  const parsed: unknown = res.headers.get('content-type')?.startsWith('text/xml') ? xml.parse(text) : text ? JSON.parse(text) : null
  return { status: res.status, headers: res.headers, text, body: parsed as Doc }
}
const get = (path: string) => call(path)
const post = (path: string, form: Record<string, string> | URLSearchParams | FormData) => call(path, { form })

let citizen: { id: number }
let admin: { id: number }
let departments: Map<string, number>
let inland: { lat: number; lng: number }
let river: { lat: number; lng: number }
let publicKey: string
let roadsKey: string
let lightingKey: string

const adminActor = () => ({ userId: admin.id, departments: 'all' as const, source: 'web' as const })
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString()

async function file(options: { category?: string; days?: number; title?: string; description?: string; at?: { lat: number; lng: number } } = {}) {
  const at = options.at ?? inland
  const result = await fileReport(
    {
      categoryCode: options.category ?? 'pothole',
      title: options.title ?? 'Hole in the road',
      description: options.description ?? 'A deep hole by the bus stop.',
      lat: at.lat,
      lng: at.lng,
      anonymous: false,
      locale: 'en',
      createdAt: options.days === undefined ? undefined : daysAgo(options.days),
    },
    { kind: 'user', userId: citizen.id, name: 'Carla Citizen' },
  )
  if (result.kind !== 'filed') throw new Error(result.kind)
  return result.id
}

beforeAll(async () => {
  await seededDatabase()
  citizen = await makeUser(1)
  admin = await makeUser(3)
  await database().write((trx) => trx.insertInto('user_roles').values({ user_id: admin.id, role: 'admin', department_id: null, granted_by: null, granted_at: new Date().toISOString() }).execute())
  departments = new Map((await database().db.selectFrom('departments').select(['id', 'slug']).execute()).map((d) => [d.slug, d.id]))
  inland = (await areaPoint('sant-roc'))!
  river = (await areaPoint('ribera-nord'))!
  const issue = async (name: string, departmentId: number | null, mayUpdate: boolean) => {
    const r = await issueApiKey(admin.id, { name, departmentId, mayUpdate })
    if (r.kind !== 'ok') throw new Error(r.kind)
    return r.secret
  }
  publicKey = await issue('Citizen app', null, false)
  roadsKey = await issue('Roads back office', departments.get('roads')!, true)
  lightingKey = await issue('Lighting back office', departments.get('street-lighting')!, true)
})

describe('formats', () => {
  it('escapes text for XML and drops characters XML cannot carry', () => {
    expect(escapeXml('Bins <full> & "smelly"\u0007')).toBe('Bins &lt;full&gt; &amp; "smelly"')
    const doc = toXml({ root: 'service_requests', item: 'request' }, [{ description: 'a < b & c', lat: 1.5, status_notes: null, flag: true }])
    expect(doc.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<service_requests>')).toBe(true)
    expect(xml.parse(doc).service_requests.request[0]).toEqual({ description: 'a < b & c', lat: '1.5', status_notes: '', flag: 'true' })
  })

  it('writes W3C datetimes with an offset and reads them with one', () => {
    expect(w3cDatetime('2026-11-22T10:00:00.123Z')).toBe('2026-11-22T10:00:00+00:00')
    expect(parseW3cDatetime('2010-01-01T00:00:00Z')?.toISOString()).toBe('2010-01-01T00:00:00.000Z')
    expect(parseW3cDatetime('1994-11-05T08:15:30-05:00')?.toISOString()).toBe('1994-11-05T13:15:30.000Z')
    // "+" arrives as a space when a client forgets to encode the query string.
    expect(parseW3cDatetime('1994-11-05T08:15:30 05:00')?.toISOString()).toBe('1994-11-05T03:15:30.000Z')
    expect(parseW3cDatetime('2010-01-01')?.toISOString()).toBe('2010-01-01T00:00:00.000Z')
    for (const bad of ['2010-01-01T00:00:00', '2010-02-30', 'yesterday', '2010-13-01T00:00Z', '2010-01-01T25:00Z']) expect(parseW3cDatetime(bad), bad).toBeNull()
  })

  it('makes a title from the description', () => {
    expect(titleFrom('Deep pothole\nmore detail', 'Pothole')).toBe('Deep pothole')
    expect(titleFrom(undefined, 'Pothole')).toBe('Pothole')
    const long = titleFrom('word '.repeat(40), 'Pothole')
    expect(long.length).toBeLessThanOrEqual(80)
    expect(long.endsWith('…')).toBe(true)
  })
})

describe('discovery', () => {
  it('describes the endpoint in JSON and XML', async () => {
    const json = await get('discovery.json')
    expect(json.status).toBe(200)
    expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(json.headers.get('access-control-allow-origin')).toBe('*')
    expect(json.body).toMatchObject({ changeset: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/), contact: expect.any(String), key_service: expect.any(String) })
    expect((json.body.endpoints as Json[])[0]).toEqual({
      specification: 'http://wiki.open311.org/GeoReport_v2',
      url: 'http://127.0.0.1:3000/open311/v2',
      changeset: json.body.changeset,
      type: 'production',
      formats: ['text/xml', 'application/json'],
    })
    const x = await get('discovery.xml')
    expect(x.headers.get('content-type')).toBe('text/xml; charset=utf-8')
    expect(x.text.startsWith('<?xml version="1.0" encoding="utf-8"?>')).toBe(true)
    expect(x.body.discovery.endpoints.endpoint[0].formats.format).toEqual(['text/xml', 'application/json'])
  })
})

describe('services', () => {
  it('lists the active categories with string codes, metadata when they have attributes', async () => {
    const { status, body } = await get('services.json')
    expect(status).toBe(200)
    const pothole = body.find((s) => s.service_code === 'pothole')
    expect(pothole).toEqual({ service_code: 'pothole', service_name: 'Pothole', description: null, metadata: true, type: 'realtime', keywords: null, group: 'Roads' })
    expect(body.find((s) => s.service_code === 'fallen-tree')?.metadata).toBe(false)
    const x = await get('services.xml')
    expect(x.body.services.service.map((s: Json) => s.service_code)).toEqual(body.map((s) => s.service_code))
    expect(x.body.services.service[0].metadata).toMatch(/^(true|false)$/)
  })

  it('keeps to the services offered at lat/long, none outside the city', async () => {
    const codes = async (lat: number, lng: number) => (await get(`services.json?lat=${lat}&long=${lng}`)).body.map((s) => s.service_code)
    expect(await codes(river.lat, river.lng)).toContain('river-bank-litter')
    expect(await codes(inland.lat, inland.lng)).not.toContain('river-bank-litter')
    expect(await codes(0, 0)).toEqual([])
    const half = await get(`services.json?lat=${inland.lat}`)
    expect(half.status).toBe(400)
    expect(half.body[0]).toEqual({ code: 400, description: 'lat and long must be sent together' })
  })

  it('accepts its own jurisdiction_id (or none) and refuses another with 404', async () => {
    expect((await get('services.json?jurisdiction_id=127.0.0.1')).status).toBe(200)
    expect((await get('services.json?jurisdiction_id=')).status).toBe(200)
    const other = await get('services.xml?jurisdiction_id=sfgov.org')
    expect(other.status).toBe(404)
    expect(other.body.errors.error[0].code).toBe('404')
    expect(other.body.errors.error[0].description).toContain('jurisdiction_id sfgov.org was not found')
  })

  it('defines a service’s attributes, and 404s for an unknown code', async () => {
    const { body } = await get('services/pothole.json')
    expect(body).toEqual({
      service_code: 'pothole',
      attributes: [
        {
          variable: true,
          code: 'depth',
          datatype: 'singlevaluelist',
          required: true,
          datatype_description: null,
          order: 1,
          description: 'How deep is the pothole?',
          values: [
            { key: 'shallow', name: 'Shallow (less than 5 cm)' },
            { key: 'deep', name: 'Deep (5 cm or more)' },
          ],
        },
      ],
    })
    const x = await get('services/pothole.xml')
    expect(x.body.service_definition.attributes.attribute[0].values.value.map((v: Json) => v.key)).toEqual(['shallow', 'deep'])
    expect((await get('services/fallen-tree.json')).body).toEqual({ service_code: 'fallen-tree', attributes: [] })
    for (const path of ['services/no-such.json', 'services/no-such.xml', 'services/..%2F.json']) expect((await get(path)).status, path).toBe(404)
    expect((await get('services/no-such.json')).body).toEqual([{ code: 404, description: 'service_code no-such was not found' }])
  })
})

describe('GET requests', () => {
  let recent: number[]
  let old: number
  let fixedId: number
  let lightId: number
  let hidden: number
  let unconfirmed: number

  beforeAll(async () => {
    recent = [await file({ days: 1 }), await file({ days: 2, description: 'Second hole' }), await file({ days: 3 })]
    lightId = await file({ days: 4, category: 'street-light', title: 'Lamp out', description: 'Dark all night.' })
    fixedId = await file({ days: 5 })
    expect(await triageReport(adminActor(), fixedId, { state: 'fixed', update: 'Filled on Monday.' })).toMatchObject({ kind: 'ok' })
    old = await file({ days: 100 })
    hidden = await file({ days: 1 })
    await triageReport(adminActor(), hidden, { state: 'hidden' })
    const guest = await fileReport(
      { categoryCode: 'pothole', title: 'Guest report', description: 'Waiting for e-mail confirmation.', lat: inland.lat, lng: inland.lng, anonymous: false, locale: 'en' },
      { kind: 'guest', email: 'guest@example.org', name: 'Guest' },
    )
    unconfirmed = guest.kind === 'filed' ? guest.id : -1
    for (const id of [...recent, lightId, fixedId, old, hidden, unconfirmed]) mine.add(id)
  })

  // The demo city has reports of its own: these tests look at theirs.
  const mine = new Set<number>()
  const ids = async (query: string, all = false) => {
    const r = await get(`requests.json${query}`)
    expect(r.status, r.text).toBe(200)
    return r.body.map((x) => Number(x.service_request_id)).filter((id) => all || mine.has(id))
  }

  it('defaults to the most recent 90 days, newest first, public reports only', async () => {
    const all = await ids('')
    for (const id of [...recent, lightId, fixedId]) expect(all).toContain(id)
    expect(all).not.toContain(old)
    expect(all).not.toContain(hidden)
    expect(all).not.toContain(unconfirmed)
    expect(all.indexOf(recent[0]!)).toBeLessThan(all.indexOf(recent[1]!))
  })

  it('answers every field of the spec, the id and code as strings, datetimes with an offset', async () => {
    const { body } = await get(`requests.json?service_request_id=${fixedId}`)
    expect(body).toHaveLength(1)
    expect(body[0]).toEqual({
      service_request_id: String(fixedId),
      status: 'closed',
      status_notes: 'Filled on Monday.',
      service_name: 'Pothole',
      service_code: 'pothole',
      description: 'Hole in the road\n\nA deep hole by the bus stop.',
      agency_responsible: 'Roads and pavements',
      service_notice: null,
      requested_datetime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/),
      updated_datetime: expect.stringMatching(/\+00:00$/),
      expected_datetime: null,
      address: expect.stringContaining('Valmera'),
      address_id: null,
      zipcode: null,
      lat: inland.lat,
      long: inland.lng,
      media_url: null,
    })
    expect(JSON.stringify(body)).not.toContain('Carla')
  })

  it('takes a list of ids that overrides every other argument', async () => {
    const got = await ids(`?service_request_id=${old},${recent[0]},${hidden},${unconfirmed}&status=closed&service_code=street-light`)
    expect(got.sort()).toEqual([old, recent[0]].sort())
    const bad = await get('requests.json?service_request_id=1,abc')
    expect(bad.status).toBe(400)
  })

  it('filters by service_code (a comma list) and by status (open, closed, or both)', async () => {
    expect(await ids('?service_code=street-light')).toEqual([lightId])
    const both = await ids('?service_code=street-light,pothole')
    expect(both).toContain(lightId)
    expect(both).toContain(recent[0])
    expect(await ids('?status=closed')).toEqual([fixedId])
    expect(await ids('?status=open')).not.toContain(fixedId)
    expect((await ids('?status=open,closed')).length).toBe((await ids('')).length)
    const bad = await get('requests.xml?status=pending')
    expect(bad.status).toBe(400)
    expect(bad.body.errors.error[0].description).toContain('status')
  })

  it('filters by start_date and end_date (W3C), at most 90 days apart', async () => {
    const start = daysAgo(2.5).slice(0, 19) + 'Z'
    expect((await ids(`?start_date=${start}`)).sort()).toEqual([recent[0], recent[1]].sort())
    const end = daysAgo(99).slice(0, 19) + '%2B00:00'
    expect(await ids(`?end_date=${end}`)).toEqual([old])
    expect(await ids(`?start_date=${daysAgo(4.5)}&end_date=${daysAgo(3.5)}`)).toEqual([lightId])
    const span = await get(`requests.json?start_date=${daysAgo(120)}&end_date=${daysAgo(1)}`)
    expect(span.status).toBe(400)
    expect(span.body[0].description).toBe('start_date and end_date may not span more than 90 days')
    expect((await get(`requests.json?start_date=${daysAgo(1)}&end_date=${daysAgo(2)}`)).status).toBe(400)
    const bad = await get('requests.json?start_date=2010-01-01T00:00:00')
    expect(bad.status).toBe(400)
    expect(bad.body[0].description).toContain('start_date must be a W3C datetime with a timezone')
  })

  it('treats empty parameters as absent (spec: Optional Arguments)', async () => {
    expect(await ids('?service_code=&status=&start_date=')).toEqual(await ids(''))
  })

  it('returns at most 1000 requests by default, and pages with page/page_size', async () => {
    const many = await Promise.all(Array.from({ length: 1001 }, (_, i) => file({ days: 10 + (i % 50) / 100 })))
    // Lists are reused for 5 s per process; these reports were filed behind the API's back.
    forgetRecentAnswers()
    const first = await get('requests.json')
    expect(first.body).toHaveLength(1000)
    const everything = await ids('?page_size=6', true)
    expect(await ids('?page_size=2', true)).toEqual(everything.slice(0, 2))
    expect(await ids('?page_size=2&page=2', true)).toEqual(everything.slice(2, 4))
    const dates = first.body.map((r) => r.requested_datetime as string)
    expect([...dates].sort().reverse()).toEqual(dates)
    expect((await get('requests.json?page_size=1001')).status).toBe(400)
    expect(many).toHaveLength(1001)
    // 1,001 reports filed at once: over a minute on PostgreSQL on a loaded 2-core CI machine.
  }, 240_000)

  it('gets one request as a list of one, and 404s for unknown, hidden and unconfirmed ones', async () => {
    const one = await get(`requests/${recent[0]}.json`)
    expect(one.status).toBe(200)
    expect(one.body).toHaveLength(1)
    expect(one.body[0]!.service_request_id).toBe(String(recent[0]))
    const x = await get(`requests/${recent[0]}.xml`)
    expect(x.body.service_requests.request).toHaveLength(1)
    for (const id of [hidden, unconfirmed, 99999999, 'abc']) {
      const r = await get(`requests/${id}.xml`)
      expect(r.status, String(id)).toBe(404)
      expect(r.body.errors.error[0].description).toBe(`service_request_id ${id} was not found`)
    }
  })
})

describe('POST requests', () => {
  const valid = () => ({ api_key: publicKey, service_code: 'fallen-tree', lat: String(inland.lat), long: String(inland.lng), description: 'A branch blocks the path.' })

  it('refuses a missing, unknown or revoked api_key with 403', async () => {
    const { api_key: _, ...withoutKey } = valid()
    const none = await post('requests.json', withoutKey)
    expect(none.status).toBe(403)
    expect(none.body).toEqual([{ code: 403, description: 'api_key was not provided: posting needs a key issued by this server' }])
    const wrong = await post('requests.xml', { ...valid(), api_key: 'plz_' + 'x'.repeat(43) })
    expect(wrong.status).toBe(403)
    expect(wrong.body.errors.error[0].code).toBe('403')
    const issued = await issueApiKey(admin.id, { name: 'Short-lived', departmentId: null, mayUpdate: false })
    if (issued.kind !== 'ok') throw new Error()
    expect((await post('requests.json', { ...valid(), api_key: issued.secret })).status).toBe(200)
    expect(await revokeApiKey(admin.id, issued.id)).toEqual({ kind: 'ok' })
    expect((await post('requests.json', { ...valid(), api_key: issued.secret })).status).toBe(403)
  })

  it('files a request without e-mail at once: service_request_id, then GET shows it', async () => {
    const r = await post('requests.json', { ...valid(), first_name: 'Nora', last_name: 'Private', email: '', account_id: 'app-42' })
    expect(r.status, r.text).toBe(200)
    expect(r.headers.get('cache-control')).toBe('no-store')
    expect(r.body).toEqual([{ service_request_id: expect.stringMatching(/^\d+$/), service_notice: 'Sent to Parks and trees.', account_id: 'app-42' }])
    const id = r.body[0]!.service_request_id as string
    const got = await get(`requests/${id}.json`)
    expect(got.body[0]).toMatchObject({ service_code: 'fallen-tree', status: 'open', description: 'A branch blocks the path.', agency_responsible: 'Parks and trees' })
    expect(got.text).not.toContain('Nora')
    const row = await database().db.selectFrom('reports').select(['source', 'api_key_id', 'anonymous', 'title']).where('id', '=', Number(id)).executeTakeFirstOrThrow()
    expect(row).toMatchObject({ source: 'open311', anonymous: 1, title: 'A branch blocks the path.' })
  })

  it('answers 400 for a malformed code and 404 for an unknown one', async () => {
    const malformed = await post('requests.json', { ...valid(), service_code: 'Bad Code!' })
    expect(malformed.status).toBe(400)
    expect(malformed.body[0].description).toContain('service_code')
    const missing = await post('requests.json', { ...valid(), service_code: '' })
    expect(missing.body).toEqual([{ code: 400, description: 'service_code was not provided' }])
    const unknown = await post('requests.xml', { ...valid(), service_code: 'no-such-service' })
    expect(unknown.status).toBe(404)
    expect(unknown.body.errors.error[0].description).toContain('service_code no-such-service was not found')
  })

  it('needs lat and long or an address_string that is one address (no address repository), inside the city and where the service is offered', async () => {
    const { lat: _a, long: _b, ...noPlace } = valid()
    expect((await post('requests.json', noPlace)).body).toEqual([{ code: 400, description: 'A location is required: send lat and long (WGS84), or an address_string with a street and house number.' }])
    const address = await post('requests.json', { ...noPlace, address_string: '12 Carrer Inexistent' })
    expect(address.status).toBe(400)
    expect(address.body[0].description).toContain('address_string was not found')
    expect((await post('requests.json', { ...noPlace, address_id: '545483' })).body[0].description).toContain('no address repository')
    expect((await post('requests.json', { ...valid(), long: '' })).body[0].description).toBe('lat and long must be sent together')
    expect((await post('requests.json', { ...valid(), lat: 'north' })).body[0].description).toContain('lat must be a decimal number')
    const outside = await post('requests.json', { ...valid(), lat: '0', long: '0' })
    expect(outside.status).toBe(400)
    expect(outside.body[0].description).toContain('outside the area this server covers')
    const notHere = await post('requests.json', { ...valid(), service_code: 'river-bank-litter' })
    expect(notHere.status).toBe(400)
    expect(notHere.body[0].description).toContain('is not offered at')
  })

  it('checks attributes against the service definition', async () => {
    const pothole = { ...valid(), service_code: 'pothole' }
    const missing = await post('requests.json', pothole)
    expect(missing.status).toBe(400)
    expect(missing.body).toEqual([{ code: 400, description: 'attribute[depth] is required for service pothole (How deep is the pothole?)' }])
    const wrong = await post('requests.xml', { ...pothole, 'attribute[depth]': 'bottomless' })
    expect(wrong.status).toBe(400)
    expect(wrong.body.errors.error[0].description).toBe('attribute[depth] must be one of: shallow, deep (got "bottomless")')
    const ok = await post('requests.json', { ...pothole, 'attribute[depth]': 'deep', 'attribute[unknown]': 'ignored' })
    expect(ok.status, ok.text).toBe(200)
    const row = await database().db.selectFrom('reports').select('attributes').where('id', '=', Number(ok.body[0]!.service_request_id)).executeTakeFirstOrThrow()
    expect(JSON.parse(row.attributes)).toEqual({ depth: 'deep' })
  })

  it('checks each datatype (pure check)', () => {
    const defs = [
      { code: 'n', datatype: 'number' as const, required: false, variable: true, description: 'n', datatype_description: null, order: 1 },
      {
        code: 'm',
        datatype: 'multivaluelist' as const,
        required: false,
        variable: true,
        description: 'm',
        datatype_description: null,
        order: 2,
        values: [
          { key: 'a', name: 'A' },
          { key: 'b', name: 'B' },
        ],
      },
      { code: 's', datatype: 'string' as const, required: false, variable: true, description: 's', datatype_description: null, order: 3 },
      { code: 'd', datatype: 'datetime' as const, required: false, variable: true, description: 'd', datatype_description: null, order: 4 },
      { code: 'info', datatype: 'text' as const, required: true, variable: false, description: 'read me', datatype_description: null, order: 5 },
    ]
    expect(checkAttributes('x', defs, { n: ['12.5'], m: ['a', 'b', 'a'], s: ['one line'], d: ['2026-01-01T10:00:00Z'] })).toEqual({
      errors: [],
      answers: { n: '12.5', m: ['a', 'b'], s: 'one line', d: '2026-01-01T10:00:00Z' },
    })
    const bad = checkAttributes('x', defs, { n: ['twelve'], m: ['c'], s: ['two\nlines'], d: ['soon'] })
    expect(bad.errors.map((e) => e.description)).toEqual([
      'attribute[n] must be a number',
      'attribute[m] values must be among: a, b (got "c")',
      'attribute[s] must be one line of at most 1,000 characters',
      'attribute[d] must be a W3C datetime with a timezone, e.g. 2010-01-01T00:00:00Z',
    ])
  })

  it('with an e-mail, answers a token; tokens/:token has no id until the person confirms by the e-mailed link', async () => {
    const r = await post('requests.xml', { ...valid(), email: 'Walker@Example.org', first_name: 'Wanda', last_name: 'Walker' })
    expect(r.status, r.text).toBe(200)
    const request = r.body.service_requests.request[0]
    expect(request.service_request_id).toBeUndefined()
    expect(request.token).toMatch(/^[a-z2-7]{32}$/)
    const before = await get(`tokens/${request.token}.json`)
    expect(before.status).toBe(200)
    expect(before.body).toEqual([{ token: request.token }])
    const mail = await database().db.selectFrom('outbox').select('text_body').where('to_address', '=', 'walker@example.org').where('kind', '=', 'report.confirm').executeTakeFirstOrThrow()
    const confirmToken = /\/reports\/confirm\/([a-z0-9]+)/.exec(mail.text_body)![1]!
    const confirmed = await confirmReport(confirmToken)
    expect(confirmed.kind).toBe('ok')
    const after = await get(`tokens/${request.token}.xml`)
    expect(after.body.service_requests.request[0]).toEqual({ service_request_id: String((confirmed as { id: number }).id), token: request.token })
    expect((await get('tokens/unknowntoken.json')).status).toBe(404)
  })

  it('escapes < and & of descriptions in XML', async () => {
    const r = await post('requests.json', { ...valid(), description: 'Bins <full> & "smelly" — café' })
    const got = await get(`requests/${r.body[0]!.service_request_id}.xml`)
    expect(got.text).toContain('Bins &lt;full&gt; &amp; "smelly" — café')
    expect(got.body.service_requests.request[0].description).toBe('Bins <full> & "smelly" — café')
  })

  it('accepts multipart without files, refuses files, other content types and huge bodies', async () => {
    const form = new FormData()
    for (const [k, v] of Object.entries(valid())) form.set(k, v)
    expect((await post('requests.json', form)).status).toBe(200)
    form.set('photo', new Blob(['x'], { type: 'image/jpeg' }), 'x.jpg')
    const withFile = await post('requests.json', form)
    expect(withFile.status).toBe(400)
    expect(withFile.body[0].description).toContain('File uploads are not accepted')
    const asJson = await call('requests.json', { method: 'POST', headers: { 'content-type': 'application/json' } })
    expect(asJson.status).toBe(400)
    const huge = await post('requests.json', { ...valid(), description: 'x'.repeat(300_000) })
    expect(huge.status).toBe(400)
    const long = await post('requests.json', { ...valid(), description: 'x'.repeat(4001) })
    expect(long.body[0].description).toBe('description may be at most 4,000 characters')
  })
})

describe('servicerequestupdates', () => {
  let id: number
  beforeAll(async () => {
    id = await file({ days: 0 })
  })

  it('lets the department’s back office change the status; GET requests and the timeline show it', async () => {
    const r = await post('servicerequestupdates.json', {
      api_key: roadsKey,
      service_request_id: String(id),
      update_id: 'crm-881',
      status: 'IN_PROGRESS',
      updated_datetime: new Date().toISOString(),
      description: 'Crew on its way.',
    })
    expect(r.status, r.text).toBe(200)
    expect(r.body).toEqual([{ update_id: 'crm-881' }])
    const report = await database().db.selectFrom('reports').select(['state']).where('id', '=', id).executeTakeFirstOrThrow()
    expect(report.state).toBe('in_progress')
    const closed = await post('servicerequestupdates.xml', {
      api_key: roadsKey,
      service_request_id: String(id),
      update_id: 'crm-882',
      status: 'fixed',
      updated_datetime: '2026-01-01T10:00:00Z',
      description: '',
    })
    expect(closed.body.service_request_updates.request_update[0].update_id).toBe('crm-882')
    // With no words of its own, a fixed report gets the department's automatic template (seeded).
    const template = await database().db.selectFrom('report_updates').select('text').where('report_id', '=', id).where('to_state', '=', 'fixed').executeTakeFirstOrThrow()
    const got = await get(`requests/${id}.json`)
    expect(got.body[0]).toMatchObject({ status: 'closed', status_notes: template.text || 'Crew on its way.' })
    const rows = await database().db.selectFrom('report_updates').select(['kind', 'source', 'to_state', 'author_id']).where('report_id', '=', id).where('kind', '=', 'state').execute()
    expect(rows).toEqual([
      { kind: 'state', source: 'open311', to_state: 'in_progress', author_id: null },
      { kind: 'state', source: 'open311', to_state: 'fixed', author_id: null },
    ])
    const audit = await database().db.selectFrom('audit_log').select('action').where('target_kind', '=', 'report').where('target_id', '=', id).execute()
    expect(audit.map((a) => a.action)).toContain('report.open311-update')
  })

  it('serves public status changes and updates, oldest first, in both formats', async () => {
    const { status, body } = await get(`servicerequestupdates.json?start_date=${daysAgo(0.01)}`)
    expect(status).toBe(200)
    const mine = body.filter((u) => u.service_request_id === String(id))
    const texts = await database().db.selectFrom('report_updates').select('text').where('report_id', '=', id).where('kind', '=', 'state').orderBy('id').execute()
    expect(mine.map((u) => [u.status, u.description])).toEqual([
      ['in_progress', 'Crew on its way.'],
      ['fixed', texts[1]!.text],
    ])
    expect(mine[0]).toEqual({
      update_id: expect.stringMatching(/^\d+$/),
      service_request_id: String(id),
      status: 'in_progress',
      updated_datetime: expect.stringMatching(/\+00:00$/),
      description: 'Crew on its way.',
      media_url: '',
    })
    const x = await get(`servicerequestupdates.xml?start_date=${daysAgo(0.01)}`)
    expect(x.body.service_request_updates.request_update.filter((u: Json) => u.service_request_id === String(id))).toHaveLength(2)
  })

  it('refuses another department’s key, a key without update rights, unknown requests and statuses', async () => {
    const base = { service_request_id: String(id), update_id: 'x1', status: 'CLOSED', updated_datetime: '2026-01-01T10:00:00Z', description: 'Not ours' }
    const other = await post('servicerequestupdates.json', { ...base, api_key: lightingKey })
    expect(other.status).toBe(403)
    expect(other.body[0].description).toContain('another department')
    expect((await post('servicerequestupdates.json', { ...base, api_key: publicKey })).status).toBe(403)
    expect((await post('servicerequestupdates.json', { ...base, api_key: 'nope' })).status).toBe(403)
    expect((await post('servicerequestupdates.json', { ...base, api_key: roadsKey, service_request_id: '99999999' })).status).toBe(404)
    const badStatus = await post('servicerequestupdates.json', { ...base, api_key: roadsKey, status: 'SOLVED' })
    expect(badStatus.status).toBe(400)
    expect(badStatus.body[0].description).toContain('status must be one of')
    const missing = await post('servicerequestupdates.json', { api_key: roadsKey, service_request_id: String(id) })
    expect(missing.body.map((e) => e.description)).toEqual(['update_id was not provided', 'status was not provided', 'updated_datetime was not provided'])
    // Already fixed and nothing said: done, not refused (FixMyStreet retries a refused update for ever; issue 19).
    const nothing = await post('servicerequestupdates.json', { ...base, update_id: 'x-nothing', api_key: roadsKey, status: 'FIXED', description: '' })
    expect(nothing.status).toBe(200)
    expect(nothing.body).toEqual([{ update_id: 'x-nothing' }])
  })
})

describe('answers reused for a few seconds', () => {
  it('serves a list again within 5 s, computes afresh on no-cache, and forgets after a post', async () => {
    forgetRecentAnswers()
    const path = 'requests.json?service_code=fly-tipping'
    const before = await get(path)
    const id = await file({ category: 'fly-tipping', title: 'Mattress dumped', description: 'An old mattress on the pavement.' })
    expect((await get(path)).text).toBe(before.text)
    const fresh = await call(path, { headers: { 'cache-control': 'no-cache' } })
    expect(fresh.body.map((r: { service_request_id: string }) => r.service_request_id)).toContain(String(id))
    await post('requests.json', { api_key: publicKey, service_code: 'fallen-tree', lat: String(inland.lat), long: String(inland.lng) })
    expect((await get(path)).text).toBe(fresh.text)
  })

  it('sends a reused list gzipped to clients that accept it', async () => {
    const plain = await get('requests.json')
    const res = await open311Response(new Request(`${BASE}requests.json`, { headers: { 'accept-encoding': 'gzip, deflate' } }))
    expect(res.headers.get('content-encoding')).toBe('gzip')
    expect(res.headers.get('vary')).toBe('Accept-Encoding')
    expect(gunzipSync(Buffer.from(await res.arrayBuffer())).toString()).toBe(plain.text)
  })
})

describe('addresses, methods and formats', () => {
  it('404s for unknown formats and resources, 405 for other methods', async () => {
    expect((await get('services.html')).status).toBe(404)
    expect((await get('services.html')).headers.get('content-type')).toContain('application/json')
    expect((await get('nothing.xml')).body.errors.error[0].code).toBe('404')
    expect((await get('requests')).status).toBe(404)
    const del = await call('requests.json', { method: 'DELETE' })
    expect(del.status).toBe(405)
    expect(del.headers.get('allow')).toBe('GET, HEAD, POST')
    expect((await call('services.json', { method: 'POST', form: {} })).status).toBe(405)
    expect((await call('requests.json', { method: 'OPTIONS' })).status).toBe(204)
  })
})

describe('whatever a client sends', () => {
  const text = fc.oneof(
    fc.string(),
    fc.string({ unit: 'grapheme', maxLength: 100 }),
    fc.constantFrom('', ' ', '0', '-1', '1e309', 'NaN', '41.36', '-1.52', 'pothole', 'open,closed', '2026-01-01T00:00:00Z', '<&>', '\u0000', '%ZZ', 'plz_x', ',,,'),
  )
  const names = [
    'api_key',
    'service_code',
    'lat',
    'long',
    'address_string',
    'address_id',
    'email',
    'description',
    'first_name',
    'attribute[depth]',
    'attribute[depth][]',
    'attribute[]',
    'status',
    'update_id',
    'service_request_id',
    'updated_datetime',
    'start_date',
    'end_date',
    'page',
    'page_size',
    'jurisdiction_id',
    '__proto__',
    'constructor',
  ]
  const fields = fc.dictionary(fc.constantFrom(...names), text, { maxKeys: 8 })

  it('answers GETs with 200, 400 or 404 — never a 500, always in the asked format', async () => {
    const path = fc.constantFrom('requests', 'services', 'servicerequestupdates', 'discovery', 'requests/1', 'services/pothole', 'tokens/abc')
    await fc.assert(
      fc.asyncProperty(path, fc.constantFrom('json', 'xml'), fields, async (resource, format, query) => {
        const res = await open311Response(new Request(`${BASE}${resource}.${format}?${new URLSearchParams(query)}`, { headers: { 'cache-control': 'no-cache' } }))
        expect([200, 400, 404]).toContain(res.status)
        const body = await res.text()
        if (format === 'json') JSON.parse(body)
        else expect(() => xml.parse(body)).not.toThrow()
      }),
      { numRuns: 150 },
    )
  })

  it('answers POSTs with 200, 400, 403 or 404 — never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('requests', 'servicerequestupdates'), fc.boolean(), fields, async (resource, keyed, form) => {
        const body = new URLSearchParams(form)
        if (keyed && !form.api_key) body.set('api_key', resource === 'requests' ? publicKey : roadsKey)
        const res = await open311Response(new Request(`${BASE}${resource}.json`, { method: 'POST', body }))
        expect([200, 400, 403, 404]).toContain(res.status)
        JSON.parse(await res.text())
      }),
      { numRuns: 150 },
    )
  })
})

describe('API keys', () => {
  it('issues plz_ keys stored as SHA-256, lists them, notes their use, revokes them, and audits both', async () => {
    const issued = await issueApiKey(admin.id, { name: 'Audit me', departmentId: departments.get('waste')!, mayUpdate: true })
    if (issued.kind !== 'ok') throw new Error()
    expect(issued.secret).toMatch(/^plz_[A-Za-z0-9_-]{43}$/)
    const stored = await database().db.selectFrom('api_keys').selectAll().where('id', '=', issued.id).executeTakeFirstOrThrow()
    expect(stored.key_hash).toMatch(/^[0-9a-f]{64}$/)
    expect(JSON.stringify(stored)).not.toContain(issued.secret)
    expect(stored.key_prefix).toBe(issued.secret.slice(0, 12))
    expect(await authenticateApiKey(issued.secret)).toMatchObject({ id: issued.id, departmentId: departments.get('waste'), mayUpdate: true })
    const used = await database().db.selectFrom('api_keys').select('last_used_at').where('id', '=', issued.id).executeTakeFirstOrThrow()
    expect(used.last_used_at).not.toBeNull()
    await authenticateApiKey(issued.secret)
    const again = await database().db.selectFrom('api_keys').select('last_used_at').where('id', '=', issued.id).executeTakeFirstOrThrow()
    expect(again.last_used_at).toBe(used.last_used_at)
    expect((await listApiKeys()).find((k) => k.id === issued.id)).toMatchObject({ name: 'Audit me', prefix: issued.prefix, department: 'Waste and cleaning', mayUpdate: 1, revokedAt: null })
    expect(await revokeApiKey(admin.id, issued.id)).toEqual({ kind: 'ok' })
    expect(await revokeApiKey(admin.id, issued.id)).toEqual({ kind: 'alreadyRevoked' })
    expect(await authenticateApiKey(issued.secret)).toBeNull()
    const audit = await database().db.selectFrom('audit_log').select(['action', 'actor_id']).where('target_kind', '=', 'api_key').where('target_id', '=', issued.id).execute()
    expect(audit).toEqual([
      { action: 'api_key.issue', actor_id: admin.id },
      { action: 'api_key.revoke', actor_id: admin.id },
    ])
    expect(await issueApiKey(admin.id, { name: 'x', departmentId: 999999, mayUpdate: false })).toEqual({ kind: 'noSuchDepartment' })
  })

  it('serves the services and their questions in the language asked, else the default', async () => {
    const es = await services(undefined, 'es')
    expect(es.find((s) => s.service_code === 'pothole')).toMatchObject({ service_name: 'Bache', group: 'Vías públicas', metadata: true })
    expect((await services(undefined, 'fr')).find((s) => s.service_code === 'pothole')).toMatchObject({ service_name: 'Nid-de-poule', group: 'Voirie' })
    const [depth] = await serviceAttributes('pothole', 'es')
    expect(depth).toMatchObject({
      code: 'depth',
      description: '¿Qué profundidad tiene el bache?',
      values: [
        { key: 'shallow', name: 'Poco profundo (menos de 5 cm)' },
        { key: 'deep', name: 'Profundo (5 cm o más)' },
      ],
    })
    expect((await serviceAttributes('pothole'))[0]!.description).toBe('How deep is the pothole?')
    const { status, body } = await get('services/pothole.json?locale=fr')
    expect(status).toBe(200)
    expect(body.attributes[0].description).toBe('Quelle est la profondeur du nid-de-poule ?')
    const list = await call('services.json', { headers: { 'Accept-Language': 'es' } })
    expect(list.body.find((s: Json) => s.service_code === 'street-light').service_name).toBe('Farola apagada')
    expect(list.headers.get('vary')).toMatch(/Accept-Language/)
  })
})
