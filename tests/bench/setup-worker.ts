/**
 * The setup benchmark's measurements, run in a process of their own so its peak RSS is the
 * import's: import 10,000 neighbourhood polygons (≈ 2 M vertices) from a GeoJSON file, place
 * 1,000,000 located items, re-import with moved borders (recomputing every item's areas in the
 * import's transaction), then `areasContaining` lookups on the imported geometry.
 * Prints one JSON line of figures.
 */
import fs from 'node:fs'
import path from 'node:path'
import { openDatabase } from '../../app/lib/db.server'
import { commitImport } from '../../app/modules/geo/import/import.server'
import { readGeographyFile } from '../../app/modules/geo/import/read.server'
import type { ImportOptions } from '../../app/modules/geo/import/validate'
import { registerCapabilities } from '../../app/modules/registry.server'
import { areasContaining } from '../../app/modules/geo/lookup.server'
import { bulkInsertItems, rebuildMapSummaries, registerKind, type BulkItem } from '../../app/modules/geo/map-index.server'
import { AreaLocator } from '../../app/modules/geo/relocation'
import type { AreaGeometry } from '../../app/modules/geo/geometry'
import { syntheticCity } from './synthetic-city'

const items = Number(process.env.SETUP_BENCH_ITEMS ?? 1_000_000)
const phase = process.argv[2] ?? 'generate'
const dir = path.resolve('.cache/bench')
const file = path.join(dir, 'setup.sqlite')
fs.mkdirSync(dir, { recursive: true })
const cpu = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

if (phase === 'generate') {
  // The files, written once per run (generating them is not part of any measurement).
  // 10 × 10 districts of 10 × 10 neighbourhoods, 50 points per edge: 10,000 polygons of 201 vertices.
  const first = syntheticCity({ districts: 10, perSide: 10, edge: 50 })
  fs.writeFileSync(path.join(dir, 'setup-districts.geojson'), first.districts)
  fs.writeFileSync(path.join(dir, 'setup-neighbourhoods.geojson'), first.neighbourhoods)
  // The re-import: the neighbourhoods' inner corners moved by up to 30 % of a cell.
  fs.writeFileSync(path.join(dir, 'setup-neighbourhoods-2.geojson'), syntheticCity({ districts: 10, perSide: 10, edge: 50, shift: 0.3 }).neighbourhoods)
  console.log(JSON.stringify({ vertices: first.vertices, bbox: first.bbox }))
  process.exit(0)
}
if (phase === 'import') for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true })
const db = openDatabase({ path: file, synchronous: 'NORMAL' })
registerCapabilities()
await db.migrate()

const districtsOptions: ImportOptions = { depth: 1, nameProp: 'name', codeProp: 'code', toleranceM2: 100, boundaryFromUnion: true }
const neighbourhoodsOptions: ImportOptions = { depth: 2, nameProp: 'name', codeProp: 'code', parentProp: 'district', toleranceM2: 100 }

async function importFile(name: string, options: ImportOptions) {
  const read = await readGeographyFile(new Uint8Array(fs.readFileSync(path.join(dir, name))), name)
  if (!read.ok) throw new Error(`unreadable: ${read.problem.kind}`)
  const result = await commitImport({ features: read.features, properties: read.properties, options, actorId: null, fileName: name }, db)
  if (result.kind !== 'imported') throw new Error(`refused: ${JSON.stringify(result.problems.slice(0, 3))}`)
  return result
}

if (phase === 'import') {
  // Measured as the CLI does it: the file read from disk, checked, written in one transaction.
  await importFile('setup-districts.geojson', districtsOptions)
  const t0 = performance.now()
  const c0 = cpu()
  await importFile('setup-neighbourhoods.geojson', neighbourhoodsOptions)
  const importSeconds = (performance.now() - t0) / 1000
  const importCpuSeconds = cpu() - c0
  await db.close()
  console.log(JSON.stringify({ polygons: 10_000, importSeconds, importCpuSeconds, peakRssMb: process.resourceUsage().maxRSS / 1024 }))
  process.exit(0)
}
const city = await db.db.selectFrom('areas').select(['min_lng', 'min_lat', 'max_lng', 'max_lat']).where('depth', '=', 0).executeTakeFirstOrThrow()
const bbox: [number, number, number, number] = [city.min_lng, city.min_lat, city.max_lng, city.max_lat]

// 1,000,000 located items, their areas from the imported geometry (loading is not measured).
await db.write((trx) => registerKind(trx, { kind: 'sample', urlPattern: null, labelKey: 'geo:kinds.sample', position: 100 }))
const rows = await db.db.selectFrom('areas').select(['id', 'level', 'depth', 'geometry']).execute()
const locator = new AreaLocator(rows.map((r) => ({ id: r.id, level: r.level, depth: r.depth, geometry: JSON.parse(r.geometry) as AreaGeometry })))
let seed = 42
const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
const point = () => ({ lng: bbox[0] + random() * (bbox[2] - bbox[0]), lat: bbox[1] + random() * (bbox[3] - bbox[1]) })
for (let done = 0; done < items; done += 50_000) {
  const batch: BulkItem[] = []
  for (let i = 0; i < 50_000 && done + i < items; i++) {
    const p = point()
    batch.push({
      kind: 'sample',
      itemId: done + i + 1,
      lat: p.lat,
      lng: p.lng,
      status: 'open',
      title: 'Sample',
      areaIds: locator.locate(p.lat, p.lng).map((a) => a.id),
      createdAt: '2026-11-01T00:00:00.000Z',
    })
  }
  await bulkInsertItems(db, batch)
}
await rebuildMapSummaries(db)

// Re-import: the neighbourhoods' inner corners moved by up to 30 % of a cell.
let t0 = performance.now()
let c0 = cpu()
const reimport = await importFile('setup-neighbourhoods-2.geojson', neighbourhoodsOptions)
const reimportSeconds = (performance.now() - t0) / 1000
const reimportCpuSeconds = cpu() - c0

// areasContaining on the imported geometry: random points in the city, for 3 seconds.
for (let i = 0; i < 2000; i++) {
  const p = point()
  await areasContaining(p.lat, p.lng, db)
}
let lookups = 0
t0 = performance.now()
c0 = cpu()
while (performance.now() - t0 < 3000) {
  for (let i = 0; i < 500; i++) {
    const p = point()
    await areasContaining(p.lat, p.lng, db)
  }
  lookups += 500
}
const lookupsPerSecond = lookups / ((performance.now() - t0) / 1000)
const lookupsPerCpuSecond = lookups / (cpu() - c0)
await db.close()
console.log(JSON.stringify({ items, moved: reimport.moved.map, reimportSeconds, reimportCpuSeconds, lookupsPerSecond, lookupsPerCpuSecond }))
