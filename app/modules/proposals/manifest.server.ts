import { defineManifest } from '../manifest'
import { registerProposalKinds } from './kinds.server'

/** Proposals, supports, images. What it plugs into Plaza (docs/architecture.md). */
export const manifest = defineManifest({
  name: 'proposals',
  routes: ['/proposals', '/council/proposals'],
  permissions: ['proposal:respond'],
  jobs: ['hot scores and archiving (refreshHotScores, archiveExpiredProposals)', 'abandoned images (deleteAbandonedProposalImages)'],
  datasets: [],
  feeds: [],
  mapLayers: ['proposals'],
  followableKinds: ['proposal'],
  register() {
    registerProposalKinds()
  },
})
