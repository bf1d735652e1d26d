import { defineManifest } from '../manifest'
import { letterJobs } from './jobs.server'
import { relocateRepresentativeAreas } from './relocate-areas.server'
import { registerLetterMail } from './letters.server'

/** Letters to representatives, the representatives directory. What it plugs into Plaza (docs/architecture.md). */
export const manifest = defineManifest({
  name: 'letters',
  routes: ['/letters', '/representatives', '/mail/bounces', '/admin/representatives', '/admin/letters'],
  permissions: ['admin:settings'],
  jobs: letterJobs,
  datasets: [],
  feeds: [],
  mapLayers: [],
  relocateAreas: async (r) => {
    const moved = await relocateRepresentativeAreas(r)
    return { representatives: moved.representatives, letters: moved.letters }
  },
  followableKinds: [],
  register() {
    registerLetterMail()
  },
})
