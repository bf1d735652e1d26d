import type { Position } from './read.server'

/**
 * Multipolygon relations (https://wiki.openstreetmap.org/wiki/Relation:multipolygon) made into
 * polygons with holes: the member ways are joined end to end by their node ids into closed rings
 * (a large park's outline is usually several ways), then every inner ring becomes a hole of the
 * outer ring that contains it. Rings that cannot be closed, and inner rings inside no outer ring,
 * are dropped: the rest of the relation is still drawn, as osmium and osm2pgsql do.
 */

export interface MemberWay {
  /** The way's node ids, in order. */
  refs: ArrayLike<number>
  role: string
}

/** Joins ways sharing end nodes into closed rings of node ids. */
export function joinRings(ways: Array<ArrayLike<number>>): number[][] {
  const open: number[][] = []
  const rings: number[][] = []
  for (const w of ways) {
    if (w.length < 2) continue
    const ids = Array.from(w)
    if (ids.length >= 4 && ids[0] === ids[ids.length - 1]) rings.push(ids)
    else open.push(ids)
  }
  while (open.length) {
    const ring = open.pop()!
    for (;;) {
      const last = ring[ring.length - 1]!
      if (ring[0] === last) break
      const at = open.findIndex((w) => w[0] === last || w[w.length - 1] === last)
      if (at < 0) break
      const next = open.splice(at, 1)[0]!
      if (next[0] !== last) next.reverse()
      for (let i = 1; i < next.length; i++) ring.push(next[i]!)
    }
    if (ring.length >= 4 && ring[0] === ring[ring.length - 1]) rings.push(ring)
  }
  return rings
}

/** Whether a point is inside a ring (even-odd rule). */
export function ringContains(ring: readonly Position[], p: Position): boolean {
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i]!
    const b = ring[j]!
    if (a[1] > p[1] !== b[1] > p[1] && p[0] < ((b[0] - a[0]) * (p[1] - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside
  }
  return inside
}

/** Twice the signed area of a ring in degrees² (its size, to find the smallest outer ring around a hole). */
function ringArea(ring: readonly Position[]): number {
  let s = 0
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) s += (ring[j]![0] - ring[i]![0]) * (ring[j]![1] + ring[i]![1])
  return Math.abs(s)
}

/**
 * The polygons (outer ring first, then its holes) of a multipolygon's member ways; `locate` gives a
 * node's position (null when the extract does not hold it: a ring missing a node is dropped).
 * A member without a role counts as outer, as editors treat it.
 */
export function assembleMultipolygon(members: MemberWay[], locate: (id: number) => Position | null): Position[][][] {
  const toCoords = (ids: number[]): Position[] | null => {
    const out: Position[] = []
    for (const id of ids) {
      const p = locate(id)
      if (!p) return null
      out.push(p)
    }
    return out
  }
  const build = (role: 'outer' | 'inner') =>
    joinRings(members.filter((m) => (role === 'inner' ? m.role === 'inner' : m.role !== 'inner')).map((m) => m.refs))
      .map(toCoords)
      .filter((r): r is Position[] => r !== null)
  const outers = build('outer').map((ring) => ({ ring, area: ringArea(ring), holes: [] as Position[][] }))
  if (!outers.length) return []
  // Smallest first, so that a hole goes to the innermost outer ring holding it (an island's lake).
  const bySize = [...outers].sort((a, b) => a.area - b.area)
  for (const inner of build('inner')) {
    const owner = bySize.find((o) => o.area > ringArea(inner) && ringContains(o.ring, inner[0]!))
    owner?.holes.push(inner)
  }
  return outers.map((o) => [o.ring, ...o.holes])
}
