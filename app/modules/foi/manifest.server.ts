import { defineManifest } from '../manifest'
import { foiJobs } from './jobs.server'

/** Freedom-of-information requests in public (issue 22): bodies, requests, answers by e-mail, deadlines, statistics. */
export const manifest = defineManifest({
  name: 'foi',
  routes: ['/information-requests', '/bodies', '/admin/bodies', '/admin/information-requests'],
  permissions: ['admin:settings'],
  jobs: foiJobs,
  datasets: [],
  feeds: [],
  mapLayers: [],
  followableKinds: [],
})
