import { defineManifest } from '../manifest'
import { relocateAreaSubscriptions } from './relocate-areas.server'

/** Following, e-mail digests, the shared proposal and petition feed (each kind serves its own). What it plugs into Plaza (docs/architecture.md). */
export const manifest = defineManifest({
  name: 'notifications',
  routes: ['/follow', '/account/subscriptions'],
  permissions: [],
  jobs: ['daily digests (startDigestJob)'],
  datasets: [],
  feeds: [],
  mapLayers: [],
  relocateAreas: (r) => ({ subscriptions: relocateAreaSubscriptions(r) }),
  followableKinds: [],
})
