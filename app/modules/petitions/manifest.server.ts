import { defineManifest } from '../manifest'
import { registerPetitionKinds } from './kinds.server'
import { registerPetitionSignatures } from './signatures.server'

/** Petitions, signatures, responses. What it plugs into Plaza (docs/architecture.md). */
export const manifest = defineManifest({
  name: 'petitions',
  routes: ['/petitions', '/council/petitions', '/moderation/petitions'],
  permissions: ['petition:respond', 'content:moderate'],
  jobs: ['closing expired petitions and signers’ mailings (closeExpiredPetitions, sendPetitionMailings)'],
  datasets: [],
  feeds: [],
  mapLayers: ['petitions'],
  followableKinds: ['petition'],
  register() {
    registerPetitionKinds()
    registerPetitionSignatures()
  },
})
