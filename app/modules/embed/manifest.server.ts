import { defineManifest } from '../manifest'

/** Widgets other sites embed, oEmbed, allowed origins. What it plugs into Plaza (docs/architecture.md). */
export const manifest = defineManifest({
  name: 'embed',
  routes: ['/embed', '/oembed'],
  permissions: ['admin:settings'],
  jobs: [],
  datasets: [],
  feeds: [],
  mapLayers: [],
  followableKinds: [],
})
