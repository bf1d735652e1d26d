/**
 * Deterministic synthetic "demo city" for Plaza: Valmera, on the river Lume.
 *
 * `generateCity(seed)` builds a fictional city (1 city, 8 districts, ~40 neighbourhoods) as
 * GeoJSON geometries, with no I/O and no Math.random: the same seed always gives the same
 * JSON, byte for byte. It runs at app start on an empty database, so it has to stay fast.
 *
 * How it works (all planar work is in metres on a local tangent plane around the centre):
 *   1. a noisy, smooth city outline; a sinuous river band crossing it west→east, widened
 *      around a small island; the land is the outline minus the river (north + south bank);
 *   2. districts: Voronoi cells (d3-delaunay) of seeded, Lloyd-relaxed sites on each bank,
 *      clipped to the bank with polygon-clipping; the island joins the nearest district;
 *   3. a small lake (a hole) is cut around one district's site, far from every cell edge;
 *   4. neighbourhoods: the same Voronoi tiling inside each district; slivers are merged
 *      into the neighbour sharing the longest border;
 *   5. all vertices are snapped and "noded" (a vertex of one area lying on another area's
 *      edge is inserted into that edge), so shared borders are identical vertex by vertex
 *      and stay identical after conversion to degrees and rounding to 6 decimals.
 */
import polygonClipping from 'polygon-clipping'
import type { MultiPolygon as PcMultiPolygon, Pair, Polygon as PcPolygon, Ring as PcRing } from 'polygon-clipping'
import { Delaunay } from 'd3-delaunay'
import type { AreaGeometry, Position } from '../../app/modules/geo/geometry'
import { mulberry32 } from './random'

export type DemoAreaLevel = 'city' | 'district' | 'neighbourhood'

export type DemoArea = {
  slug: string
  name: string
  level: DemoAreaLevel
  parentSlug: string | null
  geometry: AreaGeometry
}

export type DemoCity = {
  name: string
  slug: string
  river: string
  areas: DemoArea[]
}

/** Centre of the (fictional) city, `[lng, lat]`: a rural spot in the Iberian interior. */
export const DEMO_CITY_CENTRE: Position = [-1.52, 41.35]

const CITY_NAME = 'Valmera'
const CITY_SLUG = 'valmera'
const RIVER_NAME = 'Lume'

/** Mean Earth radius, metres (same sphere as app/modules/geo/geometry.ts). */
const EARTH_RADIUS_M = 6_371_008.8
const M_PER_DEG_LAT = (EARTH_RADIUS_M * Math.PI) / 180
const M_PER_DEG_LNG = M_PER_DEG_LAT * Math.cos((DEMO_CITY_CENTRE[1] * Math.PI) / 180)

/** Areas (districts, neighbourhoods) smaller than this are merged into a neighbour. */
const MIN_AREA_M2 = 50_000 // 0.05 km²
const TARGET_NEIGHBOURHOODS = 40
const DISTRICT_COUNT = 8

const NORTH_DISTRICT_NAMES = ['Les Planes', 'Ribera Nord', 'Montclar', 'Puigverd', 'Bellavista']
const SOUTH_DISTRICT_NAMES = ['El Sargal', 'Ribera Sud', 'Sant Roc', 'Vilanova', 'Les Corts']
const ISLAND_DISTRICT_NAME = 'Ciutat Vella'
const LAKE_NEIGHBOURHOOD_NAME = "L'Estany"
const ISLAND_NEIGHBOURHOOD_NAME = "L'Illa"
const NEIGHBOURHOOD_NAMES = [
  'Les Moreres',
  'Sant Feliu',
  'El Roser',
  'Can Serra',
  'La Sagrera',
  'Els Horts',
  'Les Oliveres',
  'El Molinar',
  'Santa Eulàlia',
  'La Plana',
  'El Pontet',
  'Les Arenes',
  'Sant Jaume',
  'Mas Ribes',
  'La Font Vella',
  'El Castellet',
  'Les Salines',
  'Can Vidal',
  'La Bordeta',
  'El Coll',
  'Sant Andreu',
  'Les Vinyes',
  'La Creueta',
  'El Pedró',
  'Les Eres',
  'Sant Cebrià',
  'La Teuleria',
  'El Pilar',
  'Les Fonts',
  'Can Miró',
  'La Riera',
  'Sant Pere',
  'La Bastida',
  'El Carme',
  'Les Tres Torres',
  'La Marina',
  'Sant Domènec',
  'El Poblet',
  'Lo Mercadiu',
  'Sagrat Cor',
  'La Llotja',
  'El Prat',
  'Les Rodes',
  'Vilaclara',
  'Santa Rosa',
  'El Mercadal',
  'Sant Cerni',
  'La Granja',
]

// ---------------------------------------------------------------------------------------------
// Small utilities

type Rand = () => number
const between = (rand: Rand, lo: number, hi: number): number => lo + (hi - lo) * rand()

type BBox = [number, number, number, number] // minX, minY, maxX, maxY (metres)

function slugify(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
}

/** Area and centroid of a ring (shoelace); area is signed (> 0 counter-clockwise). */
function ringMoments(ring: PcRing): { area: number; cx: number; cy: number } {
  const n = ring.length
  const [x0, y0] = ring[0] ?? [0, 0]
  let a2 = 0
  let sx = 0
  let sy = 0
  for (let i = 0; i < n; i++) {
    const p = ring[i]!
    const q = ring[(i + 1) % n]!
    const px = p[0] - x0
    const py = p[1] - y0
    const qx = q[0] - x0
    const qy = q[1] - y0
    const cross = px * qy - qx * py
    a2 += cross
    sx += (px + qx) * cross
    sy += (py + qy) * cross
  }
  if (a2 === 0) return { area: 0, cx: x0, cy: y0 }
  return { area: a2 / 2, cx: x0 + sx / (3 * a2), cy: y0 + sy / (3 * a2) }
}

/** Area (holes subtracted) and centroid of polygons, whatever their ring orientation. */
function moments(polys: PcMultiPolygon): { area: number; cx: number; cy: number } {
  let area = 0
  let sx = 0
  let sy = 0
  for (const poly of polys) {
    poly.forEach((ring, i) => {
      const m = ringMoments(ring)
      const a = i === 0 ? Math.abs(m.area) : -Math.abs(m.area)
      area += a
      sx += a * m.cx
      sy += a * m.cy
    })
  }
  return area > 0 ? { area, cx: sx / area, cy: sy / area } : { area: 0, cx: 0, cy: 0 }
}

const areaOf = (polys: PcMultiPolygon): number => moments(polys).area

function perimeter(polys: PcMultiPolygon): number {
  let total = 0
  for (const poly of polys) {
    for (const ring of poly) {
      for (let i = 1; i < ring.length; i++) {
        const p = ring[i - 1]!
        const q = ring[i]!
        total += Math.hypot(q[0] - p[0], q[1] - p[1])
      }
    }
  }
  return total
}

function bboxOfPolys(polys: PcMultiPolygon): BBox {
  const b: BBox = [Infinity, Infinity, -Infinity, -Infinity]
  for (const poly of polys) {
    for (const [x, y] of poly[0] ?? []) {
      if (x < b[0]) b[0] = x
      if (y < b[1]) b[1] = y
      if (x > b[2]) b[2] = x
      if (y > b[3]) b[3] = y
    }
  }
  return b
}

const bboxesTouch = (a: BBox, b: BBox, pad: number): boolean => a[0] - pad <= b[2] && b[0] - pad <= a[2] && a[1] - pad <= b[3] && b[1] - pad <= a[3]

/** Even-odd point-in-polygons test (holes included, since every ring is tested). */
function contains(polys: PcMultiPolygon, [x, y]: Pair): boolean {
  let inside = false
  for (const poly of polys) {
    for (const ring of poly) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i]!
        const [xj, yj] = ring[j]!
        if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside
      }
    }
  }
  return inside
}

function distanceToBoundary(polys: PcMultiPolygon, [x, y]: Pair): number {
  let best = Infinity
  for (const poly of polys) {
    for (const ring of poly) {
      for (let i = 1; i < ring.length; i++) {
        const [ax, ay] = ring[i - 1]!
        const [bx, by] = ring[i]!
        const dx = bx - ax
        const dy = by - ay
        const len2 = dx * dx + dy * dy
        const t = len2 > 0 ? Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2)) : 0
        best = Math.min(best, Math.hypot(x - ax - t * dx, y - ay - t * dy))
      }
    }
  }
  return best
}

const dist = (a: Pair, b: Pair): number => Math.hypot(a[0] - b[0], a[1] - b[1])

// ---------------------------------------------------------------------------------------------
// Natural features

/** Irregular but smooth outline: a slightly W–E stretched circle with low-order harmonics. */
function makeOutline(rand: Rand): PcRing {
  const radius = between(rand, 5200, 5800)
  const harmonics: { k: number; amp: number; phase: number }[] = []
  for (let k = 2; k <= 9; k++) {
    harmonics.push({
      k,
      amp: (0.075 / Math.pow(k - 1, 0.9)) * between(rand, 0.4, 1.2),
      phase: between(rand, 0, 2 * Math.PI),
    })
  }
  const ring: PcRing = []
  const n = 96
  for (let i = 0; i < n; i++) {
    const theta = (2 * Math.PI * i) / n
    let f = 1
    for (const h of harmonics) f += h.amp * Math.cos(h.k * theta + h.phase)
    const r = radius * Math.max(0.8, Math.min(1.2, f))
    ring.push([1.08 * r * Math.cos(theta), 0.93 * r * Math.sin(theta)])
  }
  ring.push([ring[0]![0], ring[0]![1]])
  return ring
}

type River = { centreY: (x: number) => number; ring: PcRing; island: PcRing }

/**
 * A river band following y = f(x) (two sine waves, gentle enough that the offset banks never
 * fold), 120–200 m wide, widened around a lens-shaped island near the city centre.
 */
function makeRiver(rand: Rand): River {
  const offset = between(rand, -500, 500)
  const a1 = between(rand, 350, 650)
  const k1 = (2 * Math.PI) / between(rand, 6000, 9000)
  const p1 = between(rand, 0, 2 * Math.PI)
  const a2 = between(rand, 80, 200)
  const k2 = (2 * Math.PI) / between(rand, 2600, 3600)
  const p2 = between(rand, 0, 2 * Math.PI)
  const k3 = (2 * Math.PI) / between(rand, 2000, 4000)
  const p3 = between(rand, 0, 2 * Math.PI)
  const islandX = between(rand, -1500, 1500)
  const islandHalfLength = between(rand, 300, 380)
  const islandHalfWidth = between(rand, 70, 90)

  const f = (x: number): number => offset + a1 * Math.sin(k1 * x + p1) + a2 * Math.sin(k2 * x + p2)
  const df = (x: number): number => a1 * k1 * Math.cos(k1 * x + p1) + a2 * k2 * Math.cos(k2 * x + p2)
  const halfWidth = (x: number): number => {
    const base = 60 + 40 * (0.5 + 0.5 * Math.sin(k3 * x + p3))
    const u = (x - islandX) / islandHalfLength
    const bulge = Math.abs(u) < 1.7 ? 130 * Math.cos((Math.PI / 2) * (u / 1.7)) ** 2 : 0
    return base + bulge
  }
  /** The centreline point at x, offset by d metres along the left (northward) normal. */
  const offsetPoint = (x: number, d: number): Pair => {
    const slope = df(x)
    const norm = Math.hypot(1, slope)
    return [x - (d * slope) / norm, f(x) + d / norm]
  }

  const left: Pair[] = []
  const right: Pair[] = []
  for (let x = -9000; x <= 9000; x += 60) {
    left.push(offsetPoint(x, halfWidth(x)))
    right.push(offsetPoint(x, -halfWidth(x)))
  }
  const ring: PcRing = [...left, ...right.reverse()]
  ring.push([ring[0]![0], ring[0]![1]])

  const top: Pair[] = []
  const bottom: Pair[] = []
  const steps = 24
  for (let i = 0; i <= steps; i++) {
    const u = -1 + (2 * i) / steps
    const x = islandX + u * islandHalfLength
    const t = islandHalfWidth * Math.pow(Math.max(0, 1 - u * u), 0.7)
    top.push(offsetPoint(x, t))
    if (i > 0 && i < steps) bottom.push(offsetPoint(x, -t))
  }
  const island: PcRing = [...bottom, ...top.reverse()]
  island.push([island[0]![0], island[0]![1]])
  return { centreY: f, ring, island }
}

function makeLake(rand: Rand, [cx, cy]: Pair, radius: number): PcRing {
  const p1 = between(rand, 0, 2 * Math.PI)
  const p2 = between(rand, 0, 2 * Math.PI)
  const ring: PcRing = []
  const n = 20
  for (let i = 0; i < n; i++) {
    const theta = (2 * Math.PI * i) / n
    const r = (radius / 1.18) * (1 + 0.12 * Math.sin(2 * theta + p1) + 0.06 * Math.sin(3 * theta + p2))
    ring.push([cx + r * Math.cos(theta), cy + 0.8 * r * Math.sin(theta)])
  }
  ring.push([ring[0]![0], ring[0]![1]])
  return ring
}

// ---------------------------------------------------------------------------------------------
// Voronoi tiling

/** Rejection-samples `count` sites inside `region`, spread at least ~`minDist` apart. */
function sampleSites(rand: Rand, region: PcMultiPolygon, count: number, minDist: number, fixed: Pair[] = [], keepAway?: { centre: Pair; radius: number }): Pair[] {
  const [x0, y0, x1, y1] = bboxOfPolys(region)
  const sites: Pair[] = [...fixed]
  let d = minDist
  for (let attempt = 0; sites.length < fixed.length + count; attempt++) {
    if (attempt > 0 && attempt % 300 === 0) d *= 0.85 // too crowded: relax the spacing
    const p: Pair = [between(rand, x0, x1), between(rand, y0, y1)]
    if (!contains(region, p)) continue
    if (keepAway && dist(p, keepAway.centre) < keepAway.radius) continue
    if (sites.some((s) => dist(s, p) < d)) continue
    sites.push(p)
  }
  return sites
}

function voronoiCells(sites: Pair[], bounds: BBox): (PcRing | null)[] {
  const voronoi = Delaunay.from(sites).voronoi(bounds)
  // cellPolygon is typed as non-null but returns null for a site without a cell.
  return sites.map((_, i) => (voronoi.cellPolygon(i) as Pair[] | null) ?? null)
}

const padded = (b: BBox, pad: number): BBox => [b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad]

/** Lloyd relaxation: moves each free site to the centroid of its cell clipped to the region. */
function relax(sites: Pair[], region: PcMultiPolygon, bounds: BBox, iterations: number, fixedCount: number): Pair[] {
  let current = sites
  for (let it = 0; it < iterations; it++) {
    const cells = voronoiCells(current, bounds)
    current = current.map((site, i) => {
      const cell = cells[i]
      if (i < fixedCount || !cell) return site
      const m = moments(polygonClipping.intersection([cell], region))
      return m.area > 0 ? ([m.cx, m.cy] as Pair) : site
    })
  }
  return current
}

type Piece = { owner: number; poly: PcPolygon; area: number; bbox: BBox; kept: boolean }
type Tile = { site: number; polys: PcMultiPolygon; area: number }

const makePiece = (owner: number, poly: PcPolygon): Piece => ({
  owner,
  poly,
  area: areaOf([poly]),
  bbox: bboxOfPolys([poly]),
  kept: false,
})

/**
 * Voronoi cells of `sites` clipped to `region`. Pieces smaller than MIN_AREA_M2 that are not
 * the main piece of their owner, and all pieces of an owner smaller than MIN_AREA_M2 in total,
 * are merged into the adjacent tile sharing the longest border. Returns tiles in site order
 * (sites without any land are left out).
 */
function tile(region: PcMultiPolygon, sites: Pair[], bounds: BBox): Tile[] {
  const cells = voronoiCells(sites, bounds)
  const pieces: Piece[] = []
  cells.forEach((cell, i) => {
    if (!cell) return
    for (const poly of polygonClipping.intersection([cell], region)) pieces.push(makePiece(i, poly))
  })

  for (let guard = 0; guard < 1000; guard++) {
    const totals = new Map<number, number>()
    const main = new Map<number, Piece>()
    for (const p of pieces) {
      totals.set(p.owner, (totals.get(p.owner) ?? 0) + p.area)
      const m = main.get(p.owner)
      if (!m || p.area > m.area) main.set(p.owner, p)
    }
    const orphans = pieces.filter((p) => !p.kept && ((totals.get(p.owner) ?? 0) < MIN_AREA_M2 || (main.get(p.owner) !== p && p.area < MIN_AREA_M2))).sort((a, b) => a.area - b.area)
    const orphan = orphans[0]
    if (!orphan) break

    // The neighbour piece (of another owner) sharing the longest border with the orphan:
    // shared length = (perimeter(a) + perimeter(b) - perimeter(a ∪ b)) / 2.
    let best: { piece: Piece; shared: number; union: PcPolygon } | null = null
    for (const q of pieces) {
      if (q.owner === orphan.owner || !bboxesTouch(orphan.bbox, q.bbox, 1)) continue
      const union = polygonClipping.union(orphan.poly, q.poly)
      const merged = union[0]
      if (union.length !== 1 || !merged) continue
      const shared = (perimeter([orphan.poly]) + perimeter([q.poly]) - perimeter(union)) / 2
      if (shared > 1 && (!best || shared > best.shared)) best = { piece: q, shared, union: merged }
    }
    if (best) {
      const merged = makePiece(best.piece.owner, best.union)
      pieces.splice(pieces.indexOf(best.piece), 1, merged)
      pieces.splice(pieces.indexOf(orphan), 1)
      continue
    }
    // Isolated piece (the region has several components): keep it with its owner if the owner
    // is big enough, otherwise give it to the nearest big enough owner.
    orphan.kept = true
    if ((totals.get(orphan.owner) ?? 0) < MIN_AREA_M2) {
      const m = moments([orphan.poly])
      const candidates = [...totals.entries()].filter(([o, a]) => o !== orphan.owner && a >= MIN_AREA_M2)
      candidates.sort((a, b) => dist(sites[a[0]]!, [m.cx, m.cy]) - dist(sites[b[0]]!, [m.cx, m.cy]))
      const nearest = candidates[0]
      if (nearest) orphan.owner = nearest[0]
    }
  }

  const tiles: Tile[] = []
  sites.forEach((_, i) => {
    const own = pieces.filter((p) => p.owner === i).map((p) => p.poly)
    if (own.length === 0) return
    const polys = own.length === 1 ? own : polygonClipping.union(own[0]!, ...own.slice(1))
    tiles.push({ site: i, polys: dropTinyHoles(polys), area: areaOf(polys) })
  })
  return tiles
}

/** Clipping can leave microscopic holes along dissolved borders; real holes are far larger. */
const dropTinyHoles = (polys: PcMultiPolygon): PcMultiPolygon => polys.map((poly) => poly.filter((ring, i) => i === 0 || Math.abs(ringMoments(ring).area) > 1))

// ---------------------------------------------------------------------------------------------
// Snapping, noding and GeoJSON output

/**
 * Makes shared borders identical: (1) vertices closer than 1 mm become the same vertex;
 * (2) every vertex lying on another ring's edge (a T-junction left by clipping) is inserted
 * into that edge. Rounding to 6 decimals then moves shared vertices identically on both sides.
 */
function nodeAll(geoms: PcMultiPolygon[]): PcMultiPolygon[] {
  const SNAP = 1e-3
  const snapCells = new Map<string, Pair[]>()
  const canon = ([x, y]: Pair): Pair => {
    const ix = Math.floor(x / SNAP)
    const iy = Math.floor(y / SNAP)
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const p of snapCells.get(`${ix + dx},${iy + dy}`) ?? []) {
          if (Math.abs(p[0] - x) < SNAP && Math.abs(p[1] - y) < SNAP) return p
        }
      }
    }
    const p: Pair = [x, y]
    const key = `${ix},${iy}`
    const list = snapCells.get(key)
    if (list) list.push(p)
    else snapCells.set(key, [p])
    return p
  }
  const snapped = geoms.map((g) =>
    g.map((poly) =>
      poly.map((ring) => {
        const out: Pair[] = []
        for (const pt of ring) {
          const p = canon(pt)
          if (out[out.length - 1] !== p) out.push(p)
        }
        return out
      }),
    ),
  )

  // Spatial index of the distinct vertices.
  const CELL = 100
  const index = new Map<number, Pair[]>()
  const key = (ix: number, iy: number): number => (ix + 1000) * 10000 + (iy + 1000)
  for (const list of snapCells.values()) {
    for (const p of list) {
      const k = key(Math.floor(p[0] / CELL), Math.floor(p[1] / CELL))
      const cell = index.get(k)
      if (cell) cell.push(p)
      else index.set(k, [p])
    }
  }

  const TOL = 1e-3
  return snapped.map((g) =>
    g.map((poly) =>
      poly.map((ring) => {
        const out: Pair[] = []
        for (let i = 0; i + 1 < ring.length; i++) {
          const a = ring[i]!
          const b = ring[i + 1]!
          out.push(a)
          const dx = b[0] - a[0]
          const dy = b[1] - a[1]
          const len2 = dx * dx + dy * dy
          if (len2 === 0) continue
          const hits: { t: number; p: Pair }[] = []
          const [ix0, ix1] = [Math.floor((Math.min(a[0], b[0]) - TOL) / CELL), Math.floor((Math.max(a[0], b[0]) + TOL) / CELL)]
          const [iy0, iy1] = [Math.floor((Math.min(a[1], b[1]) - TOL) / CELL), Math.floor((Math.max(a[1], b[1]) + TOL) / CELL)]
          for (let ix = ix0; ix <= ix1; ix++) {
            for (let iy = iy0; iy <= iy1; iy++) {
              for (const p of index.get(key(ix, iy)) ?? []) {
                if (p === a || p === b) continue
                const t = ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2
                if (t <= 0 || t >= 1) continue
                const off = Math.abs((p[0] - a[0]) * dy - (p[1] - a[1]) * dx) / Math.sqrt(len2)
                if (off < TOL) hits.push({ t, p })
              }
            }
          }
          hits.sort((u, v) => u.t - v.t)
          for (const h of hits) out.push(h.p)
        }
        const last = ring[ring.length - 1]
        if (last) out.push(last)
        return out
      }),
    ),
  )
}

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6
const toPosition = ([x, y]: Pair): Position => [round6(DEMO_CITY_CENTRE[0] + x / M_PER_DEG_LNG), round6(DEMO_CITY_CENTRE[1] + y / M_PER_DEG_LAT)]

/** Twice the signed planar area in degree units (only the sign and degeneracy matter here). */
function signedArea2(ring: Position[]): number {
  let s = 0
  const [x0, y0] = ring[0]!
  for (let i = 1; i + 1 < ring.length; i++) {
    const p = ring[i]!
    const q = ring[i + 1]!
    s += (p[0] - x0) * (q[1] - y0) - (q[0] - x0) * (p[1] - y0)
  }
  return s
}

/** Converts to rounded degrees; drops repeated positions, spikes and degenerate rings; closes rings; sets RFC 7946 winding. */
function toGeoJsonRing(ring: Pair[], outer: boolean): Position[] | null {
  const pts: Position[] = []
  for (const pair of ring) {
    const p = toPosition(pair)
    const prev = pts[pts.length - 1]
    if (!prev || prev[0] !== p[0] || prev[1] !== p[1]) pts.push(p)
  }
  const same = (p: Position, q: Position): boolean => p[0] === q[0] && p[1] === q[1]
  // Open the ring, then remove repeats across the seam and A-B-A spikes until stable.
  while (pts.length > 1 && same(pts[0]!, pts[pts.length - 1]!)) pts.pop()
  for (let changed = true; changed && pts.length >= 3;) {
    changed = false
    for (let i = 0; i < pts.length && pts.length >= 3; i++) {
      const prev = pts[(i + pts.length - 1) % pts.length]!
      const next = pts[(i + 1) % pts.length]!
      if (same(prev, next) || same(pts[i]!, next)) {
        pts.splice(i, 1)
        changed = true
      }
    }
  }
  if (pts.length < 3) return null
  pts.push([pts[0]![0], pts[0]![1]])
  const a2 = signedArea2(pts)
  if (Math.abs(a2) < 1e-12) return null // collinear / zero-area sliver
  if (outer ? a2 < 0 : a2 > 0) pts.reverse()
  return pts
}

function toGeometry(polys: PcMultiPolygon, forceMulti: boolean): AreaGeometry {
  const coordinates: Position[][][] = []
  for (const poly of polys) {
    const outer = poly[0] ? toGeoJsonRing(poly[0], true) : null
    if (!outer) continue
    const rings = [outer]
    for (const hole of poly.slice(1)) {
      const h = toGeoJsonRing(hole, false)
      if (h) rings.push(h)
    }
    coordinates.push(rings)
  }
  if (coordinates.length === 0) throw new Error('generateCity: empty geometry')
  if (coordinates.length === 1 && !forceMulti) return { type: 'Polygon', coordinates: coordinates[0]! }
  return { type: 'MultiPolygon', coordinates }
}

// ---------------------------------------------------------------------------------------------

type Draft = { slug: string; name: string; level: DemoAreaLevel; parentSlug: string | null; polys: PcMultiPolygon }

/** Builds the demo city for `seed` (any integer). Deterministic: same seed, same output. */
export function generateCity(seed = 1): DemoCity {
  const rand = mulberry32(Math.imul(seed | 0, 0x9e3779b1) ^ 0x5eed)

  // 1. Outline, river, island; the two banks.
  const outline = makeOutline(rand)
  const river = makeRiver(rand)
  const land = polygonClipping.difference([outline], [river.ring])
  const pieces = land.map((poly) => ({ poly, ...moments([poly]) }))
  const bankOf = (north: boolean): PcPolygon => {
    const side = pieces.filter((p) => p.cy > river.centreY(p.cx) === north).sort((a, b) => b.area - a.area)
    const best = side[0]
    if (!best) throw new Error('generateCity: the river does not split the city')
    return best.poly
  }
  const banks = [bankOf(true), bankOf(false)]
  const islandPolys: PcMultiPolygon = [[river.island]]
  const bankAreas = banks.map((b) => areaOf([b]))
  const northCount = Math.max(3, Math.min(5, Math.round((DISTRICT_COUNT * bankAreas[0]!) / (bankAreas[0]! + bankAreas[1]!))))
  const districtCounts = [northCount, DISTRICT_COUNT - northCount]

  // 2. District sites per bank (sampled, then Lloyd-relaxed).
  const bankSites = banks.map((bank, b) => {
    const region: PcMultiPolygon = [bank]
    const count = districtCounts[b]!
    const bounds = padded(bboxOfPolys(region), 50)
    const sites = sampleSites(rand, region, count, 0.7 * Math.sqrt(bankAreas[b]! / count))
    return { region, bounds, sites: relax(sites, region, bounds, 3, 0) }
  })

  // 3. The lake: around the district site with the most room (far from the bank's edges and
  // from the Voronoi borders with the other sites), so it is a hole in exactly one district.
  const lakeRadius = between(rand, 120, 150)
  let lakeChoice = { bank: -1, site: -1, clearance: -Infinity }
  bankSites.forEach(({ region, sites }, b) => {
    sites.forEach((s, i) => {
      if (!contains(region, s)) return
      const others = sites.filter((_, j) => j !== i).map((o) => dist(o, s) / 2)
      const clearance = Math.min(distanceToBoundary(region, s), ...others)
      if (clearance > lakeChoice.clearance) lakeChoice = { bank: b, site: i, clearance }
    })
  })
  if (lakeChoice.clearance < lakeRadius + 150) throw new Error('generateCity: no room for the lake')
  const lakeCentre = bankSites[lakeChoice.bank]!.sites[lakeChoice.site]!
  const lakeRing = makeLake(rand, lakeCentre, lakeRadius)
  const lakeBank = bankSites[lakeChoice.bank]!
  lakeBank.region = polygonClipping.difference(lakeBank.region, [[lakeRing]])

  // 4. Districts; the island joins the district whose site is nearest to it.
  const islandCentre = moments(islandPolys)
  type DistrictDraft = { bank: number; site: Pair; polys: PcMultiPolygon; hasLake: boolean; hasIsland: boolean }
  const districts: DistrictDraft[] = []
  bankSites.forEach(({ region, bounds, sites }, b) => {
    for (const t of tile(region, sites, bounds)) {
      districts.push({
        bank: b,
        site: sites[t.site]!,
        polys: t.polys,
        hasLake: b === lakeChoice.bank && t.site === lakeChoice.site,
        hasIsland: false,
      })
    }
  })
  const islandDistrict = [...districts].sort((a, b) => dist(a.site, [islandCentre.cx, islandCentre.cy]) - dist(b.site, [islandCentre.cx, islandCentre.cy]))[0]!
  islandDistrict.hasIsland = true

  // Names: the island district is the old town; the others west→east on each bank.
  districts.sort((a, b) => a.bank - b.bank || a.site[0] - b.site[0])
  const drafts: Draft[] = []
  const cityPolys: PcMultiPolygon = [...bankSites[0]!.region, ...bankSites[1]!.region, ...islandPolys]
  drafts.push({ slug: CITY_SLUG, name: CITY_NAME, level: 'city', parentSlug: null, polys: cityPolys })
  const bankNames = [[...NORTH_DISTRICT_NAMES], [...SOUTH_DISTRICT_NAMES]]
  const districtDrafts = districts.map((d) => {
    const name = d.hasIsland ? ISLAND_DISTRICT_NAME : bankNames[d.bank]!.shift()
    if (!name) throw new Error('generateCity: ran out of district names')
    const draft: Draft = {
      slug: slugify(name),
      name,
      level: 'district',
      parentSlug: CITY_SLUG,
      polys: d.hasIsland ? [...d.polys, ...islandPolys] : d.polys,
    }
    drafts.push(draft)
    return draft
  })

  // 5. Neighbourhoods: the same tiling inside each district (mainland part).
  const totalArea = districts.reduce((s, d) => s + areaOf(d.polys), 0)
  const namePool = [...NEIGHBOURHOOD_NAMES]
  districts.forEach((d, di) => {
    const region = d.polys
    const area = areaOf(region)
    const count = Math.max(4, Math.min(6, Math.round((TARGET_NEIGHBOURHOODS * area) / totalArea)))
    const bounds = padded(bboxOfPolys(region), 10)
    const spacing = 0.6 * Math.sqrt(area / count)
    const keepOut = 2 * (lakeRadius + 150)
    let sites: Pair[]
    if (d.hasLake) {
      // The lake's site stays fixed, the others keep far enough for the lake to be inside its cell.
      sites = sampleSites(rand, region, count - 1, spacing, [lakeCentre], { centre: lakeCentre, radius: keepOut })
      sites = relax(sites, region, bounds, 2, 1).map((s, i) => {
        const r = dist(s, lakeCentre)
        if (i === 0 || r >= keepOut) return s
        const k = (keepOut + 1) / Math.max(r, 1e-6)
        const x = lakeCentre[0] + (s[0] - lakeCentre[0]) * k
        const y = lakeCentre[1] + (s[1] - lakeCentre[1]) * k
        return [Math.max(bounds[0], Math.min(bounds[2], x)), Math.max(bounds[1], Math.min(bounds[3], y))] as Pair
      })
    } else {
      sites = relax(sampleSites(rand, region, count, spacing), region, bounds, 2, 0)
    }
    const tiles = tile(region, sites, bounds)
    const parent = districtDrafts[di]!
    const hoods = tiles.map((t) => ({
      ...moments(t.polys),
      polys: t.polys,
      site: sites[t.site]!,
      lake: d.hasLake && t.site === 0,
      island: false,
    }))
    if (d.hasIsland) {
      const nearest = [...hoods].sort((a, b) => dist(a.site, [islandCentre.cx, islandCentre.cy]) - dist(b.site, [islandCentre.cx, islandCentre.cy]))[0]!
      nearest.polys = [...nearest.polys, ...islandPolys]
      nearest.island = true
    }
    hoods.sort((a, b) => a.cx - b.cx || a.cy - b.cy)
    for (const h of hoods) {
      const name = h.lake ? LAKE_NEIGHBOURHOOD_NAME : h.island ? ISLAND_NEIGHBOURHOOD_NAME : namePool.shift()
      if (!name) throw new Error('generateCity: ran out of neighbourhood names')
      drafts.push({ slug: slugify(name), name, level: 'neighbourhood', parentSlug: parent.slug, polys: h.polys })
    }
  })

  // 6. Shared borders made identical, then GeoJSON.
  const slugs = new Set(drafts.map((d) => d.slug))
  if (slugs.size !== drafts.length) throw new Error('generateCity: duplicate slugs')
  const noded = nodeAll(drafts.map((d) => d.polys))
  const areas: DemoArea[] = drafts.map((d, i) => ({
    slug: d.slug,
    name: d.name,
    level: d.level,
    parentSlug: d.parentSlug,
    geometry: toGeometry(noded[i]!, d.level === 'city'),
  }))
  return { name: CITY_NAME, slug: CITY_SLUG, river: RIVER_NAME, areas }
}
