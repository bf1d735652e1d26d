import { sql } from 'kysely'
import { z } from 'zod'
import { database } from '../../lib/db.server'
import { indexedBy, joinInOrder } from '../../lib/db/dialect'
import { bboxProblem, latOfMercatorY, lngOfMercatorX, MERCATOR_WORLD, mercatorX, mercatorY, type BBox } from './geometry'
import { ALL, itemUrl, listKinds, MAX_LEVEL, shiftOf, type MapKind } from './map-index.server'

/**
 * GET /api/map/features: the located items in a box at a zoom, as GeoJSON.
 *
 * The answer is a grid of 64-pixel cells at the zoom's clustering level. When the box holds few
 * items (≤ POINT_LIMIT) every item is a point; otherwise each non-empty cell is one cluster with
 * its count per kind (a cell with a single item is shown as that item). The box is widened to whole
 * cells and the answer says so in its `bbox`: every item in that box is counted exactly once, and
 * the same cells give the same answer to every client (so a CDN can share it).
 *
 * Answers read the pre-aggregated `map_cells` (per cell, kind, status and category), so their cost
 * does not grow with the number of items; only the date filter (`since`) groups the items
 * themselves, driven by the R*Tree (its cost grows with the items in the box).
 */

/** Date-filtered answers walk the R*Tree up to this many items in the box, else the date index. */
const RTREE_DRIVEN_MAX = 50_000
/** At most this many individual points in one answer. */
export const POINT_LIMIT = 250
/** At most this many cells per answer: the level is lowered until the box fits. */
export const MAX_CELLS = 400
/** The box may be at most this many pixels wide or high at the requested zoom. */
export const MAX_PIXELS = 8192

const token = /^[a-z0-9][a-z0-9_-]{0,39}$/i
const list = z
  .string()
  .trim()
  .max(400)
  .transform((v) => [
    ...new Set(
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ])
  .refine((v) => v.every((s) => token.test(s)), 'listFormat')
  .optional()

export const featuresQuerySchema = z
  .object({
    bbox: z
      .string({ message: 'bboxMissing' })
      .max(200, 'bboxShape')
      .transform((v) => v.split(',').map((s) => (s.trim() === '' ? NaN : Number(s))))
      .superRefine((b, ctx) => {
        const problem = bboxProblem(b)
        if (problem) ctx.addIssue({ code: 'custom', message: problem })
      }),
    zoom: z.coerce.number({ message: 'zoom' }).min(0, 'zoom').max(24, 'zoom'),
    layers: list,
    status: list,
    category: list,
    since: z
      .string()
      .trim()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'since')
      .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)), 'since')
      .optional(),
  })
  .superRefine((q, ctx) => {
    if (!Array.isArray(q.bbox) || bboxProblem(q.bbox)) return
    const [w, s, e, n] = q.bbox as BBox
    const pixelsPerUnit = (512 * 2 ** q.zoom) / MERCATOR_WORLD
    const width = (mercatorX(e) - mercatorX(w)) * pixelsPerUnit
    const height = (mercatorY(s) - mercatorY(n)) * pixelsPerUnit
    if (width > MAX_PIXELS || height > MAX_PIXELS) ctx.addIssue({ code: 'custom', path: ['bbox'], message: 'bboxTooLarge' })
  })

export type FeaturesQuery = z.infer<typeof featuresQuerySchema> & { bbox: BBox }

/** Parses URL search parameters; on failure, the i18n key (geo:api.*) of the first problem. */
export function parseFeaturesQuery(params: URLSearchParams): { ok: true; query: FeaturesQuery } | { ok: false; problem: string; field: string } {
  const input: Record<string, string> = {}
  for (const key of ['bbox', 'zoom', 'layers', 'status', 'category', 'since']) {
    const value = params.get(key)
    if (value !== null && value !== '') input[key] = value
  }
  const result = featuresQuerySchema.safeParse(input)
  if (!result.success) {
    const issue = result.error.issues[0]!
    const field = String(issue.path[0] ?? 'bbox')
    const problem = field === 'bbox' && issue.code !== 'custom' && input.bbox === undefined ? 'bboxMissing' : issue.message
    return { ok: false, problem: /^[a-zA-Z]+$/.test(problem) ? problem : field, field }
  }
  return { ok: true, query: result.data as FeaturesQuery }
}

import type { PointProperties } from '../../components/map/types'
export type { PointProperties }

export interface ClusterProperties {
  cluster: true
  count: number
  counts: Record<string, number>
  /** The zoom at which this cluster's cell splits into smaller ones. */
  expansionZoom: number
}

export interface MapFeature<P = PointProperties | ClusterProperties> {
  type: 'Feature'
  id: string
  geometry: { type: 'Point'; coordinates: [number, number] }
  properties: P
}

export interface MapFeatureCollection {
  type: 'FeatureCollection'
  /** The box the answer covers: the requested box widened to whole cells. */
  bbox: BBox
  features: MapFeature[]
  /** How the answer was made: its clustering level, the number of items it covers, whether clustered. */
  plaza: { level: number; total: number; clustered: boolean; truncated: boolean }
}

interface CellRow {
  cx: number
  cy: number
  kind: string
  n: number
  sum_lng: number
  sum_lat: number
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6

/** Unknown layers are refused by the route; this returns the kinds asked for among those known. */
export function selectedKinds(query: Pick<FeaturesQuery, 'layers'>, kinds: MapKind[]): { ok: true; kinds: string[] } | { ok: false; unknown: string } {
  if (!query.layers) return { ok: true, kinds: kinds.map((k) => k.kind) }
  const known = new Set(kinds.map((k) => k.kind))
  const unknown = query.layers.find((l) => !known.has(l))
  return unknown ? { ok: false, unknown } : { ok: true, kinds: query.layers }
}

export async function mapFeatures(query: FeaturesQuery, kindNames: string[], kinds?: MapKind[]): Promise<MapFeatureCollection> {
  const { db } = database()
  const registry = kinds ?? (await listKinds())
  const [w, s, e, n] = query.bbox
  const x0 = mercatorX(w)
  const x1 = mercatorX(e)
  const y0 = mercatorY(n)
  const y1 = mercatorY(s)
  let level = Math.max(0, Math.min(MAX_LEVEL, Math.floor(query.zoom)))
  while (level > 0 && ((x1 >> shiftOf(level)) - (x0 >> shiftOf(level)) + 1) * ((y1 >> shiftOf(level)) - (y0 >> shiftOf(level)) + 1) > MAX_CELLS) level--
  const shift = shiftOf(level)
  const cx0 = x0 >> shift
  const cx1 = x1 >> shift
  const cy0 = y0 >> shift
  const cy1 = y1 >> shift
  // The covered box in Mercator units (inclusive) and degrees.
  const mx0 = cx0 * 2 ** shift
  const mx1 = (cx1 + 1) * 2 ** shift - 1
  const my0 = cy0 * 2 ** shift
  const my1 = (cy1 + 1) * 2 ** shift - 1
  const covered: BBox = [round6(lngOfMercatorX(mx0)), round6(latOfMercatorY(my1 + 1)), round6(lngOfMercatorX(mx1 + 1)), round6(latOfMercatorY(my0))]
  const empty = (): MapFeatureCollection => ({ type: 'FeatureCollection', bbox: covered, features: [], plaza: { level, total: 0, clustered: false, truncated: false } })
  if (kindNames.length === 0) return empty()

  const exactPath = Boolean(query.since)
  let rows: CellRow[]
  if (!exactPath) {
    // cx as a list (≤ MAX_CELLS columns): SQLite seeks each column's cy range instead of scanning
    // every cell of the columns.
    const columns = Array.from({ length: cx1 - cx0 + 1 }, (_, i) => cx0 + i)
    let q = db
      .selectFrom('map_cells')
      .select(['cx', 'cy', 'kind', 'n', 'sum_lng', 'sum_lat'])
      .where('level', '=', level)
      .where('kind', 'in', kindNames)
      .where('cx', 'in', columns)
      .where('cy', '>=', cy0)
      .where('cy', '<=', cy1)
      .where('n', '>', 0)
    // Rollup rows ('*') answer "every status" and "every category" without summing them here.
    q = query.status?.length ? q.where('status', 'in', query.status) : q.where('status', '=', ALL)
    q = query.category?.length ? q.where('category', 'in', query.category) : q.where('category', '=', ALL)
    rows = await q.execute()
  } else {
    // The date filter groups the items themselves. Few items in the box: walk the R*Tree; many
    // (a whole-city view): walk the index on created_at instead, so the cost follows the items
    // created since the date rather than every item in the box.
    const inBox = await db
      .selectFrom('map_cells')
      .select(sql<number>`coalesce(sum(n), 0)`.as('n'))
      .where('level', '=', level)
      .where('cx', '>=', cx0)
      .where('cx', '<=', cx1)
      .where('cy', '>=', cy0)
      .where('cy', '<=', cy1)
      .where('kind', 'in', kindNames)
      .where('status', '=', ALL)
      .where('category', '=', ALL)
      .executeTakeFirstOrThrow()
    const result = await sql<CellRow>`select i.mx >> ${shift} as cx, i.my >> ${shift} as cy, i.kind as kind,
        count(*) as n, sum(i.lng) as sum_lng, sum(i.lat) as sum_lat
      ${inBox.n <= RTREE_DRIVEN_MAX ? itemsInBox(covered, { mx0, mx1, my0, my1 }, kindNames, query) : itemsSince({ mx0, mx1, my0, my1 }, kindNames, query)}
      group by 1, 2, 3`.execute(db)
    rows = result.rows
  }

  const cells = new Map<string, { cx: number; cy: number; n: number; counts: Record<string, number>; lng: number; lat: number }>()
  let total = 0
  for (const r of rows) {
    if (r.n <= 0) continue
    const key = `${r.cx}:${r.cy}`
    let cell = cells.get(key)
    if (!cell) cells.set(key, (cell = { cx: r.cx, cy: r.cy, n: 0, counts: {}, lng: 0, lat: 0 }))
    cell.n += r.n
    cell.counts[r.kind] = (cell.counts[r.kind] ?? 0) + r.n
    cell.lng += r.sum_lng
    cell.lat += r.sum_lat
    total += r.n
  }
  if (total === 0) return empty()

  const byKind = new Map(registry.map((k) => [k.kind, k]))
  const pointsOf = async (box: { mx0: number; mx1: number; my0: number; my1: number }, limit: number) => {
    const boxDegrees: BBox = [lngOfMercatorX(box.mx0), latOfMercatorY(box.my1 + 1), lngOfMercatorX(box.mx1 + 1), latOfMercatorY(box.my0)]
    const { rows: items } = await sql<{
      kind: string
      item_id: number
      lng: number
      lat: number
      title: string
      status: string
      category: string | null
      created_at: string
    }>`select i.kind, i.item_id, i.lng, i.lat, i.title, i.status, i.category, i.created_at
      ${itemsInBox(boxDegrees, box, kindNames, query)}
      order by i.id limit ${limit}`.execute(db)
    return items.map((i): MapFeature<PointProperties> => ({
      type: 'Feature',
      id: `${i.kind}:${i.item_id}`,
      geometry: { type: 'Point', coordinates: [i.lng, i.lat] },
      properties: {
        cluster: false,
        kind: i.kind,
        itemId: i.item_id,
        title: i.title,
        status: i.status,
        category: i.category,
        createdAt: i.created_at,
        url: itemUrl(byKind.get(i.kind), i.item_id),
      },
    }))
  }

  // Beyond the deepest level cells cannot split further: show points, at most a bounded number.
  if (total <= POINT_LIMIT || query.zoom >= MAX_LEVEL + 1) {
    const features = await pointsOf({ mx0, mx1, my0, my1 }, POINT_LIMIT + 1)
    const truncated = features.length > POINT_LIMIT
    return { type: 'FeatureCollection', bbox: covered, features: features.slice(0, POINT_LIMIT), plaza: { level, total, clustered: false, truncated } }
  }

  const features: MapFeature[] = []
  for (const cell of cells.values()) {
    if (cell.n === 1) {
      const [point] = await pointsOf({ mx0: cell.cx * 2 ** shift, mx1: (cell.cx + 1) * 2 ** shift - 1, my0: cell.cy * 2 ** shift, my1: (cell.cy + 1) * 2 ** shift - 1 }, 1)
      if (point) {
        features.push(point)
        continue
      }
    }
    features.push({
      type: 'Feature',
      id: `cluster:${level}:${cell.cx}:${cell.cy}`,
      geometry: { type: 'Point', coordinates: [round6(cell.lng / cell.n), round6(cell.lat / cell.n)] },
      properties: { cluster: true, count: cell.n, counts: cell.counts, expansionZoom: Math.min(level + 2, MAX_LEVEL + 1) },
    })
  }
  return { type: 'FeatureCollection', bbox: covered, features, plaza: { level, total, clustered: true, truncated: false } }
}

/**
 * SQLite R*Tree: `from … where …` for the visible items of the given kinds in a box. CROSS JOIN
 * makes SQLite walk the R*Tree first (otherwise it may prefer scanning an index on kind). The
 * R*Tree stores 32-bit floats, so its box is slightly widened and the exact Mercator cell range
 * decides.
 */
function itemsInBox([w, s, e, n]: BBox, box: { mx0: number; mx1: number; my0: number; my1: number }, kinds: string[], filter: Pick<FeaturesQuery, 'status' | 'category' | 'since'>) {
  const pad = 1e-6
  const list = (values: string[]) => sql.join(values.map((v) => sql`${v}`))
  return sql`from map_items_rtree r ${joinInOrder(database().db)} map_items i on i.id = r.id
    where r.min_lng <= ${e + pad} and r.max_lng >= ${w - pad} and r.min_lat <= ${n + pad} and r.max_lat >= ${s - pad}
      and i.mx between ${box.mx0} and ${box.mx1} and i.my between ${box.my0} and ${box.my1}
      and i.visible = 1 and i.kind in (${list(kinds)})
      ${filter.status?.length ? sql`and i.status in (${list(filter.status)})` : sql``}
      ${filter.category?.length ? sql`and i.category in (${list(filter.category)})` : sql``}
      ${filter.since ? sql`and i.created_at >= ${`${filter.since}T00:00:00.000Z`}` : sql``}`
}

/** `from … where …` for visible items created since a date, driven by the index on created_at. */
function itemsSince(box: { mx0: number; mx1: number; my0: number; my1: number }, kinds: string[], filter: Pick<FeaturesQuery, 'status' | 'category' | 'since'>) {
  const list = (values: string[]) => sql.join(values.map((v) => sql`${v}`))
  return sql`from map_items i ${indexedBy(database().db, 'map_items_created')}
    where i.created_at >= ${`${filter.since}T00:00:00.000Z`}
      and i.mx between ${box.mx0} and ${box.mx1} and i.my between ${box.my0} and ${box.my1}
      and i.visible = 1 and i.kind in (${list(kinds)})
      ${filter.status?.length ? sql`and i.status in (${list(filter.status)})` : sql``}
      ${filter.category?.length ? sql`and i.category in (${list(filter.category)})` : sql``}`
}

/** The raw R*Tree query for a box (the benchmark's baseline): how many points it holds. */
export async function rtreeCount([w, s, e, n]: BBox): Promise<number> {
  const r = await sql<{ n: number }>`select count(*) as n from map_items_rtree where min_lng <= ${e} and max_lng >= ${w} and min_lat <= ${n} and max_lat >= ${s}`.execute(database().db)
  return r.rows[0]?.n ?? 0
}
