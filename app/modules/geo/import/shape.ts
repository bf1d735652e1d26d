import { ringSignedAreaSquareMetres, type AreaGeometry, type Position } from '../geometry'

/**
 * Pure geometry checks and fixes for imported polygons (no DB, no I/O): self-intersections found by
 * a sweep over the segments' x-ranges (O(n log n + k), so a boundary of 100,000 vertices is checked
 * in milliseconds, where testing every pair would take minutes), winding fixed to RFC 7946, and the
 * simplified copy used for drawing.
 */

/** Where two segments of the same polygon cross or touch: the point, and the rings involved. */
export interface Crossing {
  at: Position
  rings: [number, number]
}

function orientation(a: Position, b: Position, c: Position): number {
  const v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
  return v > 0 ? 1 : v < 0 ? -1 : 0
}

function onSegment(a: Position, b: Position, p: Position): boolean {
  return Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1])
}

/** The point where segments ab and cd meet, or null when they do not. */
export function segmentsMeet(a: Position, b: Position, c: Position, d: Position): Position | null {
  const o1 = orientation(a, b, c)
  const o2 = orientation(a, b, d)
  const o3 = orientation(c, d, a)
  const o4 = orientation(c, d, b)
  if (o1 !== o2 && o3 !== o4) {
    const den = (a[0] - b[0]) * (c[1] - d[1]) - (a[1] - b[1]) * (c[0] - d[0])
    if (den === 0) return c
    const t = ((a[0] - c[0]) * (c[1] - d[1]) - (a[1] - c[1]) * (c[0] - d[0])) / den
    return [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]
  }
  if (o1 === 0 && onSegment(a, b, c)) return c
  if (o2 === 0 && onSegment(a, b, d)) return d
  if (o3 === 0 && onSegment(c, d, a)) return a
  if (o4 === 0 && onSegment(c, d, b)) return b
  return null
}

/**
 * The first crossing between segments of one polygon's rings (outer and holes), or null. Adjacent
 * segments of a ring share their end point and are not crossings; anything else that meets is
 * (a ring crossing or touching itself, a hole crossing the outer ring).
 */
export function firstCrossing(rings: readonly (readonly Position[])[]): Crossing | null {
  type Seg = { ring: number; i: number; n: number; a: Position; b: Position; minX: number; maxX: number }
  const segs: Seg[] = []
  rings.forEach((ring, r) => {
    const n = ring.length - 1 // closed rings: the last position repeats the first
    for (let i = 0; i < n; i++) {
      const a = ring[i]!
      const b = ring[i + 1]!
      if (a[0] === b[0] && a[1] === b[1]) continue // a repeated vertex is harmless
      segs.push({ ring: r, i, n, a, b, minX: Math.min(a[0], b[0]), maxX: Math.max(a[0], b[0]) })
    }
  })
  segs.sort((p, q) => p.minX - q.minX)
  const active: Seg[] = []
  for (const s of segs) {
    // Drop the segments that end before this one starts.
    for (let k = active.length - 1; k >= 0; k--) if (active[k]!.maxX < s.minX) active.splice(k, 1)
    for (const o of active) {
      if (Math.max(o.a[1], o.b[1]) < Math.min(s.a[1], s.b[1]) || Math.min(o.a[1], o.b[1]) > Math.max(s.a[1], s.b[1])) continue
      if (o.ring === s.ring) {
        const d = Math.abs(o.i - s.i)
        if (d === 1 || d === s.n - 1) {
          // Neighbours share one end; they cross only when they fold back over each other.
          const shared = o.b[0] === s.a[0] && o.b[1] === s.a[1] ? { p: o.a, q: s.b, m: s.a } : { p: s.a, q: o.b, m: o.a }
          if (orientation(shared.p, shared.m, shared.q) === 0 && (onSegment(shared.m, shared.p, shared.q) || onSegment(shared.m, shared.q, shared.p))) {
            return { at: shared.m, rings: [o.ring, s.ring] }
          }
          continue
        }
      }
      const at = segmentsMeet(o.a, o.b, s.a, s.b)
      if (at) return { at, rings: [Math.min(o.ring, s.ring), Math.max(o.ring, s.ring)] }
    }
    active.push(s)
  }
  return null
}

/** RFC 7946 winding: outer rings counter-clockwise, holes clockwise. Returns new coordinates. */
export function rewindPolygon(rings: Position[][]): Position[][] {
  return rings.map((ring, i) => {
    const ccw = ringSignedAreaSquareMetres(ring) > 0
    return (i === 0) === ccw ? ring : [...ring].reverse()
  })
}

export function rewind(g: AreaGeometry): AreaGeometry {
  return g.type === 'Polygon' ? { type: 'Polygon', coordinates: rewindPolygon(g.coordinates) } : { type: 'MultiPolygon', coordinates: g.coordinates.map(rewindPolygon) }
}

/** Douglas–Peucker on one closed ring, keeping at least 4 positions. */
function simplifyRing(ring: Position[], tolerance: number): Position[] {
  if (ring.length <= 5) return ring
  const keep = new Uint8Array(ring.length)
  keep[0] = 1
  keep[ring.length - 1] = 1
  const stack: Array<[number, number]> = [[0, ring.length - 1]]
  const tol2 = tolerance * tolerance
  while (stack.length) {
    const [first, last] = stack.pop()!
    const a = ring[first]!
    const b = ring[last]!
    const dx = b[0] - a[0]
    const dy = b[1] - a[1]
    const len2 = dx * dx + dy * dy
    let worst = -1
    let worstD = tol2
    for (let i = first + 1; i < last; i++) {
      const p = ring[i]!
      let d: number
      if (len2 === 0) d = (p[0] - a[0]) ** 2 + (p[1] - a[1]) ** 2
      else {
        const t = Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2))
        d = (p[0] - a[0] - t * dx) ** 2 + (p[1] - a[1] - t * dy) ** 2
      }
      if (d > worstD) {
        worstD = d
        worst = i
      }
    }
    if (worst >= 0) {
      keep[worst] = 1
      stack.push([first, worst], [worst, last])
    }
  }
  const out = ring.filter((_, i) => keep[i])
  if (out.length >= 4) return out
  // Too small to simplify: keep a quadrilateral's worth of the original.
  const step = (ring.length - 1) / 3
  return [ring[0]!, ring[Math.round(step)]!, ring[Math.round(2 * step)]!, ring[ring.length - 1]!]
}

/**
 * A copy for drawing: vertices closer than `tolerance` degrees to the simplified line are dropped.
 * (Drawing only: point-in-area always uses the exact geometry.)
 */
export function simplify(g: AreaGeometry, tolerance: number): AreaGeometry {
  const polygon = (rings: Position[][]) => rings.map((r) => simplifyRing(r, tolerance))
  return g.type === 'Polygon' ? { type: 'Polygon', coordinates: polygon(g.coordinates) } : { type: 'MultiPolygon', coordinates: g.coordinates.map(polygon) }
}

export function vertexCount(g: AreaGeometry): number {
  let n = 0
  for (const p of g.type === 'Polygon' ? [g.coordinates] : g.coordinates) for (const r of p) n += r.length
  return n
}
