import { defineManifest } from '../manifest'

/** The city's own base map (vector tiles, style, glyphs) and address search (issue 17). */
export const manifest = defineManifest({
  name: 'basemap',
  routes: ['/tiles', '/styles', '/fonts', '/search/address', '/admin/basemap'],
  permissions: ['admin:settings'],
  jobs: [],
  datasets: [],
  feeds: [],
  mapLayers: [],
  followableKinds: [],
})
