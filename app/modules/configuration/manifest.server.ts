import { defineManifest } from '../manifest'

/** The city's configuration as one file: export, preview, apply. What it plugs into Plaza (docs/architecture.md). */
export const manifest = defineManifest({
  name: 'configuration',
  routes: ['/admin/configuration'],
  permissions: ['admin:settings'],
  jobs: [],
  datasets: [],
  feeds: [],
  mapLayers: [],
  followableKinds: [],
})
