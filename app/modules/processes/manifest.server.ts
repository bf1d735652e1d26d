import { defineManifest } from '../manifest'
import { registerBallotResults } from './projects.server'
import { registerResultsDataset } from './results.server'
import { processJobs } from './jobs.server'
import { registerSurveyModeration } from './surveys.server'

/** Participatory processes (phases, components), the budget cycle, accountability (results). What it plugs into Plaza (docs/processes.md). */
export const manifest = defineManifest({
  name: 'processes',
  routes: ['/processes', '/results', '/admin/processes', '/feeds/results'],
  permissions: ['admin:settings', 'proposal:respond'],
  jobs: processJobs,
  datasets: ['results'],
  feeds: ['/feeds/results.rss', '/feeds/results.atom'],
  mapLayers: ['results'],
  followableKinds: [],
  register() {
    registerBallotResults()
    registerResultsDataset()
    registerSurveyModeration()
  },
})
