import { defineManifest } from '../manifest'
import { registerLetterMail } from './letters.server'

/** Letters to representatives, the representatives directory. What it plugs into Plaza (docs/architecture.md). */
export const manifest = defineManifest({
  name: 'letters',
  routes: ['/letters', '/representatives', '/mail/bounces', '/admin/representatives', '/admin/letters'],
  permissions: ['admin:settings'],
  jobs: ['letter questionnaires, reconciling and retention (startLetterJobs)'],
  datasets: [],
  feeds: [],
  mapLayers: [],
  followableKinds: [],
  register() {
    registerLetterMail()
  },
})
