import { generateCity } from '/work/wt-basemap/db/seed/city'
import { demoStreets } from '/work/wt-basemap/db/seed/streets'
import { writeOsmPbf, osmXml } from '/work/wt-basemap/app/modules/basemap/osm-pbf-writer'
import { readOsmFile } from '/work/wt-basemap/app/modules/basemap/read.server'
import fs from 'node:fs'
let t = performance.now()
const c = generateCity(1)
const city = c.areas.find(a => a.level === 'city')!
const s = demoStreets(city.geometry)
console.log('gen', performance.now() - t, s.nodes.length, s.ways.length, s.bbox)
t = performance.now()
const bytes = writeOsmPbf('/tmp/bm/demo.osm.pbf', s.nodes, s.ways, s.bbox)
fs.writeFileSync('/tmp/bm/demo.osm', osmXml(s.nodes, s.ways))
console.log('write', performance.now() - t, bytes)
for (const f of ['/tmp/bm/demo.osm.pbf', '/tmp/bm/demo.osm']) {
  t = performance.now()
  let n = 0
  const sum = await readOsmFile(f, () => n++)
  console.log(f, sum, n, performance.now() - t)
}
