import type { AreaGeometry } from '../geo/geometry'
import { fitViewport, svgPath } from '../geo/svg'
import { database } from '../../lib/db.server'

/**
 * The areas' outlines as SVG paths for the petition page's choropleth, projected once and kept
 * for five minutes per process (areas change only when an administrator edits them).
 */
export interface AreaShapes {
  width: number
  height: number
  city: string
  areas: Array<{ id: number; level: 'district' | 'neighbourhood'; path: string }>
}

const WIDTH = 480
const TTL_MS = 5 * 60_000
let cache: { at: number; shapes: AreaShapes | null } | null = null

export async function areaShapes(): Promise<AreaShapes | null> {
  if (cache && Date.now() - cache.at < TTL_MS) return cache.shapes
  const rows = await database().db.selectFrom('areas').select(['id', 'level', 'geometry', 'min_lng', 'min_lat', 'max_lng', 'max_lat']).orderBy('id').execute()
  const city = rows.find((r) => r.level === 'city')
  let shapes: AreaShapes | null = null
  if (city) {
    const view = fitViewport([city.min_lng, city.min_lat, city.max_lng, city.max_lat], WIDTH)
    const path = (g: string) => svgPath(JSON.parse(g) as AreaGeometry, view)
    shapes = {
      width: view.width,
      height: view.height,
      city: path(city.geometry),
      areas: rows.filter((r) => r.level === 'district' || r.level === 'neighbourhood').map((r) => ({ id: r.id, level: r.level as 'district' | 'neighbourhood', path: path(r.geometry) })),
    }
  }
  cache = { at: Date.now(), shapes }
  return shapes
}
