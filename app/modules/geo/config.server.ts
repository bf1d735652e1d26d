import { config } from '../../lib/config.server'
import type { MapClientConfig } from '../../components/map/types'

/** What the browser's map needs from the configuration (no secrets: URLs the browser fetches anyway). */
export function mapClientConfig(): MapClientConfig {
  const c = config()
  return {
    tileUrl: c.MAP_TILE_URL ?? null,
    styleUrl: c.MAP_STYLE_URL ?? null,
    attribution: c.MAP_ATTRIBUTION ?? null,
    geocoderUrl: c.GEOCODER_URL ?? null,
  }
}
