import { defineManifest } from '../manifest'

/** Following, e-mail digests, proposal and petition feeds. What it plugs into Plaza (docs/architecture.md). */
export const manifest = defineManifest({
  name: 'notifications',
  routes: ['/follow', '/account/subscriptions', '/feeds/proposals', '/feeds/petitions'],
  permissions: [],
  jobs: ['daily digests (startDigestJob)'],
  datasets: [],
  feeds: [
    '/feeds/proposals.rss',
    '/feeds/proposals/area/<slug>.rss',
    '/feeds/proposals/category/<code>.rss',
    '/feeds/petitions.rss',
    '/feeds/petitions/area/<slug>.rss',
    '/feeds/petitions/category/<code>.rss',
  ],
  mapLayers: [],
  followableKinds: [],
})
