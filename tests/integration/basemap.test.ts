import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VectorTile } from '@mapbox/vector-tile'
import Pbf from 'pbf'
import { startPlaza, type RunningPlaza } from '../support/server'
import { Visitor } from '../support/visitor'
import { tileRange } from '../../app/modules/basemap/tiles.server'

/**
 * Plaza's own base map over real HTTP (issue 17): the style names versioned tile URLs on this
 * site, tiles of the demo city decode to streets with names, glyphs come from Plaza, address
 * search answers HTML and JSON, and /admin/basemap refuses everyone but administrators.
 */

let plaza: RunningPlaza
beforeAll(async () => {
  plaza = await startPlaza({ RATE_LIMIT_WRITE: 'off', RATE_LIMIT_READ: 'off', BACKGROUND_JOBS: 'false' })
})
afterAll(async () => {
  await plaza?.stop()
})

const PASSWORD = 'valmera-demo-2026'
async function as(who: string) {
  const v = new Visitor(plaza.url, { 'accept-language': 'en' })
  if (who !== 'anonymous') expect((await v.post('/login', { email: `${who}@valmera.example`, password: PASSWORD })).status).toBe(302)
  return v
}

describe('the base map', () => {
  it('serves a style whose tiles and glyphs are on this site, and tiles with the demo streets', async () => {
    const res = await fetch(`${plaza.url}/styles/plaza.json`)
    expect(res.status).toBe(200)
    const etag = res.headers.get('etag')!
    const style = (await res.json()) as { glyphs: string; sources: { basemap: { tiles: string[]; attribution: string } }; layers: Array<{ id: string }> }
    const origin = new URL(plaza.url).origin
    // Glyphs under a version named by their bytes (immutable), like the tiles.
    expect(style.glyphs).toMatch(new RegExp(`^${origin}/fonts/[0-9a-f]{12}/\\{fontstack\\}/\\{range\\}\\.pbf$`))
    expect(style.sources.basemap.tiles[0]).toMatch(new RegExp(`^${origin}/tiles/\\d+/\\{z\\}/\\{x\\}/\\{y\\}\\.pbf$`))
    expect(style.sources.basemap.attribution).toContain('OpenStreetMap')
    expect(style.layers.map((l) => l.id)).toContain('basemap-road-labels')
    expect((await fetch(`${plaza.url}/styles/plaza.json`, { headers: { 'if-none-match': etag } })).status).toBe(304)

    // The tile over Carrer Major at the city centre (-1.52, 41.35).
    const r = tileRange([-1.5195, 41.3502, -1.5195, 41.3502], 16)
    const url = style.sources.basemap.tiles[0]!.replace('{z}', '16').replace('{x}', String(r.minX)).replace('{y}', String(r.minY))
    const tile = await fetch(url)
    expect(tile.status).toBe(200)
    expect(tile.headers.get('content-type')).toBe('application/vnd.mapbox-vector-tile')
    expect(tile.headers.get('cache-control')).toContain('immutable')
    const vt = new VectorTile(new Pbf(new Uint8Array(await tile.arrayBuffer())) as unknown as ConstructorParameters<typeof VectorTile>[0])
    const roads = vt.layers.roads!
    const names = Array.from({ length: roads.length }, (_, i) => roads.feature(i).properties.name)
    expect(names).toContain('Carrer Major')
    expect((await fetch(url, { headers: { 'if-none-match': tile.headers.get('etag')! } })).status).toBe(304)
    // Answered before Remix with the import's end as Last-Modified (ADR 139); a stale ETag gets the bytes again.
    const lastModified = tile.headers.get('last-modified')!
    expect(Date.parse(lastModified)).toBeGreaterThan(0)
    expect((await fetch(url, { headers: { 'if-modified-since': lastModified } })).status).toBe(304)
    expect((await fetch(url, { headers: { 'if-none-match': '"stale"' } })).status).toBe(200)
    // Not a tile: 404; outside the data: an empty tile.
    expect((await fetch(`${plaza.url}/tiles/1/16/99999999/1.pbf`)).status).toBe(404)
    const empty = await fetch(url.replace(`/${r.minX}/`, '/0/'))
    expect(empty.status).toBe(200)
    expect((await empty.arrayBuffer()).byteLength).toBe(0)

    const glyphs = await fetch(`${plaza.url}/fonts/NotoSans-Regular/0-255.pbf`)
    expect(glyphs.status).toBe(200)
    expect((await glyphs.arrayBuffer()).byteLength).toBeGreaterThan(10_000)
    expect(glyphs.headers.get('cache-control')).not.toContain('immutable')
    const versioned = await fetch(style.glyphs.replace('{fontstack}', 'NotoSans-Regular').replace('{range}', '0-255'))
    expect(versioned.status).toBe(200)
    expect(versioned.headers.get('cache-control')).toContain('immutable')
    expect(versioned.headers.get('content-type')).toBe('application/x-protobuf')
    expect(Buffer.from(await versioned.arrayBuffer()).equals(Buffer.from(await (await fetch(`${plaza.url}/fonts/NotoSans-Regular/0-255.pbf`)).arrayBuffer()))).toBe(true)
    expect((await fetch(style.glyphs.replace('{fontstack}', 'NotoSans-Regular').replace('{range}', '0-255'), { headers: { 'if-none-match': versioned.headers.get('etag')! } })).status).toBe(304)
    // A style read before the glyphs changed names an older version: the current bytes, not kept for a year.
    const old = await fetch(`${plaza.url}/fonts/000000000000/NotoSans-Regular/0-255.pbf`)
    expect(old.status).toBe(200)
    expect(old.headers.get('cache-control')).not.toContain('immutable')
    expect((await fetch(`${plaza.url}/fonts/000000000000/NotoSans-Regular/1-2.pbf`)).status).toBe(404)
    const missing = await fetch(`${plaza.url}/fonts/NotoSans-Regular/19968-20223.pbf`)
    expect(missing.status).toBe(200)
    expect((await fetch(`${plaza.url}/fonts/NotoSans-Regular/1-2.pbf`)).status).toBe(404)
  })

  it('answers a tile ahead of the pipeline with the security lines for bytes, and hands everything else to it', async () => {
    const style = (await (await fetch(`${plaza.url}/styles/plaza.json`)).json()) as { sources: { basemap: { tiles: string[] } } }
    const r = tileRange([-1.5195, 41.3502, -1.5195, 41.3502], 16)
    const url = style.sources.basemap.tiles[0]!.replace('{z}', '16').replace('{x}', String(r.minX)).replace('{y}', String(r.minY))
    // The first request reads the database, the next ones memory: the same bytes and lines each time.
    const answers = []
    for (let i = 0; i < 3; i++) answers.push(await fetch(url))
    const bodies = await Promise.all(answers.map(async (a) => Buffer.from(await a.arrayBuffer())))
    for (const [i, a] of answers.entries()) {
      expect(a.status).toBe(200)
      expect(bodies[i]!.equals(bodies[0]!)).toBe(true)
      expect(a.headers.get('content-length')).toBe(String(bodies[0]!.length))
      expect(a.headers.get('etag')).toBe(answers[0]!.headers.get('etag'))
      expect(a.headers.get('x-content-type-options')).toBe('nosniff')
      expect(a.headers.get('cross-origin-resource-policy')).toBe('same-origin')
      expect(a.headers.get('x-frame-options')).toBe('DENY')
      expect(a.headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'")
    }
    const notModified = await fetch(url, { headers: { 'if-none-match': answers[2]!.headers.get('etag')! } })
    expect(notModified.status).toBe(304)
    expect(notModified.headers.get('x-content-type-options')).toBe('nosniff')
    // A query string, HEAD and a bad address go through the whole pipeline (request id, page CSP with a nonce).
    const withQuery = await fetch(`${url}?v=1`)
    expect(withQuery.status).toBe(200)
    expect(Buffer.from(await withQuery.arrayBuffer()).equals(bodies[0]!)).toBe(true)
    expect(withQuery.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    const head = await fetch(url, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('x-request-id')).toBeTruthy()
    const bad = await fetch(`${plaza.url}/tiles/1/16/99999999/1.pbf`)
    expect(bad.status).toBe(404)
    expect(bad.headers.get('x-request-id')).toBeTruthy()
    expect(bad.headers.get('content-security-policy')).toContain('nonce-')
  })

  it('finds addresses as JSON and as a page that works without JavaScript', async () => {
    for (const q of ['c/ major 12', 'Carrer Mayor 12']) {
      const res = await fetch(`${plaza.url}/search/address?q=${encodeURIComponent(q)}`, { headers: { accept: 'application/json' } })
      expect(res.status).toBe(200)
      const body = (await res.json()) as { results: Array<{ label: string; lat: number; lng: number }> }
      expect(body.results[0]?.label, q).toBe('Carrer Major 12')
    }
    const street = (await (await fetch(`${plaza.url}/search/address?q=carrer+major`, { headers: { accept: 'application/json' } })).json()) as { results: Array<{ label: string }> }
    expect(street.results[0]?.label).toBe('Carrer Major')
    // Answered before Remix: the cache headers, and a query too long is a 400 in JSON (not a 500).
    const typo = await fetch(`${plaza.url}/search/address?q=${encodeURIComponent('carrer majr 12')}`, { headers: { accept: 'application/json' } })
    expect(typo.headers.get('content-type')).toContain('application/json')
    expect(typo.headers.get('vary')).toContain('Accept')
    expect(typo.headers.get('cache-control')).toBe('public, max-age=60')
    expect(((await typo.json()) as { results: Array<{ label: string }> }).results[0]?.label).toBe('Carrer Major 12')
    const long = await fetch(`${plaza.url}/search/address?q=${'a'.repeat(300)}`, { headers: { accept: 'application/json' } })
    expect(long.status).toBe(400)
    expect(await long.json()).toEqual({ error: 'q: at most 200 characters' })
    expect(await (await fetch(`${plaza.url}/search/address`, { headers: { accept: 'application/json' } })).json()).toEqual({ query: '', results: [] })

    const v = await as('anonymous')
    const page = await v.get('/search/address?q=c%2F+major+12&return=/reports/new')
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('Carrer Major 12')
    expect(html).toMatch(/href="\/reports\/new\?lat=41\.\d+&amp;lng=-1\.\d+"/)
    // A return address elsewhere is ignored.
    expect(await (await v.get('/search/address?q=major&return=//evil.example/')).text()).not.toContain('evil.example/?lat')
    const tooLong = await v.get(`/search/address?q=${'a'.repeat(300)}`)
    expect(tooLong.status).toBe(400)
    expect(await tooLong.text()).toContain('at most 200 characters')

    const near = (await (await fetch(`${plaza.url}/search/address/reverse?lat=41.3502&lng=-1.5195`)).json()) as { address: { label: string } | null }
    expect(near.address?.label).toMatch(/^Carrer Major \d+$/)
    expect((await fetch(`${plaza.url}/search/address/reverse?lat=abc&lng=1`)).status).toBe(400)
  })

  it('lets only administrators see and use /admin/basemap', async () => {
    expect((await (await as('anonymous')).get('/admin/basemap')).status).toBe(302)
    for (const who of ['citizen', 'roads', 'moderator']) {
      const v = await as(who)
      expect((await v.get('/admin/basemap')).status, who).toBe(403)
      const f = new FormData()
      f.set('file', new Blob(['<osm></osm>']), 'x.osm')
      expect((await v.post('/admin/basemap', f)).status, who).toBe(403)
    }
    const admin = await as('admin')
    const page = await admin.get('/admin/basemap')
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('valmera.osm.pbf')
    expect(html).toContain('address points')
    const none = new FormData()
    none.set('file', new Blob([]), '')
    const refused = await admin.post('/admin/basemap', none)
    expect(refused.status).toBe(400)
    expect(await refused.text()).toContain('Choose a file to import')
  })

  it('shows "Near <address>" on located report, proposal and petition pages and in the report feed', async () => {
    // Open311 names each report's nearest address; the report's page and the feed say the same.
    const listed = (await (await fetch(`${plaza.url}/open311/v2/requests.json?page_size=20`)).json()) as Array<{ service_request_id: string; address: string | null; lat: number; long: number }>
    const located = listed.find((r) => r.address && /^[^,]+ \d+\w*, /.test(r.address))
    expect(located, 'a demo report near an address').toBeTruthy()
    const label = located!.address!.split(', ')[0]!
    const page = await (await fetch(`${plaza.url}/reports/${located!.service_request_id}`, { headers: { 'accept-language': 'en' } })).text()
    expect(page).toContain(`Near ${label}`)
    const feed = await (await fetch(`${plaza.url}/feeds/reports.rss`, { headers: { 'accept-language': 'en' } })).text()
    expect(feed).toMatch(/Near [^<·]+ \d+/)
    const proposals = await (await fetch(`${plaza.url}/proposals`)).text()
    const proposalIds = [...proposals.matchAll(/href="\/proposals\/(\d+)"/g)].map((m) => m[1])
    let shown = 0
    for (const id of proposalIds.slice(0, 10)) if ((await (await fetch(`${plaza.url}/proposals/${id}`)).text()).includes('data-testid="near-line"')) shown++
    expect(shown).toBeGreaterThan(0)
    const petitions = await (await fetch(`${plaza.url}/petitions`)).text()
    const petitionIds = [...petitions.matchAll(/href="\/petitions\/(\d+)"/g)].map((m) => m[1])
    let petitionShown = 0
    for (const id of petitionIds.slice(0, 10)) if ((await (await fetch(`${plaza.url}/petitions/${id}`)).text()).includes('data-testid="near-line"')) petitionShown++
    expect(petitionShown).toBeGreaterThan(0)
  })
})
