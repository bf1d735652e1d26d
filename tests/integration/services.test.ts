import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPlaza, type RunningPlaza } from '../support/server'
import { Visitor } from '../support/visitor'
import { sqlOf, type TestSql } from '../support/sql'

/**
 * The services admin over real HTTP (issue 16 part 3): only administrators read or post its pages;
 * bad input is a 400 next to the field with the values kept. And part 7: the public pages in
 * Spanish and French show no seeded name left in English.
 */

let plaza: RunningPlaza
let sql: TestSql
beforeAll(async () => {
  plaza = await startPlaza({ RATE_LIMIT_WRITE: 'off' })
  sql = sqlOf(plaza)
})
afterAll(async () => {
  await sql?.close()
  await plaza?.stop()
})

const PASSWORD = 'valmera-demo-2026'
const one = <T>(query: string, ...params: unknown[]) => sql.get<T>(query, ...params)
async function as(who: string, lng = 'en') {
  const v = new Visitor(plaza.url, { 'accept-language': lng })
  if (who !== 'anonymous') expect((await v.post('/login', { email: `${who}@valmera.example`, password: PASSWORD })).status).toBe(302)
  return v
}

const PAGES = [
  '/admin/services',
  '/admin/services/departments',
  '/admin/services/categories',
  '/admin/services/categories/1',
  '/admin/services/routing',
  '/admin/services/states',
  '/admin/services/topics/proposal',
  '/admin/services/topics/petition',
]
const POSTS = ['/admin/services/departments', '/admin/services/categories', '/admin/services/categories/1', '/admin/services/routing', '/admin/services/states', '/admin/services/topics/petition']

describe('who may use /admin/services', () => {
  it('sends logged-out visitors to log in and refuses citizens, moderators and staff (403), reading or posting', async () => {
    const anonymous = await as('anonymous')
    for (const path of PAGES) {
      const res = await anonymous.get(path)
      expect(res.status, path).toBe(302)
      expect(res.headers.get('location'), path).toMatch(/^\/login/)
    }
    for (const path of POSTS) expect((await anonymous.post(path, { slug: 'x', name_en: 'X' })).status, path).toBe(302)
    for (const who of await Promise.all([as('citizen'), as('moderator'), as('roads')])) {
      for (const path of PAGES) expect((await who.get(path)).status, path).toBe(403)
      for (const path of POSTS) expect((await who.post(path, { slug: 'intruder', code: 'intruder', name_en: 'Intruder', categoryId: '1', departmentId: '1' })).status, path).toBe(403)
    }
    expect(await one('select id from departments where slug = ?', 'intruder')).toBeUndefined()
  })

  it('lets an administrator add a department, and answers bad input with a 400 next to the field, values kept', async () => {
    const admin = await as('admin')
    const bad = await admin.post('/admin/services/departments', { slug: 'Parks & Gardens', name_en: '', name_es: 'Jardines', email: 'nope' })
    expect(bad.status).toBe(400)
    const html = await bad.text()
    expect(html).toContain('Use lower-case letters, digits and hyphens')
    expect(html).toContain('Enter a name in the city')
    expect(html).toContain('value="Jardines"')
    const ok = await admin.post('/admin/services/departments', { slug: 'gardens', name_en: 'Gardens', name_es: 'Jardines', name_fr: 'Jardins', email: 'gardens@city.example' })
    expect(ok.status).toBe(302)
    const row = (await one<{ id: number; name: string }>('select id, name from departments where slug = ?', 'gardens'))!
    expect(JSON.parse(row.name)).toEqual({ en: 'Gardens', es: 'Jardines', fr: 'Jardins' })
    expect(await one('select action from audit_log where action = ? and target_id = ?', 'department.create', row.id)).toBeTruthy()
    // The tester, over HTTP: a pothole in Sant Roc goes to the roads department.
    const tested = await admin.post('/admin/services/routing', {
      intent: 'test',
      category: 'pothole',
      lat: '',
      lng: '',
      area: String((await one<{ id: number }>("select id from areas where slug = 'sant-roc'"))!.id),
    })
    expect(tested.status).toBe(200)
    expect(await tested.text()).toContain('Roads and pavements gets a “Pothole” report here.')
    const missing = await admin.post('/admin/services/routing', { intent: 'test', category: 'pothole', lat: '', lng: '', area: '' })
    expect(missing.status).toBe(400)
  })
})

// Seeded names in English that must not show on Spanish or French pages (nor a raw JSON value).
// (Report titles are what people wrote, e.g. "Potholes after the rain": the category name is checked where names stand alone.)
const ENGLISH = [
  '>Pothole<',
  '"Pothole"',
  '· Pothole',
  'Pothole ·',
  'Roads and pavements',
  'Street light not working',
  'Overflowing bin',
  'Waste and cleaning',
  'Urbanism and public space',
  'Mobility and transport',
  'District councillor',
  'Neighbourhood councillor',
  'How deep is the pothole',
  '{"en"',
  '{&quot;en&quot;',
]

describe('public pages in every language', () => {
  for (const lng of ['es', 'fr'] as const) {
    it(`shows the city's names in ${lng}, none left in English`, async () => {
      const visitor = await as('anonymous', lng)
      const report =
        (await one<{ id: number }>("select r.id from reports r join report_categories c on c.id = r.category_id where r.state_kind = 'open' and c.code = 'pothole' order by r.id limit 1")) ??
        (await one<{ id: number }>("select id from reports where state_kind = 'open' order by id limit 1"))!
      const point = (await one<{ lat: number; lng: number }>('select lat, lng from reports where id = ?', report.id))!
      const pages = [
        '/reports',
        `/reports/${report.id}`,
        `/reports/new?lat=${point.lat}&lng=${point.lng}`,
        `/reports/new?lat=${point.lat}&lng=${point.lng}&category=pothole`,
        '/proposals',
        '/petitions',
        '/representatives',
        '/map',
        `/open311/v2/services.json?locale=${lng}`,
        `/open311/v2/services/pothole.json?locale=${lng}`,
      ]
      for (const path of pages) {
        const res = await visitor.get(path)
        expect(res.status, path).toBe(200)
        const body = await res.text()
        for (const english of ENGLISH) expect(body, `${path} in ${lng} shows “${english}”`).not.toContain(english)
      }
      const list = await (await visitor.get('/reports')).text()
      expect(list).toContain(lng === 'es' ? 'Vías públicas' : 'Voirie et trottoirs')
      const services = await (await visitor.get(`/open311/v2/services.json?locale=${lng}`)).json()
      expect(services.find((s: { service_code: string }) => s.service_code === 'pothole').service_name).toBe(lng === 'es' ? 'Bache' : 'Nid-de-poule')
    })
  }
})

describe('petition categories on the petition form and list', () => {
  it('offers the categories (optional), refuses an unknown one next to the field, stores the chosen one, and filters /petitions by it', async () => {
    const citizen = await as('citizen', 'es')
    const category = (await one<{ id: number; code: string; name: string }>('select id, code, name from petition_categories where active = 1 order by position, id limit 1'))!
    const spanish = (JSON.parse(category.name) as Record<string, string>).es!
    const form = await (await citizen.get('/petitions/new')).text()
    expect(form).toContain('id="field-category"')
    expect(form).toContain(`>${spanish}<`)
    const fields = {
      intent: 'draft',
      title: 'Shade over the market square',
      action: 'Put up shade sails over the market square.',
      background: '',
      target: 'council',
      restriction: '',
      lat: '',
      lng: '',
      area: '',
    }
    const bad = await citizen.post('/petitions/new', { ...fields, category: 'no-such-topic' })
    expect(bad.status).toBe(400)
    const badHtml = await bad.text()
    expect(badHtml).toContain('id="field-category-error"')
    expect(badHtml).toContain('Elige una categoría de la lista.')
    expect(badHtml).toContain('value="Shade over the market square"')
    const saved = await citizen.post('/petitions/new', { ...fields, category: category.code })
    expect(saved.status).toBe(302)
    const id = Number(/\/petitions\/(\d+)/.exec(saved.headers.get('location') ?? '')![1])
    expect((await one<{ category_id: number }>('select category_id from petitions where id = ?', id))!.category_id).toBe(category.id)
    // Without a category is fine too.
    expect((await citizen.post('/petitions/new', { ...fields, title: 'Shade without a topic', category: '' })).status).toBe(302)

    // The list: a category filter; filtered, only the open petitions in that category are counted.
    const list = await (await citizen.get('/petitions')).text()
    expect(list).toContain('id="filter-category"')
    const total = (html: string) => Number(/data-testid="petitions-total">\D*(\d+)/.exec(html)?.[1] ?? NaN)
    const inCategory = (await one<{ n: number }>("select count(*) as n from petitions where state = 'open' and category_id = ?", category.id))!.n
    const everyOpen = (await one<{ n: number }>("select count(*) as n from petitions where state = 'open'"))!.n
    expect(inCategory).toBeLessThan(everyOpen)
    expect(total(list)).toBe(everyOpen)
    const filtered = await citizen.get(`/petitions?category=${category.code}`)
    expect(filtered.status).toBe(200)
    expect(total(await filtered.text())).toBe(inCategory)
    // An unknown code shows the whole list, not an error.
    const unknown = await citizen.get('/petitions?category=nothing-like-it')
    expect(unknown.status).toBe(200)
    expect(total(await unknown.text())).toBe(everyOpen)
  })
})
