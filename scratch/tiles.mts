import { readOsmFile } from '../app/modules/basemap/read.server'
import { classify } from '../app/modules/basemap/classify'
import { buildTiles, type TileFeature } from '../app/modules/basemap/tiles.server'
const feats: TileFeature[] = []
let t = performance.now()
await readOsmFile('/tmp/bm/demo.osm.pbf', (f) => { for (const c of classify(f)) feats.push({ layer: c.layer, geometry: f.geometry, properties: c.properties }) })
console.log('read', performance.now() - t); t = performance.now()
const n = buildTiles(feats, [-1.5890046, 41.300951, -1.4508277, 41.3961711], 10, 16, () => {})
console.log('tiles', n, performance.now() - t)
