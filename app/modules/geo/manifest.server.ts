import { defineManifest } from '../manifest'

/** Areas, the one map index, point-in-area, the features API, geography import. What it plugs into Plaza (docs/architecture.md). */
export const manifest = defineManifest({
  name: 'geo',
  routes: ['/areas', '/map', '/api/map/features', '/admin/areas'],
  permissions: ['admin:settings'],
  jobs: [],
  datasets: [],
  feeds: [],
  mapLayers: [],
  followableKinds: ['area'],
})
