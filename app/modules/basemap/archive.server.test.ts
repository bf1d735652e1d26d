import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { gzipSync } from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { VectorTile } from '@mapbox/vector-tile'
import Pbf from 'pbf'
import { zxyToTileId } from 'pmtiles'
import { database, migrateOrThrow } from '../../lib/db.server'
import { basemapTile, currentBasemap, importBasemap } from './basemap.server'
import { forgetStreetIndex, searchAddress } from './search.server'
import { writeOsmPbf } from './osm-pbf-writer'
import { smallTown } from './fixture'
import { tileRange } from './tiles.server'

/**
 * A city's own tile archive (issue 17). The MBTiles file is written by GDAL's ogr2ogr (a real tool,
 * installed by .ci/run); the PMTiles file is that archive's tiles laid out as PMTiles v3 by the
 * small writer below (no PMTiles writer is installable here: GDAL ≥ 3.8, go-pmtiles and the Python
 * package are out of reach), and both are read by Plaza through the maintained readers.
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-archive-'))
const decode = (data: Uint8Array) => new VectorTile(new Pbf(data) as unknown as ConstructorParameters<typeof VectorTile>[0])

// Two streets and a park near the small town, in layers named as Plaza's style draws them.
const road = {
  type: 'Feature',
  properties: { name: 'Carrer de la Mina', class: 'secondary' },
  geometry: {
    type: 'LineString',
    coordinates: [
      [-1.52, 41.35],
      [-1.51, 41.352],
    ],
  },
}
const park = {
  type: 'Feature',
  properties: { name: 'Parc del Riu' },
  geometry: {
    type: 'Polygon',
    coordinates: [
      [
        [-1.518, 41.349],
        [-1.515, 41.349],
        [-1.515, 41.351],
        [-1.518, 41.351],
        [-1.518, 41.349],
      ],
    ],
  },
}
const mbtiles = path.join(dir, 'city.mbtiles')

function writeGeojson(name: string, feature: object) {
  const file = path.join(dir, `${name}.geojson`)
  fs.writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features: [feature] }))
  return file
}

/** PMTiles v3 (https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md): header, one root directory, metadata, tiles. */
function writePmtiles(file: string, tiles: Array<{ z: number; x: number; y: number; data: Buffer }>, meta: object, bbox: number[], zooms: [number, number]) {
  const sorted = tiles.map((t) => ({ id: zxyToTileId(t.z, t.x, t.y), data: t.data })).sort((a, b) => a.id - b.id)
  const varints: number[] = []
  const varint = (n: number) => {
    while (n >= 0x80) {
      varints.push((n % 0x80) | 0x80)
      n = Math.floor(n / 0x80)
    }
    varints.push(n)
  }
  varint(sorted.length)
  let last = 0
  for (const t of sorted) {
    varint(t.id - last)
    last = t.id
  }
  sorted.forEach(() => varint(1)) // run lengths
  for (const t of sorted) varint(t.data.length)
  sorted.forEach((t, i) => varint(i === 0 ? 1 : 0)) // offset 0 (+1), then contiguous
  const root = gzipSync(Buffer.from(varints))
  const metadata = gzipSync(Buffer.from(JSON.stringify(meta)))
  const data = Buffer.concat(sorted.map((t) => t.data))
  const h = Buffer.alloc(127)
  h.write('PMTiles', 0, 'latin1')
  h.writeUInt8(3, 7)
  const u64 = (at: number, v: number) => h.writeBigUInt64LE(BigInt(v), at)
  u64(8, 127)
  u64(16, root.length)
  u64(24, 127 + root.length)
  u64(32, metadata.length)
  u64(40, 127 + root.length + metadata.length)
  u64(48, 0)
  u64(56, 127 + root.length + metadata.length)
  u64(64, data.length)
  u64(72, sorted.length)
  u64(80, sorted.length)
  u64(88, sorted.length)
  h.writeUInt8(1, 96) // clustered
  h.writeUInt8(2, 97) // internal compression: gzip
  h.writeUInt8(2, 98) // tile compression: gzip
  h.writeUInt8(1, 99) // MVT
  h.writeUInt8(zooms[0], 100)
  h.writeUInt8(zooms[1], 101)
  const e7 = (at: number, v: number) => h.writeInt32LE(Math.round(v * 1e7), at)
  e7(102, bbox[0]!)
  e7(106, bbox[1]!)
  e7(110, bbox[2]!)
  e7(114, bbox[3]!)
  h.writeUInt8(zooms[0], 118)
  e7(119, (bbox[0]! + bbox[2]!) / 2)
  e7(123, (bbox[1]! + bbox[3]!) / 2)
  fs.writeFileSync(file, Buffer.concat([h, root, metadata, data]))
}

/** The tile at zoom 14 holding the street, read back through /tiles' code path. */
async function streetTile(version: number) {
  const z = 14
  const r = tileRange([-1.515, 41.351, -1.515, 41.351], z)
  return basemapTile(version, z, r.minX, r.minY)
}

beforeAll(async () => {
  await migrateOrThrow(database())
  // An OSM import first: its address index must keep answering after a tile archive replaces the tiles.
  const town = smallTown()
  const pbf = path.join(dir, 'town.osm.pbf')
  writeOsmPbf(pbf, town.nodes, town.ways)
  expect((await importBasemap(pbf, { fileName: 'town.osm.pbf' })).kind).toBe('done')
  const roads = writeGeojson('roads', road)
  const parks = writeGeojson('parks', park)
  // Both layers in one GeoPackage, then GDAL's MBTiles writer (an MBTiles file cannot be appended to).
  const gpkg = path.join(dir, 'city.gpkg')
  execFileSync('ogr2ogr', ['-f', 'GPKG', gpkg, roads, '-nln', 'roads'], { stdio: 'pipe' })
  execFileSync('ogr2ogr', ['-update', '-f', 'GPKG', gpkg, parks, '-nln', 'parks'], { stdio: 'pipe' })
  execFileSync('ogr2ogr', ['-f', 'MBTILES', mbtiles, gpkg, '-dsco', 'MINZOOM=10', '-dsco', 'MAXZOOM=14', '-dsco', 'NAME=Test city'], { stdio: 'pipe' })
}, 120_000)

describe("a city's own tile archive", () => {
  it('serves an MBTiles file written by GDAL under a new version, with the address search of the last OSM import', async () => {
    const result = await importBasemap(mbtiles, { fileName: 'city.mbtiles' })
    expect(result.kind).toBe('done')
    if (result.kind !== 'done') return
    const current = await currentBasemap()
    expect(current).toMatchObject({ id: result.version, format: 'mbtiles', status: 'done', minZoom: 10, maxZoom: 14 })
    const tile = await streetTile(result.version)
    expect(tile).not.toBeNull()
    expect(tile!.etag).toBe(`"a${result.version}-14-${tileRange([-1.515, 41.351, -1.515, 41.351], 14).minX}-${tileRange([-1.515, 41.351, -1.515, 41.351], 14).minY}"`)
    const vt = decode(tile!.data)
    expect(Object.keys(vt.layers).sort()).toContain('roads')
    expect(vt.layers.roads!.feature(0).properties.name).toBe('Carrer de la Mina')
    // Far from the data: no tile (the HTTP layer answers an empty one).
    expect(await basemapTile(result.version, 14, 0, 0)).toBeNull()
    forgetStreetIndex()
    expect((await searchAddress('c/ major 12'))[0]?.label).toBe('Carrer Major 12')
  })

  it('serves a PMTiles archive through the pmtiles reader', async () => {
    const db = new Database(mbtiles, { readonly: true })
    const rows = db.prepare<[], { z: number; x: number; y: number; data: Buffer }>('SELECT zoom_level AS z, tile_column AS x, tile_row AS y, tile_data AS data FROM tiles').all()
    const meta = Object.fromEntries(
      db
        .prepare<[], { name: string; value: string }>('SELECT name, value FROM metadata')
        .all()
        .map((r) => [r.name, r.value]),
    )
    db.close()
    const pmtiles = path.join(dir, 'city.pmtiles')
    const tiles = rows.map((r) => ({ z: r.z, x: r.x, y: 2 ** r.z - 1 - r.y, data: r.data[0] === 0x1f ? r.data : gzipSync(r.data) }))
    writePmtiles(pmtiles, tiles, JSON.parse(meta.json ?? '{}') as object, meta.bounds!.split(',').map(Number), [10, 14])
    const result = await importBasemap(pmtiles, { fileName: 'city.pmtiles' })
    expect(result.kind).toBe('done')
    if (result.kind !== 'done') return
    expect((await currentBasemap())?.format).toBe('pmtiles')
    const vt = decode((await streetTile(result.version))!.data)
    expect(vt.layers.roads!.feature(0).properties.name).toBe('Carrer de la Mina')
    expect(vt.layers.parks!.feature(0).properties.name).toBe('Parc del Riu')
    // The MBTiles version's file was removed with its version.
    expect(fs.readdirSync(path.join(path.dirname(path.resolve(process.env.DATABASE_PATH!)), 'basemap'))).toEqual([`${result.version}.pmtiles`])
  })

  it('refuses a damaged archive and keeps the map in use', async () => {
    const before = await currentBasemap()
    const broken = path.join(dir, 'broken.pmtiles')
    fs.writeFileSync(broken, Buffer.concat([Buffer.from('PMTiles'), Buffer.alloc(40)]))
    const result = await importBasemap(broken, { fileName: 'broken.pmtiles' })
    expect(result).toMatchObject({ kind: 'failed', problem: 'badArchive' })
    expect((await currentBasemap())?.id).toBe(before?.id)
  })
})
