import { database } from '../../lib/db.server'
import type { AreaLevel } from '../../../db/schema'
import { interiorPoint, type AreaGeometry } from './geometry'
import { fitViewport, svgPath } from './svg'
import { districtColours } from './colours'
import { forgetAreaGeometries } from './lookup.server'
import { localize } from '../../lib/localized'
import { cityDefaultLocale } from '../../lib/localized.server'
import { escapeXml } from '../../lib/xml'

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
  forgetAreaGeometries()
}

export function cityProfile(): Promise<CityProfile | null> {
  return cached('city', async () => {
    const row = await database().db.selectFrom('settings').select('value').where('key', '=', 'city').executeTakeFirst()
    return row ? (JSON.parse(row.value) as CityProfile) : null
  })
}

// Drawing (SVG, the map's outlines) uses the simplified copy an import keeps; point-in-area the exact one.
const drawn = (r: { geometry: string; geometry_simplified: string | null }) => r.geometry_simplified ?? r.geometry

/**
 * Every area; with `locale`, each name in that language (the names an import gave per language),
 * else the default language's — the stored `name`.
 */
async function loadAreas(locale?: string) {
  const rows = await database()
    .db.selectFrom('areas')
    .select(['id', 'slug', 'name', 'names', 'level', 'parent_id', 'geometry', 'geometry_simplified', 'min_lng', 'min_lat', 'max_lng', 'max_lat', 'area_m2'])
    .orderBy('name')
    .execute()
  if (!locale) return rows
  const fallback = cityDefaultLocale()
  // The default language's order stays (a district's colour follows its place in the list).
  return rows.map((r) => ({ ...r, name: localize(r.names, locale, fallback) || r.name }))
}

const MAP_WIDTH = 640

export function cityOverview(locale?: string): Promise<CityOverview | null> {
  return cached(`${'overview'}:${locale ?? ''}`, async () => {
    const city = await cityProfile()
    const rows = await loadAreas(locale)
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
      `<path d="${path(drawn(cityRow))}" fill="#ffffff" fill-rule="evenodd"/>`,
    ]
    rows
      .filter((r) => r.level === 'district')
      .forEach((d, i) =>
        parts.push(
          `<path d="${path(drawn(d))}" fill="${districtColours[i % districtColours.length]}" fill-opacity="0.45" stroke="#33414d" stroke-width="1.2" fill-rule="evenodd"><title>${escapeXml(d.name)}</title></path>`,
        ),
      )
    for (const n of rows.filter((r) => r.level === 'neighbourhood')) {
      parts.push(`<path d="${path(drawn(n))}" fill="none" stroke="#ffffff" stroke-width="0.8" stroke-opacity="0.9" fill-rule="evenodd"/>`)
    }
    parts.push('</svg>')
    return parts.join('')
  })
}

export interface AreaOption {
  slug: string
  name: string
  level: AreaLevel
  /** The district a neighbourhood belongs to (for grouping in lists). */
  parentSlug: string | null
}

/** Districts and their neighbourhoods, for area lists and the location picker's no-JS choice. */
export function areaOptions(locale?: string): Promise<AreaOption[]> {
  return cached(`${'options'}:${locale ?? ''}`, async () => {
    const rows = await loadAreas(locale)
    const slugById = new Map(rows.map((r) => [r.id, r.slug]))
    return rows.filter((r) => r.level !== 'city').map((r) => ({ slug: r.slug, name: r.name, level: r.level, parentSlug: r.parent_id ? (slugById.get(r.parent_id) ?? null) : null }))
  })
}

/** The city's bounding box [w, s, e, n], where maps start. */
export function cityBounds(): Promise<[number, number, number, number] | null> {
  return cached('bounds', async () => {
    const row = await database().db.selectFrom('areas').select(['min_lng', 'min_lat', 'max_lng', 'max_lat']).where('level', '=', 'city').executeTakeFirst()
    return row ? [row.min_lng, row.min_lat, row.max_lng, row.max_lat] : null
  })
}

/**
 * Every area as GeoJSON for the interactive map: `colour` is the district's index in the legend
 * (neighbourhoods take their district's), so maps and lists agree.
 */
export function areasGeoJson(locale?: string): Promise<string> {
  return cached(`${'areas.geojson'}:${locale ?? ''}`, async () => {
    const rows = await loadAreas(locale)
    const districtIndex = new Map(rows.filter((r) => r.level === 'district').map((d, i) => [d.id, i % districtColours.length]))
    const features = rows.map((r) => ({
      type: 'Feature',
      id: r.id,
      properties: {
        slug: r.slug,
        name: r.name,
        level: r.level,
        colour: districtColours[districtIndex.get(r.level === 'district' ? r.id : (r.parent_id ?? -1)) ?? 0],
      },
      geometry: JSON.parse(drawn(r)) as AreaGeometry,
    }))
    return JSON.stringify({ type: 'FeatureCollection', features })
  })
}

export interface AreaDetail extends AreaSummary {
  bbox: [number, number, number, number]
  parent: { slug: string; name: string; level: AreaLevel } | null
  children: Array<{ slug: string; name: string }>
  /** Outline for the page's static map: the area over its parent, as SVG path data. */
  svg: { width: number; height: number; context: string; outline: string }
  colour: string
}

/** One district or neighbourhood by its slug (the city itself has the home page). */
export function areaBySlug(slug: string, locale?: string): Promise<AreaDetail | null> {
  return cached(`area:${slug}:${locale ?? ''}`, async () => {
    const rows = await loadAreas(locale)
    const row = rows.find((r) => r.slug === slug && r.level !== 'city')
    if (!row) return null
    const parent = rows.find((r) => r.id === row.parent_id) ?? null
    const district = row.level === 'district' ? row : parent
    const districtIndex = rows.filter((r) => r.level === 'district').findIndex((d) => d.id === district?.id)
    const bbox: [number, number, number, number] = [row.min_lng, row.min_lat, row.max_lng, row.max_lat]
    const frame = parent ?? row
    const view = fitViewport([frame.min_lng, frame.min_lat, frame.max_lng, frame.max_lat], 480)
    return {
      id: row.id,
      slug: row.slug,
      name: row.name,
      level: row.level,
      parentId: row.parent_id,
      areaKm2: row.area_m2 / 1e6,
      bbox,
      parent: parent && parent.level !== 'city' ? { slug: parent.slug, name: parent.name, level: parent.level } : null,
      children: rows.filter((r) => r.parent_id === row.id).map((r) => ({ slug: r.slug, name: r.name })),
      svg: {
        width: view.width,
        height: view.height,
        context: svgPath(JSON.parse(drawn(frame)) as AreaGeometry, view),
        outline: svgPath(JSON.parse(drawn(row)) as AreaGeometry, view),
      },
      colour: districtColours[Math.max(0, districtIndex) % districtColours.length]!,
    }
  })
}

/** Bounding box and representative inside point of an area (for "choose an area" without JS). */
export function areaPoint(slug: string): Promise<{ id: number; lat: number; lng: number } | null> {
  return cached(`point:${slug}`, async () => {
    const rows = await loadAreas()
    const row = rows.find((r) => r.slug === slug && r.level !== 'city')
    if (!row) return null
    const [lng, lat] = interiorPoint(JSON.parse(row.geometry) as AreaGeometry)
    return { id: row.id, lat: Math.round(lat * 1e6) / 1e6, lng: Math.round(lng * 1e6) / 1e6 }
  })
}

/** Districts with their neighbourhoods (ids for counts), in name order. */
export function areaTree(
  locale?: string,
): Promise<Array<{ id: number; slug: string; name: string; areaKm2: number; neighbourhoods: Array<{ id: number; slug: string; name: string; areaKm2: number }> }>> {
  return cached(`${'tree'}:${locale ?? ''}`, async () => {
    const rows = await loadAreas(locale)
    return rows
      .filter((r) => r.level === 'district')
      .map((d) => ({
        id: d.id,
        slug: d.slug,
        name: d.name,
        areaKm2: d.area_m2 / 1e6,
        neighbourhoods: rows.filter((n) => n.parent_id === d.id).map((n) => ({ id: n.id, slug: n.slug, name: n.name, areaKm2: n.area_m2 / 1e6 })),
      }))
  })
}

/** The current slug of an area that was renamed or merged (a re-import), for a permanent redirect. */
export async function renamedAreaSlug(oldSlug: string): Promise<string | null> {
  const row = await database().db.selectFrom('area_slug_redirects as r').innerJoin('areas as a', 'a.id', 'r.area_id').select('a.slug').where('r.old_slug', '=', oldSlug).executeTakeFirst()
  return row?.slug ?? null
}
