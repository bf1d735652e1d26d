import { defineManifest } from '../manifest'
import { relocateRoutingRules } from './relocate-areas.server'

/** Departments, categories and their questions, routing rules, state names. What it plugs into Plaza (docs/architecture.md). */
export const manifest = defineManifest({
  name: 'services',
  routes: ['/admin/services'],
  permissions: ['admin:settings'],
  jobs: [],
  datasets: [],
  feeds: [],
  mapLayers: [],
  relocateAreas: async (r) => ({ routingRules: await relocateRoutingRules(r) }),
  followableKinds: [],
})
