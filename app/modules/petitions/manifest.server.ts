import { defineManifest } from '../manifest'
import { petitionJobs } from './jobs.server'
import { relocatePetitionAreas } from './relocate-areas.server'
import { registerPetitionKinds } from './kinds.server'
import { registerPetitionSignatures } from './signatures.server'

/** Petitions, signatures, responses. What it plugs into Plaza (docs/architecture.md). */
export const manifest = defineManifest({
  name: 'petitions',
  routes: ['/petitions', '/council/petitions', '/moderation/petitions', '/feeds/petitions'],
  permissions: ['petition:respond', 'content:moderate'],
  jobs: petitionJobs,
  datasets: [],
  feeds: ['/feeds/petitions.rss', '/feeds/petitions/area/<slug>.rss', '/feeds/petitions/category/<code>.rss'],
  mapLayers: ['petitions'],
  relocateAreas: async (r) => {
    const moved = await relocatePetitionAreas(r)
    return { signatures: moved.signatures, petitions: moved.petitions }
  },
  followableKinds: ['petition'],
  register() {
    registerPetitionKinds()
    registerPetitionSignatures()
  },
})
