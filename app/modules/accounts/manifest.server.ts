import { defineManifest } from '../manifest'
import { relocateResidenceAreas } from './relocate-areas.server'

/** Accounts, sessions, roles and permissions, the census. What it plugs into Plaza (docs/architecture.md). */
export const manifest = defineManifest({
  name: 'accounts',
  routes: [
    '/login',
    '/logout',
    '/signup',
    '/confirm',
    '/confirm-email-change',
    '/forgot-password',
    '/reset-password',
    '/account',
    '/account/data.json',
    '/account/delete',
    '/admin/users',
    '/admin/census',
    '/council/verify',
  ],
  permissions: ['user:verify', 'admin:users', 'admin:census'],
  jobs: [],
  datasets: [],
  feeds: [],
  mapLayers: [],
  relocateAreas: async (r) => {
    const moved = await relocateResidenceAreas(r)
    return { census: moved.census, homeAreas: moved.homes }
  },
  followableKinds: [],
})
