import { defineManifest } from '../manifest'
import { registerCityLanguages, registerModerationSettings } from './register.server'

/** The city's own setup: first run, settings, identity, legal pages, staff invitations. What it plugs into Plaza (docs/architecture.md). */
export const manifest = defineManifest({
  name: 'city',
  routes: ['/setup', '/invitations', '/pages', '/site', '/language', '/admin', '/admin/settings', '/admin/identity', '/admin/pages'],
  permissions: ['admin:access', 'admin:settings'],
  jobs: [],
  datasets: [],
  feeds: [],
  mapLayers: [],
  followableKinds: [],
  register() {
    registerCityLanguages()
    registerModerationSettings()
  },
})
