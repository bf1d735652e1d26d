import { defineManifest } from '../manifest'
import { registerCommentModeration } from './deliberation.server'
import { registerAreaDiscussions } from './kinds.server'

/** Discussions under any content (kind, id). What it plugs into Plaza (docs/architecture.md). */
export const manifest = defineManifest({
  name: 'deliberation',
  routes: ['/discussions', '/comments'],
  permissions: ['content:moderate'],
  jobs: [],
  datasets: [],
  feeds: [],
  mapLayers: [],
  followableKinds: [],
  register() {
    registerAreaDiscussions()
    registerCommentModeration()
  },
})
