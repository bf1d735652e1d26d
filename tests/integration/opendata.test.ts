import AxeBuilder from '@axe-core/playwright'
import { chromium, type Browser } from '@playwright/test'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { database } from '../../app/lib/db.server'
import { fileReport, hideReport } from '../../app/modules/reports/reports.server'
import { hideProposal } from '../../app/modules/proposals/proposals.server'
import { areaPoint } from '../../app/modules/geo/areas.server'
import { makeUser } from '../support/fixtures'
import { startPlaza, type RunningPlaza } from '../support/server'

/**
 * /data over real HTTP against the seeded demo city: every dataset in every format is valid and
 * holds exactly the public rows — hidden (moderated) and unconfirmed content appears nowhere.
 */

let plaza: RunningPlaza
let browser: Browser | undefined
let hiddenReport: number
let hiddenProposal: number
let formulaReport: number

const get = (path: string) => fetch(plaza.url + path, { headers: { 'accept-language': 'en' } })
async function text(path: string) {
  const res = await get(path)
  expect(res.status, path).toBe(200)
  // Keep the byte order mark: Response.text() would drop it.
  return { res, body: new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer()) }
}
const csvRows = (body: string) => parse(body.replace(/^\ufeff/, ''), { columns: true }) as Array<Record<string, string>>

beforeAll(async () => {
  plaza = await startPlaza({ DATABASE_PATH: process.env.DATABASE_PATH! })
  const user = await makeUser(1)
  const hood = await database().db.selectFrom('areas').select('slug').where('level', '=', 'neighbourhood').orderBy('id').executeTakeFirstOrThrow()
  const { lat, lng } = (await areaPoint(hood.slug))!
  const point = { lat, lng }
  const reporter = { kind: 'user' as const, userId: user.id, name: 'Open Data Tester' }
  const filed = await fileReport({ categoryCode: 'pothole', title: '=HYPERLINK("http://evil.example")', description: 'Formula-looking title', ...point, anonymous: false, locale: 'en' }, reporter)
  const hidden = await fileReport({ categoryCode: 'pothole', title: 'Moderated away', description: 'Should not be exported', ...point, anonymous: false, locale: 'en' }, reporter)
  if (filed.kind !== 'filed' || hidden.kind !== 'filed') throw new Error(`filing failed: ${filed.kind} ${hidden.kind}`)
  formulaReport = filed.id
  hiddenReport = hidden.id
  const proposal = await database().db.selectFrom('proposals').select('id').where('state', '=', 'published').orderBy('id').executeTakeFirstOrThrow()
  hiddenProposal = proposal.id
  await database().write(async (trx) => {
    await hideReport(trx, hiddenReport)
    await hideProposal(trx, hiddenProposal)
  })
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await plaza?.stop()
})

describe('open data', () => {
  it('lists every dataset with its row count, columns, formats and licence, and passes axe', async () => {
    const { body } = await text('/data')
    for (const title of ['Street reports', 'Proposals', 'Voting results', 'Anonymised ballots', 'Petitions', 'Petition signatures by area', 'Representatives and their response rates'])
      expect(body).toContain(title)
    for (const f of ['reports.csv', 'reports.json', 'reports.geojson', 'ballots.csv', 'datapackage.json']) expect(body).toContain(`/data/${f}`)
    expect(body).toContain('https://creativecommons.org/licenses/by/4.0/')
    const publicReports = await database()
      .db.selectFrom('reports')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('state_kind', 'in', ['open', 'fixed', 'closed'])
      .executeTakeFirstOrThrow()
    expect(body).toContain(`${Number(publicReports.n)} rows`)

    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] })
    const context = await browser.newContext({ locale: 'en-GB' })
    const page = await context.newPage()
    await page.goto(`${plaza.url}/data`)
    const results = await new AxeBuilder({ page }).exclude('.demo-banner').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze()
    expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
    await context.close()
  })

  it('streams reports as CSV with exactly the public rows, hidden and unconfirmed left out, formulas guarded', async () => {
    const { res, body } = await text('/data/reports.csv')
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(body.startsWith('\ufeffid,title,description,category,')).toBe(true)
    const rows = csvRows(body)
    const expected = await database().db.selectFrom('reports').select('id').where('state_kind', 'in', ['open', 'fixed', 'closed']).orderBy('id').execute()
    expect(rows.map((r) => Number(r.id))).toEqual(expected.map((r) => r.id))
    expect(rows.some((r) => Number(r.id) === hiddenReport)).toBe(false)
    const unconfirmed = await database().db.selectFrom('reports').select('id').where('state_kind', '=', 'unconfirmed').execute()
    for (const u of unconfirmed) expect(rows.some((r) => Number(r.id) === u.id)).toBe(false)
    expect(rows.find((r) => Number(r.id) === formulaReport)!.title).toBe(`'=HYPERLINK("http://evil.example")`)
    // Never a person: no reporter name or e-mail column, and the tester's name is nowhere.
    expect(Object.keys(rows[0]!)).not.toContain('reporter_name')
    expect(body).not.toContain('Open Data Tester')
  })

  it('streams reports as JSON (texts exact) and as valid GeoJSON points', async () => {
    const json = JSON.parse((await text('/data/reports.json')).body) as {
      dataset: string
      licence: { id: string }
      columns: Array<{ name: string; description: string }>
      rows: Array<Record<string, unknown>>
    }
    expect(json.dataset).toBe('reports')
    expect(json.licence.id).toBe('CC-BY-4.0')
    expect(json.columns.every((c) => c.description.length > 5)).toBe(true)
    expect(json.rows.find((r) => r.id === formulaReport)!.title).toBe('=HYPERLINK("http://evil.example")')
    expect(json.rows.some((r) => r.id === hiddenReport)).toBe(false)

    const { res, body } = await text('/data/reports.geojson')
    expect(res.headers.get('content-type')).toMatch(/^application\/geo\+json/)
    const geo = JSON.parse(body) as { type: string; features: Array<{ type: string; id: number; geometry: { type: string; coordinates: [number, number] }; properties: Record<string, unknown> }> }
    expect(geo.type).toBe('FeatureCollection')
    expect(geo.features).toHaveLength(json.rows.length)
    const city = await database().db.selectFrom('areas').select(['min_lng', 'min_lat', 'max_lng', 'max_lat']).where('level', '=', 'city').executeTakeFirstOrThrow()
    for (const f of geo.features) {
      expect(f.type).toBe('Feature')
      expect(f.geometry.type).toBe('Point')
      const [lng, lat] = f.geometry.coordinates
      // RFC 7946: longitude first, WGS 84, inside the city.
      expect(lng).toBeGreaterThanOrEqual(city.min_lng)
      expect(lng).toBeLessThanOrEqual(city.max_lng)
      expect(lat).toBeGreaterThanOrEqual(city.min_lat)
      expect(lat).toBeLessThanOrEqual(city.max_lat)
      expect(f.properties.lat).toBe(lat)
      expect(f.properties.lng).toBe(lng)
    }
  })

  it('exports public proposals only', async () => {
    const rows = csvRows((await text('/data/proposals.csv')).body)
    const expected = await database().db.selectFrom('proposals').select('id').where('state', 'in', ['published', 'threshold_reached', 'voting', 'answered', 'archived']).orderBy('id').execute()
    expect(rows.map((r) => Number(r.id))).toEqual(expected.map((r) => r.id))
    expect(rows.some((r) => Number(r.id) === hiddenProposal)).toBe(false)
    const geo = JSON.parse((await text('/data/proposals.geojson')).body) as { features: Array<{ geometry: unknown }> }
    expect(geo.features).toHaveLength(rows.length)
  })

  it('exports published voting results that match the tallies, and anonymised ballots of closed votes', async () => {
    const results = csvRows((await text('/data/vote-results.csv')).body)
    const published = await database().db.selectFrom('voting_processes').select(['id', 'method']).where('state', '=', 'published').execute()
    expect(published.length).toBeGreaterThan(0)
    const yesno = published.find((p) => p.method === 'yesno')!
    const yes = results.find((r) => Number(r.vote_id) === yesno.id && r.option === 'yes')!
    const tally = await database().db.selectFrom('tallies').select(['weight', 'ballots']).where('process_id', '=', yesno.id).where('key', '=', 'yes').executeTakeFirstOrThrow()
    expect(Number(yes.votes)).toBe(tally.weight / 1000)
    expect(Number(yes.ballots)).toBe(tally.ballots)

    const ballots = JSON.parse((await text('/data/ballots.json')).body) as { rows: Array<Record<string, unknown>> }
    const expected = await database()
      .db.selectFrom('ballots as b')
      .innerJoin('voting_processes as p', 'p.id', 'b.process_id')
      .select('b.hash')
      .where('p.state', 'in', ['closed', 'published'])
      .orderBy('b.id')
      .execute()
    expect(ballots.rows.map((b) => b.hash)).toEqual(expected.map((b) => b.hash))
    expect(Object.keys(ballots.rows[0]!).sort()).toEqual(['cast_at', 'choices', 'counted', 'hash', 'prev_hash', 'receipt', 'vote_id', 'weight_thousandths'])
    // Ballots of an open vote are not published.
    const open = await database().db.selectFrom('ballots as b').innerJoin('voting_processes as p', 'p.id', 'b.process_id').select('b.hash').where('p.state', '=', 'open').execute()
    for (const b of open) expect(ballots.rows.some((r) => r.hash === b.hash)).toBe(false)
  })

  it('exports open and closed petitions only, and their counted signatures per area with the area boundaries', async () => {
    const rows = csvRows((await text('/data/petitions.csv')).body)
    const expected = await database().db.selectFrom('petitions').select(['id', 'signature_count']).where('state', 'in', ['open', 'closed']).orderBy('id').execute()
    expect(expected.length).toBeGreaterThan(0)
    expect(rows.map((r) => [Number(r.id), Number(r.signatures)])).toEqual(expected.map((p) => [p.id, p.signature_count]))
    const others = await database().db.selectFrom('petitions').select('id').where('state', 'not in', ['open', 'closed']).execute()
    expect(others.length).toBeGreaterThan(0)
    for (const o of others) expect(rows.some((r) => Number(r.id) === o.id)).toBe(false)

    const geo = JSON.parse((await text('/data/petition-signatures-by-area.geojson')).body) as {
      features: Array<{ geometry: { type: string }; properties: { petition_id: number; area: string; signatures: number } }>
    }
    const counts = await database()
      .db.selectFrom('petition_area_counts as c')
      .innerJoin('petitions as p', 'p.id', 'c.petition_id')
      .innerJoin('areas as a', 'a.id', 'c.area_id')
      .select(['c.petition_id', 'a.slug', 'c.signatures'])
      .where('p.state', 'in', ['open', 'closed'])
      .where('c.signatures', '>', 0)
      .orderBy('c.petition_id')
      .orderBy('c.area_id')
      .execute()
    expect(counts.length).toBeGreaterThan(0)
    expect(geo.features.map((f) => [f.properties.petition_id, f.properties.area, f.properties.signatures])).toEqual(counts.map((c) => [c.petition_id, c.slug, c.signatures]))
    for (const f of geo.features) expect(['Polygon', 'MultiPolygon']).toContain(f.geometry.type)
    // Never a signer: the dataset has no names or e-mail addresses at all.
    const signer = await database().db.selectFrom('petition_signatures').select(['email', 'name']).where('status', '=', 'counted').executeTakeFirstOrThrow()
    expect(JSON.stringify(geo)).not.toContain(signer.email)
  })

  it('exports representatives with their response rates and intervals, never their e-mail addresses', async () => {
    const json = JSON.parse((await text('/data/representatives.json')).body) as { rows: Array<Record<string, unknown>> }
    const reps = await database().db.selectFrom('representatives').select(['id', 'email']).orderBy('id').execute()
    expect(json.rows.map((r) => r.id)).toEqual(reps.map((r) => r.id))
    const body = JSON.stringify(json)
    for (const r of reps) expect(body).not.toContain(r.email)
    const answers = await database()
      .db.selectFrom('letter_deliveries')
      .select(['representative_id', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>(eb.case().when('answer', 'in', ['yes', 'unsatisfactory']).then(1).else(0).end()).as('replied')])
      .where('answer', 'is not', null)
      .groupBy('representative_id')
      .execute()
    for (const a of answers) {
      const row = json.rows.find((r) => r.id === a.representative_id)!
      expect(row.answers).toBe(Number(a.n))
      expect(row.replied).toBe(Number(a.replied))
      expect(row.too_few_answers).toBe(Number(a.n) < 5)
      if (Number(a.n) > 0) {
        expect(row.response_rate).toBeCloseTo(Number(a.replied) / Number(a.n), 4)
        expect(row.interval_low as number).toBeLessThanOrEqual(row.response_rate as number)
        expect(row.interval_high as number).toBeGreaterThanOrEqual(row.response_rate as number)
      }
    }
  })

  it('describes everything in a Frictionless data package', async () => {
    const pkg = JSON.parse((await text('/data/datapackage.json')).body) as {
      licenses: Array<{ name: string }>
      resources: Array<{ name: string; path: string; schema: { fields: Array<{ name: string; type: string; description: string }> } }>
    }
    expect(pkg.licenses[0]!.name).toBe('CC-BY-4.0')
    const reports = pkg.resources.find((r) => r.name === 'reports')!
    expect(reports.path).toBe(`${plaza.url}/data/reports.csv`)
    expect(reports.schema.fields[0]).toMatchObject({ name: 'id', type: 'integer' })
    expect(reports.schema.fields.find((f) => f.name === 'url')).toMatchObject({ type: 'string', format: 'uri' })
  })

  it.each([['/data/nothing.csv'], ['/data/reports.xml'], ['/data/reports'], ['/data/..%2Fetc.csv'], ['/data/REPORTS.CSV']])('answers 404 with a sentence for %s', async (path) => {
    const res = await get(path)
    expect(res.status).toBe(404)
    expect(await res.text()).toContain('/data')
  })
})
