process.env.DATABASE_PATH = '/tmp/bm/imp.sqlite'
process.env.LOG_LEVEL = 'silent'
import fs from 'node:fs'
for (const f of ['/tmp/bm/imp.sqlite', '/tmp/bm/imp.sqlite-wal', '/tmp/bm/imp.sqlite-shm']) fs.rmSync(f, { force: true })
const { database, migrateOrThrow } = await import('../app/lib/db.server')
const { importBasemap } = await import('../app/modules/basemap/basemap.server')
await migrateOrThrow(database())
for (const maxZoom of [16, 18]) {
  const t = performance.now()
  const r = await importBasemap(process.argv[2] ?? '/tmp/bm/demo.osm.pbf', { fileName: 'demo.osm.pbf', maxZoom, onProgress: (s) => console.log(s, performance.now() - t) })
  console.log(maxZoom, performance.now() - t, JSON.stringify(r))
}
