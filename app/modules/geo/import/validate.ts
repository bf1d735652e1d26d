import polygonClipping, { type MultiPolygon as ClipMultiPolygon } from 'polygon-clipping'
import { supportedLocales, type Locale } from '../../../lib/i18n'
import type { Localized } from '../../../lib/localized'
import { areaSquareMetres, bboxOf, interiorPoint, polygonContains, polygonsOf, ringSignedAreaSquareMetres, type AreaGeometry, type Position } from '../geometry'
import { firstCrossing, rewind } from './shape'
import type { RawFeature } from './read.server'

/**
 * Checks imported features against the chosen properties and the current geography and lists
 * every problem, each naming the feature (its number and its name and code properties): nothing
 * is written here. Winding order is fixed silently.
 */

/** 0 the boundary (city), 1 districts, 2 neighbourhoods, 3 and more: further levels. */
export type ImportDepth = number

export interface ImportOptions {
  depth: ImportDepth
  /** The property holding the name in the default language. */
  nameProp: string
  /** Properties holding the name in other languages (optional). */
  namePropsByLocale?: Partial<Record<Locale, string>>
  codeProp: string
  /** The property holding the parent's code (levels 2 and deeper). */
  parentProp?: string
  /** Gaps, overlaps and parts outside the parent smaller than this are ignored (m²). */
  toleranceM2: number
  /** Districts only: the city's boundary becomes their union. */
  boundaryFromUnion?: boolean
  /** The name of a level deeper than neighbourhoods ("block"). */
  levelName?: string
  defaultLocale?: Locale
}

export interface ExistingArea {
  id: number
  code: string | null
  slug: string
  name: string
  depth: number
  parentId: number | null
  geometry: AreaGeometry
}

export interface PreparedArea {
  /** 1-based position in the file. */
  feature: number
  code: string
  name: string
  names: Localized
  parentCode: string | null
  /** The parent's id in the current geography (null for the boundary, or a district under a union boundary not yet written). */
  parentId: number | null
  geometry: AreaGeometry
}

/** Which feature a problem is about, as the administrator knows it. */
export interface FeatureRef {
  feature: number
  nameProp: string
  name: string
  codeProp: string
  code: string
}

export type ImportProblem =
  | { kind: 'unknownProperty'; property: string; available: string[] }
  | { kind: 'needsParentProperty' }
  | { kind: 'noBoundary' }
  | { kind: 'boundaryCount'; count: number }
  | { kind: 'emptyGeometry'; ref: FeatureRef }
  | { kind: 'notPolygon'; ref: FeatureRef; type: string }
  | { kind: 'badCoordinates'; ref: FeatureRef; value: string }
  | { kind: 'unclosedRing'; ref: FeatureRef; ring: number; first: Position; last: Position }
  | { kind: 'tooFewPositions'; ref: FeatureRef; ring: number; count: number }
  | { kind: 'selfIntersection'; ref: FeatureRef; ring: number; otherRing: number; at: Position }
  | { kind: 'missingName'; ref: FeatureRef; property: string }
  | { kind: 'missingCode'; ref: FeatureRef; property: string }
  | { kind: 'missingParentValue'; ref: FeatureRef; property: string }
  | { kind: 'missingParent'; ref: FeatureRef; property: string; value: string; parentDepth: number }
  | { kind: 'duplicateCode'; ref: FeatureRef; other: FeatureRef }
  | { kind: 'duplicateName'; ref: FeatureRef; other: FeatureRef }
  | { kind: 'codeInUse'; ref: FeatureRef; otherName: string; otherDepth: number }
  | { kind: 'outsideParent'; ref: FeatureRef; parent: string; m2: number; at: Position }
  | { kind: 'gap'; parent: string; m2: number; at: Position; near: FeatureRef[] }
  | { kind: 'overlap'; ref: FeatureRef; other: FeatureRef; m2: number; at: Position }

export interface Validation {
  areas: PreparedArea[]
  problems: ImportProblem[]
  /** The union of the districts, when the boundary is made from them. */
  boundary: AreaGeometry | null
}

const text = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : String(v).trim())

const isPosition = (p: unknown): p is Position =>
  Array.isArray(p) && p.length >= 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]) && Math.abs(p[0] as number) <= 180 && Math.abs(p[1] as number) <= 90

const formatPosition = (p: unknown) =>
  Array.isArray(p)
    ? `[${p
        .slice(0, 2)
        .map((v) => (typeof v === 'number' ? Math.round(v * 1e6) / 1e6 : String(v)))
        .join(', ')}]`
    : String(p)

function toClip(g: AreaGeometry): ClipMultiPolygon {
  return polygonsOf(g) as unknown as ClipMultiPolygon
}
function fromClip(m: ClipMultiPolygon): AreaGeometry {
  return { type: 'MultiPolygon', coordinates: m as unknown as Position[][][] }
}
const clipArea = (m: ClipMultiPolygon) => (m.length ? areaSquareMetres(fromClip(m)) : 0)

/** Each polygon of a clipping result large enough to report, with a point inside it. */
function pieces(m: ClipMultiPolygon, toleranceM2: number): Array<{ m2: number; at: Position; box: [number, number, number, number] }> {
  const out: Array<{ m2: number; at: Position; box: [number, number, number, number] }> = []
  for (const polygon of m) {
    const g: AreaGeometry = { type: 'Polygon', coordinates: polygon as unknown as Position[][] }
    const m2 = areaSquareMetres(g)
    if (m2 > toleranceM2) out.push({ m2: Math.round(m2), at: roundPosition(interiorPoint(g)), box: bboxOf(g) })
  }
  return out
}
const roundPosition = (p: Position): Position => [Math.round(p[0] * 1e6) / 1e6, Math.round(p[1] * 1e6) / 1e6]

/**
 * The rings' directed edges summed as a 1-chain (edge with its lower vertex first → +1 or −1).
 * For a clean (noded) export, where shared borders are the same vertices on both sides, the
 * children's chain equals the parent's exactly when they tile it: winding numbers add, so each
 * point is then covered once — no gap, no overlap, nothing outside — and the slow polygon
 * clipping is needed only when this test fails.
 */
function addChain(chain: Map<string, number>, g: AreaGeometry, sign: number) {
  for (const polygon of polygonsOf(g)) {
    for (const ring of polygon) {
      let prev = `${ring[0]![0]},${ring[0]![1]}`
      for (let i = 1; i < ring.length; i++) {
        const next = `${ring[i]![0]},${ring[i]![1]}`
        if (next === prev) continue
        const [key, s] = prev < next ? [`${prev}|${next}`, sign] : [`${next}|${prev}`, -sign]
        const v = (chain.get(key) ?? 0) + s
        if (v === 0) chain.delete(key)
        else chain.set(key, v)
        prev = next
      }
    }
  }
}

const parseKey = (k: string): Position => k.split(',').map(Number) as Position

/**
 * The union of tiles whose chain is `chain` (what is left after shared borders cancel), as rings
 * walked from its edges; null when that is not a plain set of rings (touching rings, or an edge
 * counted twice: an overlap), and the caller falls back to polygon clipping.
 */
function unionFromChain(chain: Map<string, number>): AreaGeometry | null {
  const next = new Map<string, string>()
  for (const [key, v] of chain) {
    if (v !== 1 && v !== -1) return null
    const [a, b] = key.split('|') as [string, string]
    const [from, to] = v === 1 ? [a, b] : [b, a]
    if (next.has(from)) return null
    next.set(from, to)
  }
  const rings: Position[][] = []
  const seen = new Set<string>()
  for (const start of next.keys()) {
    if (seen.has(start)) continue
    const ring: Position[] = []
    let at = start
    while (!seen.has(at)) {
      seen.add(at)
      ring.push(parseKey(at))
      const to = next.get(at)
      if (to === undefined) return null
      at = to
    }
    if (at !== start || ring.length < 3) return null
    ring.push(ring[0]!)
    rings.push(ring)
  }
  if (rings.length === 0 || firstCrossing(rings)) return null
  const outers = rings.filter((r) => ringSignedAreaSquareMetres(r) > 0).map((r) => [r])
  for (const hole of rings.filter((r) => ringSignedAreaSquareMetres(r) < 0)) {
    const owner = outers.find((o) => polygonContains([o[0]!], hole[0]![0], hole[0]![1]) || polygonContains([o[0]!], hole[1]![0], hole[1]![1]))
    if (!owner) return null
    owner.push(hole)
  }
  return outers.length === 1 ? { type: 'Polygon', coordinates: outers[0]! } : { type: 'MultiPolygon', coordinates: outers }
}

/** Union of many polygons, in halves (polygon-clipping is much faster on balanced inputs). */
function unionAll(parts: ClipMultiPolygon[]): ClipMultiPolygon {
  if (parts.length === 0) return []
  if (parts.length === 1) return parts[0]!
  if (parts.length <= 8) return polygonClipping.union(parts[0]!, ...parts.slice(1))
  const mid = Math.floor(parts.length / 2)
  return polygonClipping.union(unionAll(parts.slice(0, mid)), unionAll(parts.slice(mid)))
}

/** Checks one feature's geometry; returns it rewound, or null after adding its problems. */
function checkGeometry(raw: RawFeature['geometry'], ref: FeatureRef, problems: ImportProblem[]): AreaGeometry | null {
  if (!raw || raw.coordinates === undefined || (Array.isArray(raw.coordinates) && raw.coordinates.length === 0)) {
    if (!raw || raw.type === 'Polygon' || raw.type === 'MultiPolygon' || raw.coordinates !== undefined) {
      problems.push({ kind: 'emptyGeometry', ref })
      return null
    }
  }
  if (raw.type !== 'Polygon' && raw.type !== 'MultiPolygon') {
    problems.push({ kind: 'notPolygon', ref, type: String(raw.type) })
    return null
  }
  const polygons = (raw.type === 'Polygon' ? [raw.coordinates] : (raw.coordinates as unknown[])) as unknown[]
  let ok = true
  let ringNumber = 0
  const clean: Position[][][] = []
  for (const polygon of polygons) {
    if (!Array.isArray(polygon) || polygon.length === 0) {
      problems.push({ kind: 'emptyGeometry', ref })
      return null
    }
    const rings: Position[][] = []
    const firstRing = ringNumber + 1
    for (const ring of polygon as unknown[]) {
      ringNumber++
      if (!Array.isArray(ring)) {
        problems.push({ kind: 'badCoordinates', ref, value: formatPosition(ring) })
        ok = false
        continue
      }
      const bad = ring.find((p) => !isPosition(p))
      if (bad !== undefined) {
        problems.push({ kind: 'badCoordinates', ref, value: formatPosition(bad) })
        ok = false
        continue
      }
      const positions = ring as Position[]
      const first = positions[0]
      const last = positions[positions.length - 1]
      if (positions.length > 0 && (first![0] !== last![0] || first![1] !== last![1])) {
        problems.push({ kind: 'unclosedRing', ref, ring: ringNumber, first: roundPosition(first!), last: roundPosition(last!) })
        ok = false
        continue
      }
      if (positions.length < 4) {
        problems.push({ kind: 'tooFewPositions', ref, ring: ringNumber, count: positions.length })
        ok = false
        continue
      }
      rings.push(positions)
    }
    if (!ok) continue
    const crossing = firstCrossing(rings)
    if (crossing) {
      problems.push({ kind: 'selfIntersection', ref, ring: firstRing + crossing.rings[0], otherRing: firstRing + crossing.rings[1], at: roundPosition(crossing.at) })
      ok = false
      continue
    }
    clean.push(rings)
  }
  if (!ok) return null
  const geometry: AreaGeometry = clean.length === 1 ? { type: 'Polygon', coordinates: clean[0]! } : { type: 'MultiPolygon', coordinates: clean }
  return rewind(geometry)
}

export function validateFeatures(features: RawFeature[], properties: string[], options: ImportOptions, existing: ExistingArea[]): Validation {
  const problems: ImportProblem[] = []
  const { depth, nameProp, codeProp } = options
  const parentProp = options.parentProp?.trim() || undefined
  const chosen = [nameProp, codeProp, ...(depth >= 2 && parentProp ? [parentProp] : []), ...Object.values(options.namePropsByLocale ?? {}).filter((p): p is string => Boolean(p))]
  for (const property of new Set(chosen)) {
    if (!properties.includes(property)) problems.push({ kind: 'unknownProperty', property, available: properties })
  }
  if (depth >= 2 && !parentProp) problems.push({ kind: 'needsParentProperty' })
  if (problems.length) return { areas: [], problems, boundary: null }
  if (depth === 0 && features.length !== 1) problems.push({ kind: 'boundaryCount', count: features.length })

  const city = existing.find((a) => a.depth === 0) ?? null
  if (depth === 1 && !city && !options.boundaryFromUnion) problems.push({ kind: 'noBoundary' })
  const parentsByCode = new Map(existing.filter((a) => a.depth === depth - 1 && a.code !== null).map((a) => [a.code!, a]))
  const otherLevelCodes = new Map(existing.filter((a) => a.depth !== depth && a.code !== null).map((a) => [a.code!, a]))
  const defaultLocale = options.defaultLocale ?? 'en'

  const refs: FeatureRef[] = []
  const prepared: Array<PreparedArea & { ref: FeatureRef; parent: ExistingArea | null }> = []
  const byCode = new Map<string, FeatureRef>()
  const byParentAndName = new Map<string, FeatureRef>()
  const incomplete = new Set<string>()
  features.forEach((f, i) => {
    const name = text(f.properties[nameProp])
    const code = text(f.properties[codeProp])
    const ref: FeatureRef = { feature: i + 1, nameProp, name, codeProp, code }
    refs.push(ref)
    let usable = true
    if (!name) {
      problems.push({ kind: 'missingName', ref, property: nameProp })
      usable = false
    }
    if (!code) {
      problems.push({ kind: 'missingCode', ref, property: codeProp })
      usable = false
    } else {
      const other = byCode.get(code)
      if (other) {
        problems.push({ kind: 'duplicateCode', ref, other })
        usable = false
      } else byCode.set(code, ref)
      const clash = otherLevelCodes.get(code)
      if (clash) {
        problems.push({ kind: 'codeInUse', ref, otherName: clash.name, otherDepth: clash.depth })
        usable = false
      }
    }
    let parent: ExistingArea | null = depth === 1 ? city : null
    let parentCode: string | null = null
    if (depth >= 2 && parentProp) {
      parentCode = text(f.properties[parentProp])
      if (!parentCode) {
        problems.push({ kind: 'missingParentValue', ref, property: parentProp })
        usable = false
      } else {
        parent = parentsByCode.get(parentCode) ?? null
        if (!parent) {
          problems.push({ kind: 'missingParent', ref, property: parentProp, value: parentCode, parentDepth: depth - 1 })
          usable = false
        }
      }
    }
    if (name) {
      const key = `${parent?.id ?? parentCode ?? ''}\u0000${name.toLocaleLowerCase()}`
      const other = byParentAndName.get(key)
      if (other) {
        problems.push({ kind: 'duplicateName', ref, other })
        usable = false
      } else byParentAndName.set(key, ref)
    }
    const geometry = checkGeometry(f.geometry, ref, problems)
    if (!geometry || !usable) {
      // A parent with a rejected child would show that child's place as a gap: not reported twice.
      incomplete.add(depth === 0 ? 'root' : String(parent?.id ?? 'union'))
      return
    }
    const names: Localized = { [defaultLocale]: name }
    for (const locale of supportedLocales) {
      const prop = options.namePropsByLocale?.[locale]
      const value = prop ? text(f.properties[prop]) : ''
      if (value) names[locale] = value
    }
    names[defaultLocale] = name
    prepared.push({ feature: i + 1, code, name, names, parentCode, parentId: parent?.id ?? null, geometry, ref, parent })
  })

  // Siblings against each other and against their parent.
  let boundary: AreaGeometry | null = null
  const groups = new Map<string, typeof prepared>()
  for (const p of prepared) {
    const key = depth === 0 ? 'root' : String(p.parent?.id ?? 'union')
    const list = groups.get(key) ?? []
    list.push(p)
    groups.set(key, list)
  }
  const tolerance = options.toleranceM2
  for (const [key, siblings] of groups) {
    if (depth === 0) break
    const parent = siblings[0]!.parent
    const fromUnion = depth === 1 && Boolean(options.boundaryFromUnion)
    const useParent = parent && !fromUnion
    const chain = new Map<string, number>()
    for (const s of siblings) addChain(chain, s.geometry, 1)
    if (fromUnion) {
      const fast = incomplete.has(key) ? null : unionFromChain(chain)
      if (fast) {
        boundary = fast
        continue
      }
    } else if (useParent && !incomplete.has(key)) {
      addChain(chain, parent.geometry, -1)
      if (chain.size === 0) continue
    }
    const parts = siblings.map((s) => toClip(s.geometry))
    const union = unionAll(parts)
    const childrenM2 = siblings.reduce((sum, s) => sum + areaSquareMetres(s.geometry), 0)
    const unionM2 = clipArea(union)
    if (fromUnion) boundary = fromClip(union)
    if (useParent) {
      const parentClip = toClip(parent.geometry)
      // Outside the parent: only when the union sticks out is each child measured.
      if (clipArea(polygonClipping.difference(union, parentClip)) > tolerance) {
        for (const s of siblings) {
          const out = polygonClipping.difference(toClip(s.geometry), parentClip)
          const m2 = clipArea(out)
          if (m2 > tolerance) problems.push({ kind: 'outsideParent', ref: s.ref, parent: parent.name, m2: Math.round(m2), at: pieces(out, 0)[0]?.at ?? roundPosition(interiorPoint(fromClip(out))) })
        }
      }
      // Gaps: the parent minus its children.
      if (!incomplete.has(key))
        for (const gap of pieces(polygonClipping.difference(parentClip, union), tolerance)) {
          // The siblings around the gap: those whose box touches the gap's (with a metre or so to spare).
          const pad = 1e-5
          const near = siblings.filter((s) => {
            const [w, so, e, n] = bboxOf(s.geometry)
            return w - pad <= gap.box[2] && e + pad >= gap.box[0] && so - pad <= gap.box[3] && n + pad >= gap.box[1]
          })
          problems.push({ kind: 'gap', parent: parent.name, m2: gap.m2, at: gap.at, near: near.slice(0, 4).map((s) => s.ref) })
        }
    }
    // Overlaps: only when the children add up to more than their union is each pair measured.
    if (childrenM2 - unionM2 > tolerance) {
      const boxes = siblings.map((s) => ({ s, box: bboxOf(s.geometry) })).sort((a, b) => a.box[0] - b.box[0])
      for (let i = 0; i < boxes.length; i++) {
        const a = boxes[i]!
        for (let j = i + 1; j < boxes.length && boxes[j]!.box[0] <= a.box[2]; j++) {
          const b = boxes[j]!
          if (b.box[1] > a.box[3] || b.box[3] < a.box[1]) continue
          const both = polygonClipping.intersection(toClip(a.s.geometry), toClip(b.s.geometry))
          const m2 = clipArea(both)
          if (m2 > tolerance) {
            const [first, second] = a.s.feature < b.s.feature ? [a.s, b.s] : [b.s, a.s]
            problems.push({ kind: 'overlap', ref: second.ref, other: first.ref, m2: Math.round(m2), at: pieces(both, 0)[0]?.at ?? roundPosition(interiorPoint(fromClip(both))) })
          }
        }
      }
    }
  }
  const order = (p: ImportProblem) => ('ref' in p ? p.ref.feature : 0)
  problems.sort((a, b) => order(a) - order(b))
  return { areas: prepared.map(({ ref: _ref, parent: _parent, ...area }) => area), problems, boundary }
}
