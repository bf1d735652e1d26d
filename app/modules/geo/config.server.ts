import { config } from '../../lib/config.server'
import type { MapClientConfig } from '../../components/map/types'
import { PLAZA_STYLE_URL } from '../basemap/style'

/** What the browser's map needs from the configuration (no secrets: URLs the browser fetches anyway). */
export function mapClientConfig(): MapClientConfig {
  const c = config()
  return {
    tileUrl: c.MAP_TILE_URL ?? null,
    // Without an outside base map, Plaza's own (docs/basemap.md): streets from the imported extract.
    styleUrl: c.MAP_STYLE_URL ?? (c.MAP_TILE_URL ? null : PLAZA_STYLE_URL),
    attribution: c.MAP_ATTRIBUTION ?? null,
    geocoderUrl: c.GEOCODER_URL ?? null,
  }
}
