import { defineManifest } from '../manifest'
import { votingJobs } from './jobs.server'
import { relocateVotingAreas } from './relocate-areas.server'
import { registerProposalVoting } from './processes.server'
import { registerVoting } from './voting.server'

/** Voting processes, ballots, delegation, the ballot chain. What it plugs into Plaza (docs/architecture.md). */
export const manifest = defineManifest({
  name: 'voting',
  routes: ['/votes', '/admin/votes', '/account/delegations'],
  permissions: ['admin:access'],
  jobs: votingJobs,
  datasets: [],
  feeds: [],
  mapLayers: [],
  relocateAreas: async (r) => {
    const moved = await relocateVotingAreas(r)
    return { votingProcesses: moved.processes, delegations: moved.delegations }
  },
  followableKinds: ['vote'],
  register() {
    registerProposalVoting()
    registerVoting()
  },
})
