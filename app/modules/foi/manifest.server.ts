import { defineManifest } from '../manifest'
import { foiJobs } from './jobs.server'
import { registerFoiDataset } from './public.server'

/** Freedom-of-information requests in public (issue 22): bodies, requests, answers by e-mail, deadlines, statistics. */
export const manifest = defineManifest({
  name: 'foi',
  routes: ['/information-requests', '/bodies', '/admin/bodies', '/admin/information-requests', '/feeds/information-requests'],
  permissions: ['admin:settings'],
  jobs: foiJobs,
  datasets: ['information-requests'],
  feeds: ['/feeds/information-requests.rss', '/feeds/information-requests.atom', '/feeds/information-requests/body/<id>.rss', '/feeds/information-requests/body/<id>.atom'],
  mapLayers: [],
  // Following a request or a body is foi's own (foi_follows, public.server.ts), for logged-in people.
  followableKinds: [],
  register() {
    registerFoiDataset()
  },
})
