import { describe, expect, it } from 'vitest'
import { geometryContains, preparedContains, type AreaGeometry, type Position } from './geometry'

// A star-shaped MultiPolygon with a hole and 4,000 edges: the banded test must answer exactly as the
// plain one, on random points and on vertices and edges (the half-open border rule).
function star(cx: number, cy: number, n: number, r0: number, r1: number): Position[] {
  const ring: Position[] = []
  for (let i = 0; i < n; i++) {
    const a = (i / n) * 2 * Math.PI
    const r = i % 2 ? r0 : r1
    ring.push([cx + r * Math.cos(a), cy + r * Math.sin(a)])
  }
  ring.push(ring[0]!)
  return ring
}
const geometry: AreaGeometry = {
  type: 'MultiPolygon',
  coordinates: [[star(2.1, 41.4, 3000, 0.05, 0.08), star(2.1, 41.4, 400, 0.01, 0.02).reverse()], [star(2.4, 41.4, 600, 0.03, 0.05)]],
}

describe('preparedContains', () => {
  it('answers as geometryContains everywhere, borders included', () => {
    const test = preparedContains(geometry)
    let seed = 7
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
    let inside = 0
    for (let i = 0; i < 20_000; i++) {
      const lng = 1.98 + random() * 0.5
      const lat = 41.3 + random() * 0.2
      const expected = geometryContains(geometry, lng, lat)
      if (expected) inside++
      expect(test(lng, lat)).toBe(expected)
    }
    expect(inside).toBeGreaterThan(1000)
    for (const polygon of geometry.coordinates) {
      for (const ring of polygon) {
        for (let i = 0; i + 1 < ring.length; i += 7) {
          const [a, b] = [ring[i]!, ring[i + 1]!]
          for (const p of [a, [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2] as Position]) expect(test(p[0], p[1])).toBe(geometryContains(geometry, p[0], p[1]))
        }
      }
    }
  })
})
