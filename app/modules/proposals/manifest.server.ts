import { defineManifest } from '../manifest'
import { proposalJobs } from './jobs.server'
import { relocateProposalAreas } from './relocate-areas.server'
import { registerProposalKinds } from './kinds.server'

/** Proposals, supports, images. What it plugs into Plaza (docs/architecture.md). */
export const manifest = defineManifest({
  name: 'proposals',
  routes: ['/proposals', '/council/proposals', '/feeds/proposals'],
  permissions: ['proposal:respond'],
  jobs: proposalJobs,
  datasets: [],
  feeds: ['/feeds/proposals.rss', '/feeds/proposals/area/<slug>.rss', '/feeds/proposals/category/<code>.rss'],
  mapLayers: ['proposals'],
  relocateAreas: async (r) => ({ proposals: await relocateProposalAreas(r) }),
  followableKinds: ['proposal'],
  register() {
    registerProposalKinds()
  },
})
