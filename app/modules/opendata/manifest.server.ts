import { defineManifest } from '../manifest'
import { registerCoreDatasets } from './sources.server'
import { registerPetitionAndRepresentativeDatasets } from './sources-more.server'

/** Open-data datasets, streamed as CSV, JSON and GeoJSON. What it plugs into Plaza (docs/architecture.md). */
export const manifest = defineManifest({
  name: 'opendata',
  routes: ['/data'],
  permissions: [],
  jobs: [],
  datasets: ['reports', 'proposals', 'vote-results', 'ballots', 'petitions', 'petition-signatures-by-area', 'representatives'],
  feeds: [],
  mapLayers: [],
  followableKinds: [],
  register() {
    registerCoreDatasets()
    registerPetitionAndRepresentativeDatasets()
  },
})
