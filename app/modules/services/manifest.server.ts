import { defineManifest } from '../manifest'

/** Departments, categories and their questions, routing rules, state names. What it plugs into Plaza (docs/architecture.md). */
export const manifest = defineManifest({
  name: 'services',
  routes: ['/admin/services'],
  permissions: ['admin:settings'],
  jobs: [],
  datasets: [],
  feeds: [],
  mapLayers: [],
  followableKinds: [],
})
