import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPlaza, type RunningPlaza } from '../support/server'
import { Visitor } from '../support/visitor'
import { sqlOf } from '../support/sql'

/** Issue 16 part 8: the city's configuration exported as one versioned document and imported whole. */
let plaza: RunningPlaza
beforeAll(async () => {
  plaza = await startPlaza({ RATE_LIMIT_WRITE: 'off' })
})
afterAll(() => plaza?.stop())

const PASSWORD = 'valmera-demo-2026'
async function as(email: string) {
  const v = new Visitor(plaza.url, { 'accept-language': 'en' })
  expect((await v.post('/login', { email, password: PASSWORD })).status).toBe(302)
  return v
}

async function upload(v: Visitor, text: string, name = 'configuration.json') {
  const form = new FormData()
  form.set('file', new File([text], name, { type: 'application/json' }))
  return v.post('/admin/configuration', form)
}

describe('configuration export and import', () => {
  it('exports the whole configuration as one versioned document without personal data', async () => {
    const admin = await as('admin@valmera.example')
    const res = await admin.get('/admin/configuration.json')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="plaza-configuration-\d{4}-\d\d-\d\d\.json"/)
    const text = await res.text()
    const doc = JSON.parse(text) as {
      format: string
      version: number
      services: { departments: Array<{ slug: string; name: Record<string, string> }>; categories: Array<{ code: string; questions: unknown[] }>; routes: unknown[] }
      city: { settings: Record<string, unknown> }
    }
    expect(doc.format).toBe('plaza-configuration')
    expect(doc.version).toBe(1)
    expect(doc.services.departments.length).toBeGreaterThan(2)
    expect(doc.services.departments.every((d) => d.name.en && d.name.es && d.name.fr)).toBe(true)
    expect(doc.services.categories.some((c) => c.questions.length > 0)).toBe(true)
    expect(doc.services.routes.length).toBeGreaterThan(0)
    expect(doc.city.settings.PETITION_SPONSORS).toBeTypeOf('number')
    // The geography: every level with codes, names, parents' codes and exact geometry.
    const areas = (doc as unknown as { areas: Array<{ depth: number; areas: Array<{ code: string; parent: string | null; geometry: { type: string } }> }> }).areas
    expect(areas.map((l) => l.depth)).toEqual([0, 1, 2])
    expect(areas[1]!.areas.length).toBe(8)
    expect(areas[2]!.areas.every((a) => a.parent && areas[1]!.areas.some((d) => d.code === a.parent))).toBe(true)
    expect(['Polygon', 'MultiPolygon']).toContain(areas[0]!.areas[0]!.geometry.type)
    // No people: not the demo accounts, not the census.
    expect(text).not.toMatch(/resident@valmera|citizen@valmera|VAL0000|password/i)
  })

  it('previews the changes of an uploaded document, applies them in one go, and refuses a second apply', async () => {
    const admin = await as('admin@valmera.example')
    const doc = (await (await admin.get('/admin/configuration.json')).json()) as {
      services: {
        departments: Array<Record<string, unknown>>
        categories: Array<{ code: string; name: Record<string, string> }>
        routes: Array<{ category: string; department: string; area: string | null }>
      }
      city: { settings: Record<string, unknown> }
    }
    doc.services.departments.push({ slug: 'water-company', name: { en: 'Lume Water Company', es: 'Aguas del Lume', fr: 'Eaux de la Lume' }, email: 'reports@water.example.org', phone: null })
    const category = doc.services.categories[0]!
    category.name = { ...category.name, es: 'Nombre importado' }
    doc.services.routes.push({ category: category.code, department: 'water-company', area: 'ribera-nord' })
    doc.city.settings.PETITION_SPONSORS = 2
    const res = await upload(admin, JSON.stringify(doc))
    expect(res.status).toBe(302)
    const preview = res.headers.get('location')!
    expect(preview).toMatch(/^\/admin\/configuration\?import=[a-z0-9]+$/)
    const page = await (await admin.get(preview)).text()
    expect(page).toContain('water-company')
    expect(page).toContain(category.code)
    expect(page).toContain('PETITION_SPONSORS')
    expect(page).toMatch(/4 changes/)
    // Nothing changed yet.
    const db = sqlOf(plaza)
    expect(await db.value(`select count(*) from departments where slug = 'water-company'`)).toBe(0)

    const token = new URL(preview, plaza.url).searchParams.get('import')!
    const applied = await admin.post('/admin/configuration', { intent: 'apply', token })
    expect(applied.status).toBe(200)
    expect(await applied.text()).toContain('The configuration was applied: 4 changes.')
    expect(await db.value(`select count(*) from departments where slug = 'water-company'`)).toBe(1)
    expect(JSON.parse((await db.value(`select name from report_categories where code = ?`, category.code)) as string).es).toBe('Nombre importado')
    expect(
      await db.value(
        `select d.slug from category_routes r join departments d on d.id = r.department_id join report_categories c on c.id = r.category_id join areas a on a.id = r.area_id where c.code = ? and a.slug = 'ribera-nord'`,
        category.code,
      ),
    ).toBe('water-company')
    expect(JSON.parse((await db.value(`select value from city_settings where key = 'PETITION_SPONSORS'`)) as string)).toBe(2)
    expect(await db.value(`select count(*) from audit_log where action = 'configuration.import'`)).toBe(1)
    await db.close()

    const again = await admin.post('/admin/configuration', { intent: 'apply', token })
    expect(again.status).toBe(409)
    expect(await again.text()).toContain('This file has already been applied.')
  })

  it('refuses a file that is not a valid configuration, with the reason next to the field, and changes nothing', async () => {
    const admin = await as('admin@valmera.example')
    const notJson = await upload(admin, 'this is not json')
    expect(notJson.status).toBe(400)
    expect(await notJson.text()).toContain('This file is not JSON')
    const other = await upload(admin, JSON.stringify({ format: 'something-else' }))
    expect(other.status).toBe(400)
    expect(await other.text()).toContain('This is not a Plaza configuration file.')
    const doc = (await (await admin.get('/admin/configuration.json')).json()) as {
      services: { routes: Array<{ category: string; department: string; area: string | null }> }
      city: { settings: Record<string, unknown> }
    }
    doc.services.routes.push({ category: 'pothole', department: 'no-such-department', area: null })
    doc.city.settings.PETITION_RESPONSE_THRESHOLD = 50_000
    doc.city.settings.PETITION_DEBATE_THRESHOLD = 10_000
    const bad = await upload(admin, JSON.stringify(doc))
    expect(bad.status).toBe(400)
    const html = await bad.text()
    expect(html).toContain('no department no-such-department here or in the file')
    expect(html).toContain('city.settings.PETITION_RESPONSE_THRESHOLD')
    const empty = await admin.post('/admin/configuration', new FormData())
    expect(empty.status).toBe(400)
    expect(await empty.text()).toContain('Choose a configuration file to upload.')
  })

  it("imports a geography with the rest: a renamed district is listed and applied; a broken one is refused with the geo check's message", async () => {
    const admin = await as('admin@valmera.example')
    type Doc = { areas: Array<{ depth: number; areas: Array<{ code: string; names: Record<string, string>; parent: string | null; geometry: { type: string; coordinates: unknown } }> }> }
    const doc = (await (await admin.get('/admin/configuration.json')).json()) as Doc
    const district = doc.areas[1]!.areas[0]!
    district.names = { en: 'Renamed District', es: 'Distrito renombrado', fr: 'District renommé' }
    const res = await upload(admin, JSON.stringify(doc))
    expect(res.status).toBe(302)
    const preview = await (await admin.get(res.headers.get('location')!)).text()
    expect(preview).toContain(`${district.code} (`)
    expect(preview).toContain('Renamed District')
    const token = new URL(res.headers.get('location')!, plaza.url).searchParams.get('import')!
    expect((await admin.post('/admin/configuration', { intent: 'apply', token })).status).toBe(200)
    const db = sqlOf(plaza)
    expect(await db.value('select name from areas where code = ?', district.code)).toBe('Renamed District')
    const before = await db.value('select count(*) from areas')

    // A neighbourhood whose district does not exist: refused, nothing written.
    const broken = (await (await admin.get('/admin/configuration.json')).json()) as Doc
    broken.areas[2]!.areas[0]!.parent = 'no-such-district'
    const refused = await upload(admin, JSON.stringify(broken))
    expect(refused.status).toBe(400)
    expect(await refused.text()).toContain('areas.depth2')
    expect(await db.value('select count(*) from areas')).toBe(before)
    await db.close()
  })

  it('refuses everyone but administrators, on the page, the download and the import', async () => {
    for (const email of ['citizen@valmera.example', 'moderator@valmera.example', 'roads@valmera.example']) {
      const v = await as(email)
      expect((await v.get('/admin/configuration')).status).toBe(403)
      expect((await v.get('/admin/configuration.json')).status).toBe(403)
      expect((await upload(v, '{}')).status).toBe(403)
    }
    const anonymous = new Visitor(plaza.url)
    expect([302, 303]).toContain((await anonymous.get('/admin/configuration')).status)
    expect([302, 303, 403]).toContain((await anonymous.get('/admin/configuration.json')).status)
  })
})
