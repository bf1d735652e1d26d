import { defineManifest } from '../manifest'
import { registerOpen311 } from './open311.server'

/** The Open311 GeoReport v2 API. What it plugs into Plaza (docs/architecture.md). */
export const manifest = defineManifest({
  name: 'open311',
  routes: ['/open311', '/admin/api-keys'],
  permissions: ['admin:settings'],
  jobs: [],
  datasets: [],
  feeds: [],
  mapLayers: [],
  followableKinds: [],
  register() {
    // A department deleted in services detaches its API keys (this module owns api_keys).
    registerOpen311()
  },
})
