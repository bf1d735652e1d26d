import { database } from '../../lib/db.server'
import type { AreaLevel } from '../../../db/schema'
import type { AreaGeometry } from './geometry'
import { fitViewport, svgPath } from './svg'

/** Read side of the areas (city → districts → neighbourhoods). */

export interface CityProfile {
  name: string
  slug: string
  river: string
}

export interface AreaSummary {
  id: number
  slug: string
  name: string
  level: AreaLevel
  parentId: number | null
  areaKm2: number
}

export interface CityOverview {
  city: CityProfile
  districts: Array<AreaSummary & { neighbourhoods: number; path: string }>
  cityPath: string
  neighbourhoodPaths: string[]
  neighbourhoodCount: number
  areaKm2: number
  width: number
  height: number
}

// Areas change only when an administrator edits them; a short cache keeps the home page cheap.
// Each app server holds its own copy, so staleness is bounded by the TTL.
const TTL_MS = 30_000
const cache = new Map<string, { at: number; value: unknown }>()
async function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
  const hit = cache.get(key)
  if (hit && Date.now() - hit.at < TTL_MS) return hit.value as T
  const value = await load()
  cache.set(key, { at: Date.now(), value })
  return value
}

export function forgetCachedAreas() {
  cache.clear()
}

export function cityProfile(): Promise<CityProfile | null> {
  return cached('city', async () => {
    const row = await database().db.selectFrom('settings').select('value').where('key', '=', 'city').executeTakeFirst()
    return row ? (JSON.parse(row.value) as CityProfile) : null
  })
}

export function cityOverview(): Promise<CityOverview | null> {
  return cached('overview', async () => {
    const city = await cityProfile()
    const rows = await database()
      .db.selectFrom('areas')
      .select(['id', 'slug', 'name', 'level', 'parent_id', 'geometry', 'min_lng', 'min_lat', 'max_lng', 'max_lat', 'area_m2'])
      .orderBy('name')
      .execute()
    const cityRow = rows.find((r) => r.level === 'city')
    if (!city || !cityRow) return null
    const view = fitViewport([cityRow.min_lng, cityRow.min_lat, cityRow.max_lng, cityRow.max_lat], 640)
    const path = (g: string) => svgPath(JSON.parse(g) as AreaGeometry, view)
    const neighbourhoods = rows.filter((r) => r.level === 'neighbourhood')
    const districts = rows
      .filter((r) => r.level === 'district')
      .map((d) => ({
        id: d.id,
        slug: d.slug,
        name: d.name,
        level: d.level,
        parentId: d.parent_id,
        areaKm2: d.area_m2 / 1e6,
        neighbourhoods: neighbourhoods.filter((n) => n.parent_id === d.id).length,
        path: path(d.geometry),
      }))
    return {
      city,
      districts,
      cityPath: path(cityRow.geometry),
      neighbourhoodPaths: neighbourhoods.map((n) => path(n.geometry)),
      neighbourhoodCount: neighbourhoods.length,
      areaKm2: cityRow.area_m2 / 1e6,
      width: view.width,
      height: view.height,
    }
  })
}
