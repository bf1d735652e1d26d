/**
 * `npm run basemap:import -- FILE [--max-zoom 16]`: import a city's OpenStreetMap extract (.osm.pbf,
 * .osm or GeoJSON) as Plaza's own street map: vector tiles, streets, places and address points.
 */
import { database, migrateOrThrow } from '../app/lib/db.server'
import { importBasemap } from '../app/modules/basemap/basemap.server'

const args = process.argv.slice(2)
const file = args.find((a) => !a.startsWith('--'))
const maxZoomAt = args.indexOf('--max-zoom')
const maxZoom = maxZoomAt >= 0 ? Number(args[maxZoomAt + 1]) : undefined
if (!file || (maxZoom !== undefined && !(maxZoom >= 10 && maxZoom <= 18))) {
  console.error('Usage: npm run basemap:import -- FILE.osm.pbf|FILE.pmtiles|FILE.mbtiles [--max-zoom 10..18]')
  process.exit(2)
}
await migrateOrThrow(database())
const started = performance.now()
const result = await importBasemap(file, { fileName: file.split('/').pop()!, maxZoom, onProgress: (stage) => console.log(`${((performance.now() - started) / 1000).toFixed(1)} s: ${stage}`) })
if (result.kind === 'failed') {
  console.error(`Import failed: ${result.problem} (${result.detail})`)
  process.exit(1)
}
console.log(`Imported in ${result.seconds.toFixed(1)} s (version ${result.version}):`, result.counts)
// The most memory this import took (the resident set's peak), for sizing the server that runs it.
const usage = process.resourceUsage()
console.log(`peak RSS ${Math.round(usage.maxRSS / 1024)} MB, cpu ${((usage.userCPUTime + usage.systemCPUTime) / 1e6).toFixed(1)} s`)
await database().close()
