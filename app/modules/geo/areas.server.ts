import { database } from '../../lib/db.server'
import type { AreaLevel } from '../../../db/schema'
import type { AreaGeometry } from './geometry'
import { fitViewport, svgPath } from './svg'
import { districtColours } from './colours'

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
  /** In name order; a district's colour on the map is districtColours[index % 8]. */
  districts: Array<AreaSummary & { neighbourhoods: number }>
  neighbourhoodCount: number
  areaKm2: number
  /** The map's aspect ratio, so the page reserves its space before the image loads. */
  mapWidth: number
  mapHeight: number
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

async function loadAreas() {
  return database()
    .db.selectFrom('areas')
    .select(['id', 'slug', 'name', 'level', 'parent_id', 'geometry', 'min_lng', 'min_lat', 'max_lng', 'max_lat', 'area_m2'])
    .orderBy('name')
    .execute()
}

const MAP_WIDTH = 640

export function cityOverview(): Promise<CityOverview | null> {
  return cached('overview', async () => {
    const city = await cityProfile()
    const rows = await loadAreas()
    const cityRow = rows.find((r) => r.level === 'city')
    if (!city || !cityRow) return null
    const view = fitViewport([cityRow.min_lng, cityRow.min_lat, cityRow.max_lng, cityRow.max_lat], MAP_WIDTH)
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
      }))
    return { city, districts, neighbourhoodCount: neighbourhoods.length, areaKm2: cityRow.area_m2 / 1e6, mapWidth: view.width, mapHeight: view.height }
  })
}

const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)

/**
 * The city, its districts (coloured as in the legends) and neighbourhood outlines as one SVG
 * image, drawn without JavaScript or WebGL. Presentation attributes only (no <style>), so it
 * renders under any Content-Security-Policy.
 */
export function cityMapSvg(): Promise<string | null> {
  return cached('city.svg', async () => {
    const rows = await loadAreas()
    const cityRow = rows.find((r) => r.level === 'city')
    if (!cityRow) return null
    const view = fitViewport([cityRow.min_lng, cityRow.min_lat, cityRow.max_lng, cityRow.max_lat], MAP_WIDTH)
    const path = (g: string) => svgPath(JSON.parse(g) as AreaGeometry, view)
    const parts = [
      `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${view.width} ${view.height}" width="${view.width}" height="${view.height}">`,
      `<rect width="100%" height="100%" fill="#dceaf4"/>`,
      `<path d="${path(cityRow.geometry)}" fill="#ffffff" fill-rule="evenodd"/>`,
    ]
    rows
      .filter((r) => r.level === 'district')
      .forEach((d, i) =>
        parts.push(
          `<path d="${path(d.geometry)}" fill="${districtColours[i % districtColours.length]}" fill-opacity="0.45" stroke="#33414d" stroke-width="1.2" fill-rule="evenodd"><title>${escapeXml(d.name)}</title></path>`,
        ),
      )
    for (const n of rows.filter((r) => r.level === 'neighbourhood')) {
      parts.push(`<path d="${path(n.geometry)}" fill="none" stroke="#ffffff" stroke-width="0.8" stroke-opacity="0.9" fill-rule="evenodd"/>`)
    }
    parts.push('</svg>')
    return parts.join('')
  })
}
