import { defineManifest } from '../manifest'

/** Flags, the queue, blocks, the audit log. What it plugs into Plaza (docs/architecture.md). */
export const manifest = defineManifest({
  name: 'moderation',
  routes: ['/moderation'],
  permissions: ['moderation:access', 'content:moderate', 'user:block'],
  jobs: [],
  datasets: [],
  feeds: [],
  mapLayers: [],
  followableKinds: [],
})
