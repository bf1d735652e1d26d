import { describe, it, expect } from 'vitest'
import polygonClipping from 'polygon-clipping'
import { generateCity, type DemoArea, type DemoCity } from './city'
import { areaSquareMetres, bboxOf, isClosedRing, polygonsOf, ringSignedAreaSquareMetres, type AreaGeometry, type Position } from '../../app/modules/geo/geometry'

const CENTRE: Position = [-1.52, 41.35]
const M_PER_DEG_LAT = (6_371_008.8 * Math.PI) / 180

const multi = (coordinates: Position[][][]): AreaGeometry => ({ type: 'MultiPolygon', coordinates })
/** Area of a polygon-clipping result, m². */
const pcArea = (coordinates: Position[][][]): number => (coordinates.length ? areaSquareMetres(multi(coordinates)) : 0)

/** Leftover area accepted from clipping noise, m²: 1 m² or a millionth of the area compared. */
const tolerance = (area: number): number => Math.max(1, area * 1e-6)

const byLevel = (city: DemoCity, level: DemoArea['level']): DemoArea[] => city.areas.filter((a) => a.level === level)
const childrenOf = (city: DemoCity, parent: DemoArea): DemoArea[] => city.areas.filter((a) => a.parentSlug === parent.slug)
const hasHole = (a: DemoArea): boolean => polygonsOf(a.geometry).some((p) => p.length > 1)

/** Even-odd point-in-geometry test over every ring (so holes count as outside). */
function inRing([x, y]: Position, ring: Position[]): boolean {
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!
    const [xj, yj] = ring[j]!
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}
const inGeometry = (p: Position, g: AreaGeometry): boolean => polygonsOf(g).some((poly) => poly.reduce((acc, ring) => (inRing(p, ring) ? !acc : acc), false))

/**
 * Points in the river: along a meridian, the gaps between stretches of city land whose
 * midpoint lies inside no ring at all (a gap inside a hole ring would be the lake).
 */
function riverPoints(city: AreaGeometry, lng: number): { point: Position; widthM: number }[] {
  const rings = polygonsOf(city).flat()
  const crossings: number[] = []
  for (const ring of rings) {
    for (let i = 1; i < ring.length; i++) {
      const [x1, y1] = ring[i - 1]!
      const [x2, y2] = ring[i]!
      if (x1 > lng !== x2 > lng) crossings.push(y1 + ((lng - x1) * (y2 - y1)) / (x2 - x1))
    }
  }
  crossings.sort((a, b) => a - b)
  const gaps: { point: Position; widthM: number }[] = []
  for (let i = 1; i + 1 < crossings.length; i += 2) {
    const point: Position = [lng, (crossings[i]! + crossings[i + 1]!) / 2]
    if (rings.every((r) => !inRing(point, r))) gaps.push({ point, widthM: (crossings[i + 1]! - crossings[i]!) * M_PER_DEG_LAT })
  }
  return gaps
}

describe('generateCity', () => {
  const city = generateCity(1)
  const [cityArea] = byLevel(city, 'city')
  const districts = byLevel(city, 'district')
  const neighbourhoods = byLevel(city, 'neighbourhood')

  it('is deterministic for a seed and varies with the seed', () => {
    const json = JSON.stringify(city)
    expect(JSON.stringify(generateCity(1))).toBe(json)
    expect(JSON.stringify(generateCity())).toBe(json)
    expect(JSON.stringify(generateCity(2))).not.toBe(json)
  })

  it('names the city, its river and its areas', () => {
    expect(city).toMatchObject({ name: 'Valmera', slug: 'valmera', river: 'Lume' })
    expect(cityArea).toMatchObject({ slug: 'valmera', name: 'Valmera', parentSlug: null })
    expect(new Set(city.areas.map((a) => a.name)).size).toBe(city.areas.length)
    expect(new Set(city.areas.map((a) => a.slug)).size).toBe(city.areas.length)
    for (const a of city.areas) expect(a.slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/)
  })

  it.each([1, 2, 7, 42])('seed %i: has 1 city, 8 districts, 35–45 neighbourhoods, each with a parent of the right level', (seed) => {
    const c = generateCity(seed)
    expect(byLevel(c, 'city')).toHaveLength(1)
    expect(byLevel(c, 'district')).toHaveLength(8)
    const hoods = byLevel(c, 'neighbourhood')
    expect(hoods.length).toBeGreaterThanOrEqual(35)
    expect(hoods.length).toBeLessThanOrEqual(45)
    const bySlug = new Map(c.areas.map((a) => [a.slug, a]))
    expect(bySlug.size).toBe(c.areas.length)
    for (const d of byLevel(c, 'district')) {
      expect(d.parentSlug).toBe('valmera')
      expect(childrenOf(c, d).length).toBeGreaterThanOrEqual(3)
    }
    for (const h of hoods) expect(bySlug.get(h.parentSlug ?? '')?.level).toBe('district')
  })

  it.each([1, 2, 7, 42])('seed %i: is valid RFC 7946 geometry, rounded to 6 decimals, around the centre', (seed) => {
    const c = generateCity(seed)
    for (const a of c.areas) {
      const polygons = polygonsOf(a.geometry)
      expect(polygons.length, a.slug).toBeGreaterThan(0)
      for (const polygon of polygons) {
        polygon.forEach((ring, i) => {
          expect(isClosedRing(ring), a.slug).toBe(true)
          expect(ring.length).toBeGreaterThanOrEqual(4)
          const signed = ringSignedAreaSquareMetres(ring)
          if (i === 0) expect(signed, `${a.slug} outer ring`).toBeGreaterThan(0)
          else expect(signed, `${a.slug} hole`).toBeLessThan(0)
          for (const [lng, lat] of ring) {
            expect(Number.isFinite(lng) && Number.isFinite(lat)).toBe(true)
            expect(Math.abs(lng - CENTRE[0])).toBeLessThanOrEqual(0.12)
            expect(Math.abs(lat - CENTRE[1])).toBeLessThanOrEqual(0.12)
            expect(Math.round(lng * 1e6) / 1e6).toBe(lng)
            expect(Math.round(lat * 1e6) / 1e6).toBe(lat)
          }
        })
      }
      expect(areaSquareMetres(a.geometry), a.slug).toBeGreaterThanOrEqual(50_000)
    }
  })

  it('has a city of plausible size, ~5–6 km in radius', () => {
    const areaKm2 = areaSquareMetres(cityArea!.geometry) / 1e6
    expect(areaKm2).toBeGreaterThan(60)
    expect(areaKm2).toBeLessThan(140)
    const [minLng, minLat, maxLng, maxLat] = bboxOf(cityArea!.geometry)
    const heightKm = ((maxLat - minLat) * M_PER_DEG_LAT) / 1000
    const widthKm = ((maxLng - minLng) * M_PER_DEG_LAT * Math.cos((CENTRE[1] * Math.PI) / 180)) / 1000
    for (const km of [heightKm, widthKm]) {
      expect(km).toBeGreaterThan(8)
      expect(km).toBeLessThan(15)
    }
    expect(polygonsOf(cityArea!.geometry)[0]![0]!.length).toBeGreaterThanOrEqual(64)
  })

  it('has districts that do not overlap each other', () => {
    for (let i = 0; i < districts.length; i++) {
      for (let j = i + 1; j < districts.length; j++) {
        const a = districts[i]!
        const b = districts[j]!
        const overlap = pcArea(polygonClipping.intersection(polygonsOf(a.geometry), polygonsOf(b.geometry)))
        expect(overlap, `${a.slug} ∩ ${b.slug}`).toBeLessThan(1)
      }
    }
  })

  it('has neighbourhoods that do not overlap within a district', () => {
    for (const d of districts) {
      const hoods = childrenOf(city, d)
      for (let i = 0; i < hoods.length; i++) {
        for (let j = i + 1; j < hoods.length; j++) {
          const a = hoods[i]!
          const b = hoods[j]!
          const overlap = pcArea(polygonClipping.intersection(polygonsOf(a.geometry), polygonsOf(b.geometry)))
          expect(overlap, `${a.slug} ∩ ${b.slug}`).toBeLessThan(1)
        }
      }
    }
  })

  it('has neighbourhoods inside their district and covering it', () => {
    for (const d of districts) {
      const hoods = childrenOf(city, d)
      const district = polygonsOf(d.geometry)
      for (const h of hoods) {
        const outside = pcArea(polygonClipping.difference(polygonsOf(h.geometry), district))
        expect(outside, `${h.slug} \\ ${d.slug}`).toBeLessThan(1)
      }
      const [first, ...rest] = hoods.map((h) => polygonsOf(h.geometry))
      const union = polygonClipping.union(first!, ...rest)
      const districtArea = areaSquareMetres(d.geometry)
      expect(Math.abs(pcArea(union) - districtArea) / districtArea).toBeLessThan(1e-3)
      // Symmetric difference too (much stricter): equal areas could still hide a misplaced piece.
      expect(pcArea(polygonClipping.xor(union, district))).toBeLessThan(tolerance(districtArea))
    }
  })

  it('has districts covering the city exactly', () => {
    const [first, ...rest] = districts.map((d) => polygonsOf(d.geometry))
    const union = polygonClipping.union(first!, ...rest)
    const area = areaSquareMetres(cityArea!.geometry)
    expect(Math.abs(pcArea(union) - area) / area).toBeLessThan(1e-3)
    expect(pcArea(polygonClipping.xor(union, polygonsOf(cityArea!.geometry)))).toBeLessThan(tolerance(area))
  })

  it('leaves the river out: the city is a MultiPolygon and mid-river points are in no area', () => {
    expect(cityArea!.geometry.type).toBe('MultiPolygon')
    expect(polygonsOf(cityArea!.geometry).length).toBeGreaterThanOrEqual(2)
    const [minLng, , maxLng] = bboxOf(cityArea!.geometry)
    for (const f of [0.25, 0.5, 0.75]) {
      const gaps = riverPoints(cityArea!.geometry, minLng + f * (maxLng - minLng))
      expect(gaps.length, `river crossings at ${f}`).toBeGreaterThanOrEqual(1)
      for (const { point, widthM } of gaps) {
        expect(widthM).toBeGreaterThan(40)
        expect(widthM).toBeLessThan(500)
        for (const a of city.areas) expect(inGeometry(point, a.geometry), `${a.slug} contains ${point}`).toBe(false)
      }
    }
  })

  it('has a lake (a hole in the city, one district and one neighbourhood) and a river island', () => {
    expect(hasHole(cityArea!)).toBe(true)
    const holedDistricts = districts.filter(hasHole)
    const holedHoods = neighbourhoods.filter(hasHole)
    expect(holedDistricts).toHaveLength(1)
    expect(holedHoods).toHaveLength(1)
    expect(holedHoods[0]!.parentSlug).toBe(holedDistricts[0]!.slug)
    // A point inside the lake is in no area, while the lake is within the district's bbox.
    const lake = polygonsOf(holedHoods[0]!.geometry).find((p) => p.length > 1)![1]!
    const [x0, y0, x1, y1] = bboxOf({ type: 'Polygon', coordinates: [lake] })
    const inLake: Position = [(x0 + x1) / 2, (y0 + y1) / 2]
    expect(inRing(inLake, lake)).toBe(true)
    for (const a of city.areas) expect(inGeometry(inLake, a.geometry), a.slug).toBe(false)

    // The island: a polygon of the city shared, identically, by one district and one of its
    // neighbourhoods (which are therefore MultiPolygons).
    const key = (p: Position[][]): string => JSON.stringify(p)
    const cityPolygons = polygonsOf(cityArea!.geometry).map(key)
    expect(cityPolygons.length).toBeGreaterThanOrEqual(3)
    const islandDistricts = districts.filter((d) => d.geometry.type === 'MultiPolygon')
    expect(islandDistricts).toHaveLength(1)
    const island = polygonsOf(islandDistricts[0]!.geometry)
      .map(key)
      .find((p) => cityPolygons.includes(p))
    expect(island).toBeDefined()
    const islandHoods = childrenOf(city, islandDistricts[0]!).filter((h) => polygonsOf(h.geometry).map(key).includes(island!))
    expect(islandHoods).toHaveLength(1)
    expect(islandHoods[0]!.geometry.type).toBe('MultiPolygon')
  })
})
