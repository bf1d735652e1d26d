import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPlaza, type RunningPlaza } from '../support/server'
import { Visitor } from '../support/visitor'
import { riberiaFiles } from '../support/city-fixture'
import { sqlOf, type TestSql } from '../support/sql'

/**
 * /admin/areas over real HTTP (issue 16): who is refused, a file that is not what its extension
 * says, a preview listing problems with nothing written, a refused import leaving the geography
 * and every located item untouched, and a re-import of the demo's districts renaming one (its old
 * address redirects; no item moves).
 */

let plaza: RunningPlaza
let sql: TestSql
beforeAll(async () => {
  plaza = await startPlaza({ RATE_LIMIT_WRITE: 'off', BACKGROUND_JOBS: 'false' })
  sql = sqlOf(plaza)
})
afterAll(async () => {
  await sql?.close()
  await plaza?.stop()
})

const PASSWORD = 'valmera-demo-2026'
const query = <T = Record<string, unknown>>(text: string, ...params: unknown[]) => sql.all<T>(text, ...params)
async function as(who: string) {
  const v = new Visitor(plaza.url, { 'accept-language': 'en' })
  if (who !== 'anonymous') expect((await v.post('/login', { email: `${who}@valmera.example`, password: PASSWORD })).status).toBe(302)
  return v
}
const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
const snapshot = async () => ({
  areas: await query('select id, slug, code, name, geometry, parent_id from areas order by id'),
  items: await query('select id, area_ids from map_items order by id'),
  reports: await query('select id, area_id, district_id from reports order by id'),
  counts: await query('select * from map_area_counts order by area_id, kind, status'),
})

function upload(bytes: Uint8Array | string, name: string, depth: string) {
  const f = new FormData()
  f.set('intent', 'upload')
  f.set('depth', depth)
  f.set('file', new Blob([typeof bytes === 'string' ? bytes : new Uint8Array(bytes)]), name)
  return f
}

describe('/admin/areas', () => {
  it('refuses everyone but administrators, on the page and on its action', async () => {
    expect((await (await as('anonymous')).get('/admin/areas')).status).toBe(302)
    for (const who of ['citizen', 'roads', 'moderator']) {
      const v = await as(who)
      expect((await v.get('/admin/areas')).status).toBe(403)
      expect((await v.post('/admin/areas', upload('{}', 'x.geojson', '1'))).status).toBe(403)
    }
    expect((await (await as('admin')).get('/admin/areas')).status).toBe(200)
  })

  it('says what a file is when it is not what its extension says', async () => {
    const res = await (await as('admin')).post('/admin/areas', upload((await riberiaFiles()).districtsZip, 'districts.geojson', '1'))
    expect(res.status).toBe(422)
    const html = decode(await res.text())
    expect(html).toContain('<p class="field-error" id="field-file-error">The file ends in .geojson but is not one: it is zip.</p>')
  })

  it('previews problems naming feature and property, and a refused import leaves everything untouched', async () => {
    const before = await snapshot()
    const admin = await as('admin')
    const res = await admin.post('/admin/areas', upload((await riberiaFiles()).neighbourhoodsZip, 'barris.zip', '2'))
    expect(res.status).toBe(302)
    const location = res.headers.get('location')!
    const token = /import=([0-9a-f]{32})/.exec(location)![1]!
    const page = decode(await (await admin.get(`/admin/areas?import=${token}&depth=2&nameProp=NOM&codeProp=CODI&parentProp=DISTRICTE&tolerance=100`)).text())
    expect(page).toContain('barris.zip: 8 features, shapefile, read in ETRS_1989_UTM_Zone_31N.')
    expect(page).toContain('Feature 1 (NOM “La Marina”, CODI “D1-1”): its parent DISTRICTE “D1” is not the code of any of the Districts.')
    expect(page).toContain('<svg')
    expect(page).not.toContain('name="intent" value="commit"')
    // Forcing the commit anyway: refused, listed again, nothing written.
    const commit = await admin.post('/admin/areas', { intent: 'commit', import: token, depth: '2', nameProp: 'NOM', codeProp: 'CODI', parentProp: 'DISTRICTE', tolerance: '100' })
    expect(commit.status).toBe(422)
    expect(decode(await commit.text())).toContain('Feature 8 (NOM “Mirador”, CODI “D3-3”): its parent DISTRICTE “D3” is not the code of any of the Districts.')
    expect(await snapshot()).toEqual(before)
  })

  it('re-imports the districts by code: a renamed one keeps its id, its old address redirects, no item moves', async () => {
    const districts = await query<{ id: number; slug: string; code: string; name: string; geometry: string }>("select id, slug, code, name, geometry from areas where level = 'district' order by id")
    const renamed = districts[0]!
    const file = JSON.stringify({
      type: 'FeatureCollection',
      features: districts.map((d) => ({ type: 'Feature', properties: { NAME: d.id === renamed.id ? 'Riverside Renamed' : d.name, CODE: d.code }, geometry: JSON.parse(d.geometry) })),
    })
    const before = await snapshot()
    const admin = await as('admin')
    const res = await admin.post('/admin/areas', upload(file, 'districts.geojson', '1'))
    const token = /import=([0-9a-f]{32})/.exec(res.headers.get('location') ?? '')![1]!
    const fields = { import: token, depth: '1', nameProp: 'NAME', codeProp: 'CODE', tolerance: '1000' }
    const page = decode(await (await admin.get(`/admin/areas?${new URLSearchParams(fields)}`)).text())
    expect(page).toContain('No problems found.')
    expect(page).toContain(`Renamed: ${renamed.name} → Riverside Renamed (${renamed.code}); the old address redirects`)
    const done = await admin.post('/admin/areas', { intent: 'commit', ...fields })
    expect(done.status).toBe(200)
    expect(decode(await done.text())).toContain(`Imported: 0 new, ${districts.length} updated (1 renamed), 0 removed.`)
    const after = await snapshot()
    expect(after.items).toEqual(before.items)
    expect(after.reports).toEqual(before.reports)
    expect(after.counts).toEqual(before.counts)
    expect(await query<{ id: number }>("select id from areas where slug = 'riverside-renamed'")).toEqual([{ id: renamed.id }])
    const old = await (await as('anonymous')).get(`/areas/${renamed.slug}`)
    expect(old.status).toBe(301)
    expect(old.headers.get('location')).toBe('/areas/riverside-renamed')
    expect(await query('select actor_id, action from audit_log where action = ?', 'areas.import')).toHaveLength(1)
  })
})
