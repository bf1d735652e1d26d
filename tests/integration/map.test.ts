import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { migrateOrThrow, openDatabase, type PlazaDatabase } from '../../app/lib/db.server'
import { placeItem, registerKind } from '../../app/modules/geo/map-index.server'
import { startPlaza, type RunningPlaza } from '../support/server'

/** The map over HTTP, against a real server with the demo city. */

let plaza: RunningPlaza
let db: PlazaDatabase
beforeAll(async () => {
  plaza = await startPlaza({ PAGE_CACHE: 'false', MAP_TILE_URL: 'https://tiles.example.org/{z}/{x}/{y}.png', MAP_ATTRIBUTION: '© Example' })
  db = openDatabase({ path: plaza.databasePath, url: plaza.databaseUrl, synchronous: 'NORMAL' })
  await migrateOrThrow(db)
})
afterAll(async () => {
  await db?.close()
  await plaza?.stop()
})

const get = (path: string, headers: Record<string, string> = {}) => fetch(plaza.url + path, { headers })
const CITY = 'bbox=-1.6,41.29,-1.44,41.41&zoom=12'

describe('before a kind has items', () => {
  it('lists the layers capabilities registered (the demo reports are on the map) and refuses an unknown layer', async () => {
    const html = await (await get('/map')).text()
    expect(html).toMatch(/<input type="checkbox" name="layers"[^>]*value="reports"/)
    const reports = (await (await get(`/api/map/features?${CITY}&layers=reports`)).json()) as { plaza: { total: number } }
    expect(reports.plaza.total).toBe(60)
    expect((await get(`/api/map/features?${CITY}&layers=nothing-here`)).status).toBe(400)
  })
})

describe('GET /api/map/features', () => {
  beforeAll(async () => {
    await db.write(async (trx) => {
      await registerKind(trx, { kind: 'test', urlPattern: '/tests/{id}', labelKey: 'geo:kinds.sample' })
      for (let i = 0; i < 400; i++) {
        await placeItem(trx, {
          kind: 'test',
          itemId: i + 1,
          lat: 41.31 + (i % 20) * 0.004,
          lng: -1.58 + Math.floor(i / 20) * 0.006,
          status: i % 2 ? 'open' : 'fixed',
          title: `Test item ${i + 1}`,
        })
      }
    })
    // The server caches the list of kinds for a few seconds: polled until it knows the new one.
    await vi.waitFor(async () => expect((await get(`/api/map/features?${CITY}&layers=test`)).status).toBe(200), { timeout: 15_000, interval: 100 })
  })

  it('answers GeoJSON clusters that CDNs may cache briefly', async () => {
    const res = await get(`/api/map/features?${CITY}&layers=test`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('application/geo+json')
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+/)
    const body = (await res.json()) as { type: string; bbox: number[]; features: Array<{ properties: { cluster: boolean; count?: number } }> }
    expect(body.type).toBe('FeatureCollection')
    expect(body.bbox).toHaveLength(4)
    const total = body.features.reduce((s, f) => s + (f.properties.cluster ? f.properties.count! : 1), 0)
    expect(total).toBe(400)
    expect(body.features.some((f) => f.properties.cluster)).toBe(true)
  })

  it('filters by status', async () => {
    const body = (await (await get(`/api/map/features?${CITY}&layers=test&status=open`)).json()) as { plaza: { total: number } }
    expect(body.plaza.total).toBe(200)
  })

  it('lists the registered layer on /map once it exists', async () => {
    const html = await (await get('/map')).text()
    expect(html).toMatch(/<input type="checkbox" name="layers"[^>]*value="test"/)
    expect(html).toContain('Test item 400')
  })

  it.each([
    ['', 'bbox'],
    ['?bbox=1,2,3&zoom=3', 'bbox'],
    ['?bbox=a,b,c,d&zoom=3', 'bbox'],
    ['?bbox=170,0,-170,10&zoom=3', 'bbox'],
    ['?bbox=0,10,1,5&zoom=3', 'bbox'],
    ['?bbox=-1.6,41.29,-1.44,91&zoom=3', 'bbox'],
    ['?bbox=-180,-80,180,80&zoom=16', 'bbox'],
    ['?bbox=-1.6,41.29,-1.44,41.41', 'zoom'],
    ['?bbox=-1.6,41.29,-1.44,41.41&zoom=99', 'zoom'],
    ['?bbox=-1.6,41.29,-1.44,41.41&zoom=12&layers=nope', 'layers'],
    ['?bbox=-1.6,41.29,-1.44,41.41&zoom=12&status=<b>', 'status'],
    ['?bbox=-1.6,41.29,-1.44,41.41&zoom=12&since=yesterday', 'since'],
  ])('answers 400 with a message for %s', async (search, field) => {
    const res = await get(`/api/map/features${search}`, { 'accept-language': 'es' })
    expect(res.status).toBe(400)
    const body = (await res.json()) as { error: { status: number; field: string; message: string } }
    expect(body.error.field).toBe(field)
    expect(body.error.message.length).toBeGreaterThan(10)
    expect(res.headers.get('cache-control')).toBe('no-store')
  })

  it('names an unknown layer in the visitor’s language', async () => {
    const res = await get('/api/map/features?bbox=-1.6,41.29,-1.44,41.41&zoom=12&layers=nope', { 'accept-language': 'fr' })
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('Il n’existe aucune couche nommée « nope ».')
  })
})

describe('area pages', () => {
  it('shows a district with its outline, neighbourhoods and counts', async () => {
    const res = await get('/areas/ribera-nord')
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('<h1>Ribera Nord</h1>')
    expect(html).toMatch(/<svg[^>]*role="img"[^>]*aria-label="Outline of Ribera Nord/)
    expect(html).toContain('href="/areas/l-estany"')
  })

  it('lists every district and neighbourhood', async () => {
    const html = await (await get('/areas')).text()
    expect(html.match(/href="\/areas\/[a-z-]+"/g)!.length).toBeGreaterThanOrEqual(48)
  })

  it('answers 404 for an unknown area, and for the city itself', async () => {
    expect((await get('/areas/atlantis')).status).toBe(404)
    expect((await get('/areas/valmera')).status).toBe(404)
    expect((await get('/areas/%3Cscript%3E')).status).toBe(404)
  })

  it('serves every outline as GeoJSON and keeps /areas.svg', async () => {
    const geo = (await (await get('/areas.geojson')).json()) as { features: unknown[] }
    expect(geo.features).toHaveLength(48)
    const svg = await get('/areas.svg')
    expect(svg.headers.get('content-type')).toContain('image/svg+xml')
  })
})

describe('Which area am I in? (the picker without JavaScript)', () => {
  it('finds the district and neighbourhood of typed coordinates', async () => {
    const res = await get('/areas/locate?area=&lat=41.37&lng=-1.52')
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('data-testid="locate-result"')
    expect(html).toContain('href="/areas/ribera-nord"')
  })

  it('finds a point for an area chosen from the list', async () => {
    const html = await (await get('/areas/locate?area=l-estany&lat=&lng=')).text()
    expect(html).toContain('href="/areas/l-estany"')
  })

  it.each([
    ['lat=40&lng=-1.52', 'location', 'This place is outside Valmera'],
    ['lat=abc&lng=-1.52', 'lat', 'Enter a latitude between -90 and 90'],
    ['lat=41.3&lng=', 'lng', 'Enter the longitude too'],
    ['area=nowhere', 'area', 'Choose an area from the list'],
    ['lat=&lng=&area=', 'location', 'Choose a place'],
  ])('answers 400 next to the field for %s', async (search, field, message) => {
    const res = await get(`/areas/locate?${search}`)
    expect(res.status).toBe(400)
    const html = await res.text()
    expect(html).toContain(`id="location-${field}-error"`)
    expect(html).toContain(message)
  })
})

describe('the picker as the server sends it (issue 18: nothing moves when the page hydrates)', () => {
  it("sends the map's still picture and its tools, with the typed fields carrying lat and lng until hydration", async () => {
    const html = await (await get('/reports/new')).text()
    const picker = html.slice(html.indexOf('<fieldset class="picker"'))
    // The map and tools, server-rendered (a browser without JavaScript hides .picker__js: map.css, scripting: none).
    expect(picker).toMatch(/<div class="picker__js"><p class="picker__help">/)
    expect(picker).toMatch(/<div class="map-frame picker__map" data-map-state="still"><svg class="map-still"[^>]*><image href="\/areas.svg"/)
    expect(picker).toContain('Use my location')
    expect(picker).toContain('data-testid="picker-status"')
    // No hidden lat/lng before hydration: the typed fields are the ones named, so a form sent without JavaScript carries one value each.
    expect(picker).not.toMatch(/<input type="hidden" name="la[tn]g?"/)
    expect(picker.match(/name="lat"/g)).toHaveLength(1)
    expect(picker.match(/name="lng"/g)).toHaveLength(1)
    // What only a browser without JavaScript needs is marked so (hidden with JavaScript until hydration removes it).
    expect(picker).toMatch(/<p class="picker__or picker__nojs">/)
    expect(picker).toMatch(/<div class="picker__nojs"><div class="address-box address-box--nested"/)
  })

  it("leaves the map and tools out of a page sent without React (a petition's sign form, ADR 137)", async () => {
    const list = await (await get('/petitions')).text()
    const path = list.match(/href="(\/petitions\/\d+)"/)![1]!
    const html = await (await get(path)).text()
    if (!html.includes('<fieldset class="picker"')) return // no open petition with a sign form in the demo city
    expect(html).not.toContain('picker__js')
    expect(html).not.toContain('picker__nojs')
    expect(html).toContain('address-box--nested')
  })
})

describe('configuration', () => {
  it('lets the browser fetch the configured tile server and nothing else', async () => {
    const csp = (await get('/map')).headers.get('content-security-policy')!
    expect(csp).toMatch(/connect-src 'self' https:\/\/tiles\.example\.org/)
    expect(csp).toMatch(/img-src [^;]*https:\/\/tiles\.example\.org/)
    const html = await (await get('/map')).text()
    expect(html).toContain('https://tiles.example.org/{z}/{x}/{y}.png')
  })
})
