import { sql } from 'kysely'
import { beforeAll, describe, expect, it } from 'vitest'
import { database, migrateOrThrow } from '../../app/lib/db.server'
import { seedDemo } from '../../db/seed/index'
import { areasContaining, forgetAreaGeometries } from '../../app/modules/geo/lookup.server'
import { interiorPoint, polygonsOf, type AreaGeometry, type Position } from '../../app/modules/geo/geometry'
import { areaCounts, forgetKinds, moveItem, placeItem, rebuildMapSummaries, registerKind, removeItem, setItemVisible, updateItem } from '../../app/modules/geo/map-index.server'
import { mapFeatures, parseFeaturesQuery, type FeaturesQuery } from '../../app/modules/geo/features.server'
import { resolveLocation } from '../../app/modules/geo/location.server'

/** The geo module against the demo city, in this process (tests/support/setup.ts gives a fresh database). */

const db = () => database()
let areas: Array<{ id: number; slug: string; level: string; parent_id: number | null; geometry: AreaGeometry }>

beforeAll(async () => {
  await migrateOrThrow(db())
  await seedDemo(db(), { seed: 1, scale: 1 })
  forgetAreaGeometries()
  forgetKinds()
  const rows = await db().db.selectFrom('areas').select(['id', 'slug', 'level', 'parent_id', 'geometry']).execute()
  areas = rows.map((r) => ({ ...r, geometry: JSON.parse(r.geometry) as AreaGeometry }))
  await db().write((trx) => registerKind(trx, { kind: 'test', urlPattern: '/tests/{id}', labelKey: 'geo:kinds.sample' }))
  await db().write((trx) => registerKind(trx, { kind: 'other', urlPattern: null, labelKey: 'geo:kinds.sample' }))
})

const area = (slug: string) => areas.find((a) => a.slug === slug)!

describe('areasContaining', () => {
  it('finds the city, the district and the neighbourhood, in that order', async () => {
    const n = area('el-molinar')
    const [lng, lat] = interiorPoint(n.geometry)
    const found = await areasContaining(lat, lng)
    expect(found.map((a) => a.level)).toEqual(['city', 'district', 'neighbourhood'])
    expect(found[2]!.slug).toBe('el-molinar')
    expect(found[1]!.id).toBe(n.parent_id)
  })

  it('leaves out the lake, a hole in its district and its neighbourhood', async () => {
    const district = area('ribera-nord')
    const hole = polygonsOf(district.geometry)[0]![1]!
    const [lng, lat] = interiorPoint({ type: 'Polygon', coordinates: [hole] })
    const found = await areasContaining(lat, lng)
    expect(found.map((a) => a.slug)).not.toContain('ribera-nord')
    expect(found.filter((a) => a.level === 'neighbourhood')).toEqual([])
  })

  it('counts every part of a MultiPolygon (the island district)', async () => {
    const island = area('ciutat-vella')
    expect(island.geometry.type).toBe('MultiPolygon')
    for (const polygon of polygonsOf(island.geometry)) {
      const [lng, lat] = interiorPoint({ type: 'Polygon', coordinates: polygon })
      expect((await areasContaining(lat, lng)).map((a) => a.slug)).toContain('ciutat-vella')
    }
  })

  it('puts every point of every shared border in exactly one neighbourhood', async () => {
    const neighbourhoods = areas.filter((a) => a.level === 'neighbourhood')
    const edges = new Map<string, string>()
    const key = (a: Position, b: Position) =>
      [a, b]
        .map((p) => p.join(','))
        .sort()
        .join('|')
    let shared = 0
    for (const n of neighbourhoods) {
      for (const polygon of polygonsOf(n.geometry)) {
        for (const ring of polygon) {
          for (let i = 0; i + 1 < ring.length; i++) {
            const k = key(ring[i]!, ring[i + 1]!)
            const other = edges.get(k)
            if (other && other !== n.slug) {
              shared++
              const [a, b] = [ring[i]!, ring[i + 1]!]
              for (const t of [0.5, 0.25]) {
                const lng = a[0] + (b[0] - a[0]) * t
                const lat = a[1] + (b[1] - a[1]) * t
                const inside = (await areasContaining(lat, lng)).filter((x) => x.level === 'neighbourhood')
                expect(inside.length, `${n.slug}/${other} at ${lng},${lat}`).toBe(1)
              }
              // A shared vertex may also lie on the city's outer edge (owned by nobody): never by two.
              const corner = (await areasContaining(a[1], a[0])).filter((x) => x.level === 'neighbourhood')
              expect(corner.length).toBeLessThanOrEqual(1)
            } else edges.set(k, n.slug)
          }
        }
      }
    }
    expect(shared).toBeGreaterThan(50)
  })

  it('answers [] outside the city and for nonsense', async () => {
    expect(await areasContaining(40, -1.52)).toEqual([])
    expect(await areasContaining(Number.NaN, 0)).toEqual([])
  })
})

describe('resolveLocation (the picker’s server side)', () => {
  it('resolves typed coordinates, with a decimal comma', async () => {
    const n = area('sant-roc')
    const [lng, lat] = interiorPoint(n.geometry)
    const r = await resolveLocation({ lat: String(lat).replace('.', ','), lng: String(lng) })
    expect(r.ok && r.location.areas.map((a) => a.slug)).toContain('sant-roc')
  })

  it('resolves an area chosen without JavaScript to a point inside it', async () => {
    const r = await resolveLocation({ lat: '', lng: '', area: 'l-estany' })
    expect(r.ok && r.location.source).toBe('area')
    expect(r.ok && r.location.areas.map((a) => a.slug)).toContain('l-estany')
  })

  it.each([
    [{ lat: '40', lng: '-1.52' }, 'location', 'picker.errors.outside'],
    [{ lat: '95', lng: '-1.52' }, 'lat', 'picker.errors.lat'],
    [{ lat: 'north', lng: '-1.52' }, 'lat', 'picker.errors.lat'],
    [{ lat: '41.35', lng: '' }, 'lng', 'picker.errors.lngMissing'],
    [{ area: 'atlantis' }, 'area', 'picker.errors.area'],
    [{ area: '<script>' }, 'area', 'picker.errors.area'],
    [{}, 'location', 'picker.errors.missing'],
  ])('refuses %j with a message for %s', async (fields, field, key) => {
    const r = await resolveLocation(fields)
    expect(r.ok).toBe(false)
    expect(!r.ok && r.errors[field]).toEqual([key])
  })
})

// Deterministic points spread over the city.
function cityPoints(count: number): Array<{ lat: number; lng: number }> {
  const [w, s, e, n] = [-1.58, 41.31, -1.46, 41.39]
  let seed = 42
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  return Array.from({ length: count }, () => ({ lng: w + (e - w) * random(), lat: s + (n - s) * random() }))
}

const countsSnapshot = async () => {
  const cells = await sql<{ k: string; n: number }>`select level || ':' || cx || ':' || cy || ':' || kind || ':' || status || ':' || category as k, n
    from map_cells where n <> 0 order by 1`.execute(db().db)
  const areaRows = await sql<{ k: string; n: number }>`select area_id || ':' || kind || ':' || status as k, n from map_area_counts where n <> 0 order by 1`.execute(db().db)
  return { cells: cells.rows, areas: areaRows.rows }
}

const query = (params: Record<string, string>): FeaturesQuery => {
  const parsed = parseFeaturesQuery(new URLSearchParams(params))
  if (!parsed.ok) throw new Error(parsed.problem)
  return parsed.query
}

describe('the map index', () => {
  const points = cityPoints(600)

  beforeAll(async () => {
    await db().write(async (trx) => {
      for (const [i, p] of points.entries()) {
        await placeItem(trx, {
          kind: i % 3 === 0 ? 'other' : 'test',
          itemId: i + 1,
          ...p,
          status: i % 2 ? 'open' : 'closed',
          category: i % 5 === 0 ? 'roads' : null,
          title: `Item ${i + 1}`,
          createdAt: new Date(Date.UTC(2026, 0, 1 + (i % 300))).toISOString(),
        })
      }
    })
  })

  it('keeps its summaries equal to a rebuild from scratch through place, update, move, hide and remove', async () => {
    await db().write(async (trx) => {
      expect(await updateItem(trx, 'test', 2, { status: 'fixed', category: 'lighting', title: 'Renamed' })).toBe(true)
      expect(await moveItem(trx, 'test', 5, { lat: 41.36, lng: -1.5 })).not.toBeNull()
      expect(await setItemVisible(trx, 'test', 8, false)).toBe(true)
      expect(await removeItem(trx, 'test', 11)).toBe(true)
      expect(await removeItem(trx, 'test', 99_999)).toBe(false)
      expect(await updateItem(trx, 'test', 99_999, { status: 'x' })).toBe(false)
      // Placing an existing item again replaces it.
      await placeItem(trx, { kind: 'test', itemId: 14, lat: 41.35, lng: -1.52, status: 'open', title: 'Again' })
    })
    const incremental = await countsSnapshot()
    await rebuildMapSummaries(db())
    expect(await countsSnapshot()).toEqual(incremental)
    expect(incremental.cells.length).toBeGreaterThan(100)
  })

  it('refuses an impossible point', async () => {
    await expect(db().write((trx) => placeItem(trx, { kind: 'test', itemId: 10_000, lat: 91, lng: 0, status: 'open', title: 'x' }))).rejects.toThrow(/invalid point/)
  })

  it('counts items per area, hidden ones excluded', async () => {
    const city = areas.find((a) => a.level === 'city')!
    const counts = await areaCounts(city.id)
    const visibleInCity = await sql<{ n: number }>`select count(*) as n from map_items i join map_item_areas a on a.map_item_id = i.id
      where a.area_id = ${city.id} and i.visible = 1`.execute(db().db)
    expect(counts.reduce((s, c) => s + c.n, 0)).toBe(visibleInCity.rows[0]!.n)
  })

  it('answers clusters whose counts add up to the visible items in the box it covers', async () => {
    const answer = await mapFeatures(query({ bbox: '-1.6,41.29,-1.44,41.41', zoom: '12' }), ['test', 'other'])
    expect(answer.plaza.clustered).toBe(true)
    const [w, s, e, n] = answer.bbox
    const expected = await sql<{ n: number }>`select count(*) as n from map_items
      where visible = 1 and kind in ('test', 'other') and lng >= ${w} and lng < ${e} and lat > ${s} and lat <= ${n}`.execute(db().db)
    const sum = answer.features.reduce((acc, f) => acc + (f.properties.cluster ? f.properties.count : 1), 0)
    expect(sum).toBe(expected.rows[0]!.n)
    expect(answer.plaza.total).toBe(sum)
    for (const f of answer.features) {
      if (f.properties.cluster) expect(Object.values(f.properties.counts).reduce((a, b) => a + b, 0)).toBe(f.properties.count)
    }
    expect(answer.features.length).toBeLessThanOrEqual(400)
  })

  it('answers points, with links, at street zoom', async () => {
    const answer = await mapFeatures(query({ bbox: '-1.525,41.355,-1.515,41.362', zoom: '16' }), ['test', 'other'])
    expect(answer.plaza.clustered).toBe(false)
    expect(answer.features.length).toBeGreaterThan(0)
    for (const f of answer.features) {
      expect(f.properties.cluster).toBe(false)
      if (!f.properties.cluster && f.properties.kind === 'test') expect(f.properties.url).toBe(`/tests/${f.properties.itemId}`)
      if (!f.properties.cluster && f.properties.kind === 'other') expect(f.properties.url).toBeNull()
    }
    expect(answer.features.some((f) => !f.properties.cluster && f.properties.itemId === 8)).toBe(false) // hidden
  })

  it.each([
    [{ status: 'open' }, 'i.status = ?', ['open']],
    [{ category: 'roads' }, 'i.category = ?', ['roads']],
    [{ since: '2026-06-01' }, 'i.created_at >= ?', ['2026-06-01T00:00:00.000Z']],
    [{ layers: 'other' }, "i.kind = 'other' and 1 = ?", [1]],
  ])('applies the filter %j', async (filter, condition, values) => {
    const kinds = 'layers' in filter ? ['other'] : ['test', 'other']
    const answer = await mapFeatures(query({ bbox: '-1.6,41.29,-1.44,41.41', zoom: '12', ...filter }), kinds)
    const [w, s, e, n] = answer.bbox
    // The condition's `?` become parameters (on either engine).
    const parts = condition.split('?')
    const where = sql.join(
      parts.map((part, i) => (i < values.length ? sql`${sql.raw(part)}${values[i]}` : sql.raw(part))),
      sql``,
    )
    const expected = (
      await sql<{
        n: number | string
      }>`select count(*) as n from map_items i where visible = 1 and kind in ('test', 'other') and lng >= ${w} and lng < ${e} and lat > ${s} and lat <= ${n} and ${where}`.execute(db().db)
    ).rows[0]!
    const sum = answer.features.reduce((acc, f) => acc + (f.properties.cluster ? f.properties.count : 1), 0)
    expect(sum).toBe(Number(expected.n))
    expect(sum).toBeGreaterThan(0)
    for (const f of answer.features) {
      if (!f.properties.cluster && 'status' in filter) expect(f.properties.status).toBe('open')
      if (!f.properties.cluster && 'layers' in filter) expect(f.properties.kind).toBe('other')
    }
  })
})
