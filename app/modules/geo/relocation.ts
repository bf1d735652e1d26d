import type { AreaLevel } from '../../../db/schema'
import type { Statements } from '../../lib/db/statements'
import { bboxOf, preparedContains, type AreaGeometry } from './geometry'

/**
 * What a geography import hands to each capability that stores item → area links, inside the
 * import's one transaction: where a point falls under the NEW areas, and which area replaces one
 * the import removes. Each capability recomputes its own tables with it (it alone writes them)
 * and says how many of its items moved.
 */
export interface AreaRelocation {
  /**
   * Hand-written SQL inside the import's transaction, on either engine (app/lib/db/statements.ts:
   * on SQLite statements prepared once and run on the write connection, as before).
   */
  sql: Statements
  /** Areas containing the point under the new geography, city first (as areasContaining). */
  locate(lat: number, lng: number): LocatedArea[]
  /** The area replacing `id`: itself when kept, the new area over its inside point when removed, null when none. */
  successor(id: number): number | null
  /** Areas the import removes. */
  removed: ReadonlySet<number>
  /** When the relocation happens (ISO-8601), for capabilities that stamp their changes. */
  at: string
}

/**
 * A capability's part in a geography import: recomputes the item → area links of the tables it
 * owns (it alone writes them) and says how many moved, by names the import reports
 * (areasAdmin:moved.<name>). Declared in the module's manifest (`relocateAreas`); the registry
 * hands it to geo, so geo imports no capability.
 */
export type AreaRelocator = (relocation: AreaRelocation) => Promise<Record<string, number>>

const relocators = new Map<string, AreaRelocator>()

/** Called by the registry for each manifest with `relocateAreas` (app/modules/registry.server.ts). */
export function registerAreaRelocator(capability: string, relocate: AreaRelocator) {
  relocators.set(capability, relocate)
}

/** The registered relocators, in registration order (the manifests' order). */
export const areaRelocators = (): ReadonlyMap<string, AreaRelocator> => relocators

export interface LocatedArea {
  id: number
  level: AreaLevel
  depth: number
}

/** The most specific area and the district of a point (what reports, proposals and signatures store). */
export function mostSpecificArea(hits: LocatedArea[]): { areaId: number | null; districtId: number | null } {
  const district = hits.find((h) => h.level === 'district')?.id ?? null
  const neighbourhood = hits.find((h) => h.depth === 2)?.id ?? null
  return { areaId: neighbourhood ?? district, districtId: district }
}

interface IndexedArea extends LocatedArea {
  geometry: AreaGeometry
}

/**
 * An in-memory point-in-area index over a whole geography: a uniform grid of candidate lists, then
 * the exact half-open test of geometry.ts (so it answers exactly as areasContaining does).
 */
export class AreaLocator {
  private readonly cells: Int32Array[]
  private readonly areas: IndexedArea[]
  private readonly tests: Array<(lng: number, lat: number) => boolean>
  private readonly west: number
  private readonly south: number
  private readonly cellW: number
  private readonly cellH: number
  private readonly size: number

  constructor(areas: IndexedArea[], size = 256) {
    this.areas = [...areas].sort((a, b) => a.depth - b.depth)
    this.tests = this.areas.map((a) => preparedContains(a.geometry))
    this.size = size
    let w = Infinity
    let s = Infinity
    let e = -Infinity
    let n = -Infinity
    const boxes = this.areas.map((a) => bboxOf(a.geometry))
    for (const b of boxes) {
      w = Math.min(w, b[0])
      s = Math.min(s, b[1])
      e = Math.max(e, b[2])
      n = Math.max(n, b[3])
    }
    if (!Number.isFinite(w)) [w, s, e, n] = [0, 0, 1, 1]
    this.west = w
    this.south = s
    this.cellW = (e - w) / size || 1
    this.cellH = (n - s) / size || 1
    const lists: number[][] = Array.from({ length: size * size }, () => [])
    boxes.forEach((b, index) => {
      const [x0, y0] = this.cellOf(b[0], b[1])
      const [x1, y1] = this.cellOf(b[2], b[3])
      for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) lists[y * size + x]!.push(index)
    })
    this.cells = lists.map((l) => Int32Array.from(l))
  }

  private cellOf(lng: number, lat: number): [number, number] {
    const x = Math.min(this.size - 1, Math.max(0, Math.floor((lng - this.west) / this.cellW)))
    const y = Math.min(this.size - 1, Math.max(0, Math.floor((lat - this.south) / this.cellH)))
    return [x, y]
  }

  locate(lat: number, lng: number): LocatedArea[] {
    if (!Number.isFinite(lat) || !Number.isFinite(lng)) return []
    if (lng < this.west || lat < this.south || lng > this.west + this.cellW * this.size || lat > this.south + this.cellH * this.size) return []
    const [x, y] = this.cellOf(lng, lat)
    const out: LocatedArea[] = []
    for (const index of this.cells[y * this.size + x]!) {
      const a = this.areas[index]!
      if (this.tests[index]!(lng, lat)) out.push({ id: a.id, level: a.level, depth: a.depth })
    }
    return out
  }
}

/**
 * Pages through located rows with the owning module's own statements — `page` (one `?`: the last
 * id) selecting `id, lat, lng, area_id, district_id` in id order, `set` (`?` area, district, id) —
 * and rewrites the area and district of each row whose point now falls elsewhere. Returns how many moved.
 */
export async function relocatePoints(r: AreaRelocation, statements: { page: string; set: string }): Promise<number> {
  let moved = 0
  let after = 0
  for (;;) {
    const rows = await r.sql.all<{ id: number; lat: number; lng: number; area_id: number | null; district_id: number | null }>(statements.page, after)
    if (rows.length === 0) break
    after = rows[rows.length - 1]!.id
    for (const row of rows) {
      const next = mostSpecificArea(r.locate(row.lat, row.lng))
      if (next.areaId === row.area_id && next.districtId === row.district_id) continue
      await r.sql.run(statements.set, next.areaId, next.districtId, row.id)
      moved++
    }
  }
  return moved
}
