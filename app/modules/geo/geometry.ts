/**
 * Pure GeoJSON geometry helpers for area boundaries (no DB, no I/O).
 *
 * Coordinates follow RFC 7946: `[longitude, latitude]` in WGS84 degrees.
 */

/** A `[lng, lat]` pair. */
export type Position = [number, number]

export type PolygonGeometry = { type: 'Polygon'; coordinates: Position[][] }
export type MultiPolygonGeometry = { type: 'MultiPolygon'; coordinates: Position[][][] }
export type AreaGeometry = PolygonGeometry | MultiPolygonGeometry

/** Mean Earth radius (IUGG), metres. */
const EARTH_RADIUS_M = 6_371_008.8
const DEG = Math.PI / 180

/** The polygons of a geometry, as MultiPolygon coordinates (a Polygon becomes `[coordinates]`). */
export function polygonsOf(g: AreaGeometry): Position[][][] {
  return g.type === 'Polygon' ? [g.coordinates] : g.coordinates
}

/** `[minLng, minLat, maxLng, maxLat]`. Throws on a geometry without positions. */
export function bboxOf(g: AreaGeometry): [number, number, number, number] {
  let minLng = Infinity
  let minLat = Infinity
  let maxLng = -Infinity
  let maxLat = -Infinity
  for (const polygon of polygonsOf(g)) {
    for (const ring of polygon) {
      for (const [lng, lat] of ring) {
        if (lng < minLng) minLng = lng
        if (lng > maxLng) maxLng = lng
        if (lat < minLat) minLat = lat
        if (lat > maxLat) maxLat = lat
      }
    }
  }
  if (minLng > maxLng) throw new Error('bboxOf: empty geometry')
  return [minLng, minLat, maxLng, maxLat]
}

/** True when the ring has at least 4 positions and its first and last positions are equal. */
export function isClosedRing(ring: readonly Position[]): boolean {
  if (ring.length < 4) return false
  const first = ring[0]!
  const last = ring[ring.length - 1]!
  return first[0] === last[0] && first[1] === last[1]
}

/**
 * Signed area of a ring in square metres: positive when counter-clockwise (an RFC 7946
 * outer ring), negative when clockwise (a hole). Works on open or closed rings.
 *
 * Shoelace formula on a cylindrical equal-area projection (x = R·λ, y = R·sin φ). Like a
 * local equirectangular projection it is plenty for city-sized shapes, but it needs no
 * reference latitude, so areas are additive across geometries: area(A) + area(B) equals
 * area(A ∪ B) for adjacent A and B, which is what comparisons between areas rely on.
 */
export function ringSignedAreaSquareMetres(ring: readonly Position[]): number {
  const n = ring.length
  if (n < 3) return 0
  // Coordinates relative to the first position keep the products small (less rounding error).
  const [lng0, lat0] = ring[0]!
  const sinLat0 = Math.sin(lat0 * DEG)
  let twice = 0
  let prevX = 0
  let prevY = 0
  for (let i = 1; i <= n; i++) {
    const [lng, lat] = ring[i % n]!
    const x = (lng - lng0) * DEG
    const y = Math.sin(lat * DEG) - sinLat0
    twice += prevX * y - x * prevY
    prevX = x
    prevY = y
  }
  return (twice / 2) * EARTH_RADIUS_M * EARTH_RADIUS_M
}

/**
 * Area in square metres: for each polygon, its outer ring minus its holes
 * (ring orientation does not matter).
 */
export function areaSquareMetres(g: AreaGeometry): number {
  let total = 0
  for (const polygon of polygonsOf(g)) {
    polygon.forEach((ring, i) => {
      const a = Math.abs(ringSignedAreaSquareMetres(ring))
      total += i === 0 ? a : -a
    })
  }
  return total
}

/**
 * Point in polygon, even–odd rule over every ring (so holes are outside), with HALF-OPEN edges:
 * a point exactly on an edge counts as inside only when the area lies to its east (for a
 * north–south edge) or to its north (for an east–west edge). Areas that share a border (the demo
 * city's areas are noded so that shared edges are identical vertex by vertex) therefore own each
 * border point exactly once: a point on a shared border belongs to the area east of it, or north of
 * it when the border runs east–west. Edges are evaluated lowest end first so that both areas of a
 * shared edge compute the same intersection, bit for bit.
 */
export function ringCrossings(ring: readonly Position[], lng: number, lat: number): number {
  let crossings = 0
  const n = ring.length
  for (let i = 0, j = n - 1; i < n; j = i++) {
    let a = ring[j]!
    let b = ring[i]!
    if (a[1] === b[1]) continue // horizontal edges never cross a horizontal ray
    if (a[1] > b[1]) [a, b] = [b, a]
    // Half-open in latitude: [a.lat, b.lat).
    if (lat < a[1] || lat >= b[1]) continue
    const x = a[0] + ((lat - a[1]) * (b[0] - a[0])) / (b[1] - a[1])
    // The ray runs east: an edge passing exactly through the point is not crossed.
    if (lng < x) crossings++
  }
  return crossings
}

export function polygonContains(polygon: readonly (readonly Position[])[], lng: number, lat: number): boolean {
  let crossings = 0
  for (const ring of polygon) crossings += ringCrossings(ring, lng, lat)
  return crossings % 2 === 1
}

export function geometryContains(g: AreaGeometry, lng: number, lat: number): boolean {
  for (const polygon of polygonsOf(g)) if (polygonContains(polygon, lng, lat)) return true
  return false
}

/**
 * A point certainly inside the geometry (a centroid can fall in a hole or outside a crescent):
 * the middle of the widest inside stretch along a few horizontal lines across the bounding box.
 */
export function interiorPoint(g: AreaGeometry): Position {
  const [minLng, minLat, maxLng, maxLat] = bboxOf(g)
  let best: { width: number; point: Position } | null = null
  for (const f of [0.5, 0.35, 0.65, 0.2, 0.8, 0.1, 0.9]) {
    const lat = minLat + (maxLat - minLat) * f
    const xs: number[] = []
    for (const polygon of polygonsOf(g)) {
      for (const ring of polygon) {
        for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
          const a = ring[j]!
          const b = ring[i]!
          if ((a[1] <= lat && b[1] > lat) || (b[1] <= lat && a[1] > lat)) xs.push(a[0] + ((lat - a[1]) * (b[0] - a[0])) / (b[1] - a[1]))
        }
      }
    }
    xs.sort((p, q) => p - q)
    for (let i = 0; i + 1 < xs.length; i++) {
      const mid = (xs[i]! + xs[i + 1]!) / 2
      const width = xs[i + 1]! - xs[i]!
      if (width > (best?.width ?? 0) && geometryContains(g, mid, lat)) best = { width, point: [mid, lat] }
    }
    if (best) return best.point
  }
  return [(minLng + maxLng) / 2, (minLat + maxLat) / 2]
}

export type BBox = [west: number, south: number, east: number, north: number]

/** Web Mercator's latitude limit: beyond it a map has no pixels. */
export const MAX_MERCATOR_LAT = 85.0511287798

/**
 * Checks a bounding box `[west, south, east, north]` in degrees. Plaza serves one city, so boxes
 * never cross the antimeridian: west < east is required. Returns a message key or null.
 */
export function bboxProblem(b: readonly number[]): 'bboxShape' | 'bboxRange' | 'bboxOrder' | null {
  if (b.length !== 4 || b.some((v) => !Number.isFinite(v))) return 'bboxShape'
  const [w, s, e, n] = b as BBox
  if (w < -180 || e > 180 || s < -90 || n > 90) return 'bboxRange'
  if (!(w < e) || !(s < n)) return 'bboxOrder'
  return null
}

/** World size in Web Mercator units used for items' integer coordinates (2^24 per axis). */
export const MERCATOR_WORLD = 2 ** 24

/** Web Mercator x in [0, MERCATOR_WORLD) as an integer. */
export function mercatorX(lng: number): number {
  const x = Math.floor(((lng + 180) / 360) * MERCATOR_WORLD)
  return Math.min(MERCATOR_WORLD - 1, Math.max(0, x))
}

/** Web Mercator y in [0, MERCATOR_WORLD) as an integer, growing southwards (as on screen). */
export function mercatorY(lat: number): number {
  const clamped = Math.max(-MAX_MERCATOR_LAT, Math.min(MAX_MERCATOR_LAT, lat))
  const phi = (clamped * Math.PI) / 180
  const y = Math.floor(((1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2) * MERCATOR_WORLD)
  return Math.min(MERCATOR_WORLD - 1, Math.max(0, y))
}

export const lngOfMercatorX = (x: number) => (x / MERCATOR_WORLD) * 360 - 180
export const latOfMercatorY = (y: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / MERCATOR_WORLD))) * 180) / Math.PI

/**
 * A point-in-area test prepared for one geometry: the same half-open even–odd answer as
 * geometryContains, but a geometry with many edges (a city's boundary: tens of thousands) has them
 * sorted into latitude bands first, so a test reads only the edges of the point's band.
 */
export function preparedContains(g: AreaGeometry): (lng: number, lat: number) => boolean {
  const polygons = polygonsOf(g)
  let edgeCount = 0
  for (const p of polygons) for (const r of p) edgeCount += r.length
  if (edgeCount <= 512) return (lng, lat) => geometryContains(g, lng, lat)
  const [, minLat, , maxLat] = bboxOf(g)
  const bands = Math.min(4096, Math.max(16, Math.round(edgeCount / 8)))
  const h = (maxLat - minLat) / bands || 1
  const lists: number[][] = Array.from({ length: bands }, () => [])
  // Per edge: polygon index, lower end (lng, lat), upper end (lng, lat), as in ringCrossings.
  const edges: number[] = []
  polygons.forEach((polygon, pi) => {
    for (const ring of polygon) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        let a = ring[j]!
        let b = ring[i]!
        if (a[1] === b[1]) continue
        if (a[1] > b[1]) [a, b] = [b, a]
        const e = edges.length / 5
        edges.push(pi, a[0], a[1], b[0], b[1])
        const first = Math.max(0, Math.floor((a[1] - minLat) / h))
        const last = Math.min(bands - 1, Math.floor((b[1] - minLat) / h))
        for (let k = first; k <= last; k++) lists[k]!.push(e)
      }
    }
  })
  const flat = Float64Array.from(edges)
  const bandEdges = lists.map((l) => Int32Array.from(l))
  const counts = new Uint32Array(polygons.length)
  return (lng, lat) => {
    if (lat < minLat || lat > maxLat) return false
    const band = bandEdges[Math.min(bands - 1, Math.floor((lat - minLat) / h))]!
    counts.fill(0)
    for (let k = 0; k < band.length; k++) {
      const o = band[k]! * 5
      const ay = flat[o + 2]!
      const by = flat[o + 4]!
      if (lat < ay || lat >= by) continue
      const ax = flat[o + 1]!
      const x = ax + ((lat - ay) * (flat[o + 3]! - ax)) / (by - ay)
      if (lng < x) counts[flat[o]!]!++
    }
    for (let p = 0; p < counts.length; p++) if (counts[p]! % 2 === 1) return true
    return false
  }
}
