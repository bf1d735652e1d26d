import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { beforeAll, describe, expect, it } from 'vitest'
import { VectorTile } from '@mapbox/vector-tile'
import Pbf from 'pbf'
import { database, migrateOrThrow } from '../../lib/db.server'
import { basemapTile, importBasemap } from './basemap.server'
import { forgetStreetIndex, searchAddress } from './search.server'
import { osmXml, writeOsmPbf } from './osm-pbf-writer'
import { multipolygonTown } from './fixture'
import { readOsmFile, type OsmFeature } from './read.server'
import { assembleMultipolygon, joinRings, ringContains } from './rings'
import { tileRange } from './tiles.server'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-multipolygon-'))
const town = multipolygonTown()
const pbfFile = path.join(dir, 'mp.osm.pbf')
writeOsmPbf(pbfFile, town.nodes, town.ways, null, town.relations)
const xmlFile = path.join(dir, 'mp.osm')
fs.writeFileSync(xmlFile, osmXml(town.nodes, town.ways, town.relations))
const POND: [number, number] = [-1.5045, 41.3605]

beforeAll(async () => {
  await migrateOrThrow(database())
})

function decode(data: Uint8Array) {
  return new VectorTile(new Pbf(data) as unknown as ConstructorParameters<typeof VectorTile>[0])
}

describe('ring assembly', () => {
  it('joins ways end to end whichever way they run, and drops what cannot close', () => {
    expect(
      joinRings([
        [1, 2, 3],
        [1, 4, 3],
      ]),
    ).toEqual([[1, 4, 3, 2, 1]])
    expect(
      joinRings([
        [1, 2],
        [2, 3],
        [3, 1],
      ]),
    ).toHaveLength(1)
    expect(joinRings([[1, 2, 3]])).toEqual([])
    expect(
      joinRings([
        [5, 6, 7, 5],
        [1, 2],
      ]),
    ).toEqual([[5, 6, 7, 5]])
  })

  it('gives each hole to the outer ring around it', () => {
    const at = new Map<number, [number, number]>([
      [1, [0, 0]],
      [2, [10, 0]],
      [3, [10, 10]],
      [4, [0, 10]],
      [5, [4, 4]],
      [6, [6, 4]],
      [7, [6, 6]],
      [8, [20, 20]],
      [9, [21, 20]],
      [10, [21, 21]],
      [11, [25, 25]],
      [12, [26, 25]],
      [13, [26, 26]],
    ])
    const polygons = assembleMultipolygon(
      [
        { refs: [1, 2, 3, 4, 1], role: 'outer' },
        { refs: [8, 9, 10, 8], role: '' },
        { refs: [5, 6, 7, 5], role: 'inner' },
        { refs: [11, 12, 13, 11], role: 'inner' },
      ],
      (id) => at.get(id) ?? null,
    )
    expect(polygons).toHaveLength(2)
    expect(polygons[0]).toHaveLength(2) // the square and its hole
    expect(polygons[1]).toHaveLength(1) // the triangle without one; the stray inner ring is dropped
    expect(ringContains(polygons[0]![0]!, [5, 5])).toBe(true)
    // A ring with a node missing from the extract is dropped.
    expect(assembleMultipolygon([{ refs: [1, 2, 99, 1], role: 'outer' }], (id) => at.get(id) ?? null)).toEqual([])
  })
})

async function features(file: string) {
  const out: OsmFeature[] = []
  const summary = await readOsmFile(file, (f) => out.push(f))
  return { out, summary }
}

describe('multipolygon relations in an extract', () => {
  it.each([
    ['.osm.pbf', pbfFile],
    ['.osm XML', xmlFile],
  ])('become polygons with holes when read from %s', async (_, file) => {
    const { out, summary } = await features(file)
    expect(summary.relationAreas).toBe(2)
    const park = out.find((f) => f.tags.name === 'Parc de la Ribera')!
    expect(park.geometry.type).toBe('Polygon')
    expect(park.tags.type).toBeUndefined()
    const rings = park.geometry.coordinates as Array<Array<[number, number]>>
    expect(rings).toHaveLength(2)
    expect(rings[0]).toHaveLength(5)
    expect(ringContains(rings[1]!, POND)).toBe(true)
    const building = out.find((f) => f.tags.building === 'yes')!
    expect(building.geometry.coordinates).toHaveLength(2)
    // The boundary and the broken lake give nothing.
    expect(out.find((f) => f.tags.boundary || f.tags.name === 'Valmera')).toBeUndefined()
    expect(out.filter((f) => f.tags.natural === 'water' && f.geometry.type === 'Polygon')).toHaveLength(1) // the pond's own way
  })

  it('import draws the park with its pond cut out and the building with its courtyard, and finds its address', async () => {
    const result = await importBasemap(pbfFile, { fileName: 'mp.osm.pbf' })
    expect(result).toMatchObject({ kind: 'done', counts: { relationAreas: 2, parks: 1, buildings: 1, water: 1, addresses: 1 } })
    if (result.kind !== 'done') return
    const r = tileRange([POND[0], POND[1], POND[0], POND[1]], 15)
    const tile = await basemapTile(result.version, 15, r.minX, r.minY)
    const vt = decode(tile!.data)
    const parks = vt.layers.parks!
    const park = Array.from({ length: parks.length }, (_, i) => parks.feature(i)).find((f) => f.properties.name === 'Parc de la Ribera')!
    const geometry = park.toGeoJSON(r.minX, r.minY, 15).geometry
    expect(geometry.type).toBe('Polygon')
    const rings = (geometry as GeoJSON.Polygon).coordinates as Array<Array<[number, number]>>
    expect(rings).toHaveLength(2)
    expect(ringContains(rings[0]!, POND)).toBe(true)
    expect(ringContains(rings[1]!, POND)).toBe(true) // the hole is where the pond is
    // The building (south of the park, perhaps in the next tile) with its courtyard.
    const b = tileRange([POND[0], POND[1] - 0.0024, POND[0], POND[1] - 0.0024], 15)
    const buildings = decode((await basemapTile(result.version, 15, b.minX, b.minY))!.data).layers.buildings!
    expect(buildings.length).toBe(1)
    expect((buildings.feature(0).toGeoJSON(b.minX, b.minY, 15).geometry as GeoJSON.Polygon).coordinates).toHaveLength(2)
    expect(vt.layers.water!.length).toBe(1)
    expect(Array.from({ length: vt.layers.places!.length }, (_, i) => vt.layers.places!.feature(i).properties.name)).toContain('Parc de la Ribera')
    forgetStreetIndex()
    expect((await searchAddress('c/ nou 3'))[0]).toMatchObject({ kind: 'address', label: 'Carrer Nou 3' })
    expect((await searchAddress('parc ribera'))[0]).toMatchObject({ kind: 'place', label: 'Parc de la Ribera' })
  })

  it.skipIf(!hasOsmium())('reads the relations of a .osm.pbf written by osmium', async () => {
    const theirs = path.join(dir, 'osmium-mp.osm.pbf')
    execFileSync('osmium', ['cat', xmlFile, '-o', theirs, '--overwrite'])
    const { out, summary } = await features(theirs)
    expect(summary.relationAreas).toBe(2)
    expect(out.find((f) => f.tags.name === 'Parc de la Ribera')!.geometry.coordinates).toHaveLength(2)
    const info = execFileSync('osmium', ['fileinfo', '-e', '-j', pbfFile], { encoding: 'utf8' })
    expect(JSON.parse(info).data.count).toMatchObject({ nodes: town.nodes.length, ways: town.ways.length, relations: town.relations.length })
  })
})

function hasOsmium() {
  try {
    execFileSync('osmium', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
