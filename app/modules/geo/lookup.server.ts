import { sql, type Kysely, type Transaction } from 'kysely'
import type { AreaLevel, Database } from '../../../db/schema'
import { database, type PlazaDatabase } from '../../lib/db.server'
import { statements } from '../../lib/db/statements'
import { preparedContains, type AreaGeometry } from './geometry'

/**
 * Which areas contain a point: candidates from the R*Tree of area bounding boxes (areas_rtree),
 * then the exact half-open point-in-polygon test of geometry.ts (holes and MultiPolygons count;
 * a point on a shared border belongs to exactly one of the areas sharing it).
 */

export interface AreaHit {
  id: number
  slug: string
  name: string
  level: AreaLevel
  parentId: number | null
}

interface ParsedArea extends AreaHit {
  geometry: AreaGeometry
  /** The exact test, prepared (latitude bands for geometries with many edges). */
  contains: (lng: number, lat: number) => boolean
}

const LEVEL_ORDER: Record<AreaLevel, number> = { city: 0, district: 1, neighbourhood: 2 }

// Parsed polygons of every area, per process. Areas change only when an administrator edits them;
// the R*Tree naming an id we do not hold, or the TTL, reloads them (forgetAreaGeometries clears).
const TTL_MS = 30_000
let geometries: { at: number; byId: Map<number, ParsedArea> } | null = null

export function forgetAreaGeometries() {
  geometries = null
}

async function loadGeometries(executor: Kysely<Database> | Transaction<Database>) {
  const rows = await executor.selectFrom('areas').select(['id', 'slug', 'name', 'level', 'parent_id', 'geometry']).execute()
  const byId = new Map<number, ParsedArea>()
  for (const r of rows) {
    const geometry = JSON.parse(r.geometry) as AreaGeometry
    byId.set(r.id, { id: r.id, slug: r.slug, name: r.name, level: r.level, parentId: r.parent_id, geometry, contains: preparedContains(geometry) })
  }
  geometries = { at: Date.now(), byId }
  return byId
}

function fresh() {
  return geometries && Date.now() - geometries.at < TTL_MS ? geometries.byId : null
}

function exact(byId: Map<number, ParsedArea>, candidates: number[], lat: number, lng: number): AreaHit[] {
  const hits: AreaHit[] = []
  for (const id of candidates) {
    const area = byId.get(id)
    if (area && area.contains(lng, lat)) {
      hits.push({ id: area.id, slug: area.slug, name: area.name, level: area.level, parentId: area.parentId })
    }
  }
  return hits.sort((a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level])
}

/**
 * The areas containing (lat, lng), city first, then district, then neighbourhood; [] outside
 * every area. The R*Tree query (PostgreSQL: the areas_rtree view) is a prepared statement through
 * the statements adapter: this runs on every located write and every location a person picks, so
 * it skips the query builder.
 */
export async function areasContaining(lat: number, lng: number, db: PlazaDatabase = database()): Promise<AreaHit[]> {
  if (!Number.isFinite(lat) || !Number.isFinite(lng)) return []
  const rows = await statements(db, db.db).all<{ id: number }>('select id from areas_rtree where min_lng <= ? and max_lng >= ? and min_lat <= ? and max_lat >= ?', lng, lng, lat, lat)
  const candidates = rows.map((r) => r.id)
  if (candidates.length === 0) return []
  let byId = fresh()
  if (!byId || candidates.some((id) => !byId!.has(id))) byId = await loadGeometries(db.db)
  return exact(byId, candidates, lat, lng)
}

/** The same lookup inside a write transaction (sees areas written earlier in it). */
export async function areasContainingIn(executor: Kysely<Database> | Transaction<Database>, lat: number, lng: number): Promise<AreaHit[]> {
  if (!Number.isFinite(lat) || !Number.isFinite(lng)) return []
  const rows = await sql<{ id: number }>`select id from areas_rtree
    where min_lng <= ${lng} and max_lng >= ${lng} and min_lat <= ${lat} and max_lat >= ${lat}`.execute(executor)
  const candidates = rows.rows.map((r) => r.id)
  if (candidates.length === 0) return []
  let byId = fresh()
  if (!byId || candidates.some((id) => !byId!.has(id))) byId = await loadGeometries(executor)
  return exact(byId, candidates, lat, lng)
}

/** Every area's geometry, parsed (for the benchmark's brute-force baseline and interior points). */
export async function allAreaGeometries(db: PlazaDatabase = database()): Promise<ParsedArea[]> {
  return [...(fresh() ?? (await loadGeometries(db.db))).values()]
}
