import { defineManifest } from '../manifest'
import { notificationJobs } from './jobs.server'
import { relocateAreaSubscriptions } from './relocate-areas.server'

/** Following, e-mail digests, the shared proposal and petition feed (each kind serves its own). What it plugs into Plaza (docs/architecture.md). */
export const manifest = defineManifest({
  name: 'notifications',
  routes: ['/follow', '/account/subscriptions'],
  permissions: [],
  jobs: notificationJobs,
  datasets: [],
  feeds: [],
  mapLayers: [],
  relocateAreas: async (r) => ({ subscriptions: await relocateAreaSubscriptions(r) }),
  followableKinds: [],
})
