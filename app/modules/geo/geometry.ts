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
