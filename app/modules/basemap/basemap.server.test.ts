import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { beforeAll, describe, expect, it } from 'vitest'
import { VectorTile } from '@mapbox/vector-tile'
import Pbf from 'pbf'
import { database, migrateOrThrow } from '../../lib/db.server'
import { basemapTile, currentBasemap, importBasemap } from './basemap.server'
import { forgetStreetIndex, nearestAddress, searchAddress } from './search.server'
import { osmXml, writeOsmPbf } from './osm-pbf-writer'
import { smallTown } from './fixture'
import { parseQuery, searchKey, withinEdits } from './normalize'
import { tileRange } from './tiles.server'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-basemap-'))
const town = smallTown()
const pbfFile = path.join(dir, 'town.osm.pbf')
writeOsmPbf(pbfFile, town.nodes, town.ways)

function decode(data: Uint8Array) {
  return new VectorTile(new Pbf(data) as unknown as ConstructorParameters<typeof VectorTile>[0])
}

beforeAll(async () => {
  await migrateOrThrow(database())
})

describe('normalising addresses', () => {
  it('folds accents, case and street-type words in four languages', () => {
    expect(searchKey("Plaça de l'Església")).toBe('pl esglesia')
    expect(searchKey('c/ Major')).toBe('c major')
    expect(searchKey('C/Major')).toBe('c major')
    expect(searchKey('Calle Mayor')).toBe('c mayor')
    expect(searchKey('Avda. de la Ribera')).toBe('av ribera')
    expect(searchKey('rue de la Paix')).toBe('c paix')
    expect(parseQuery('Carrer Major 12')).toEqual({ words: ['c', 'major'], number: 12 })
    expect(parseQuery('12 rue Major')).toEqual({ words: ['c', 'major'], number: 12 })
    expect(parseQuery('Major 10-14')).toEqual({ words: ['major'], number: 10 })
  })

  it('counts the edits between two words, up to a bound', () => {
    expect(withinEdits('major', 'major', 1)).toBe(0)
    expect(withinEdits('mayor', 'major', 1)).toBe(1)
    expect(withinEdits('atl', 'alt', 1)).toBe(1)
    expect(withinEdits('majr', 'major', 1)).toBe(1)
    expect(withinEdits('verdagure', 'verdaguer', 2)).toBe(1)
    expect(withinEdits('malorka', 'mallorca', 2)).toBe(2)
    expect(withinEdits('malorka', 'mallorca', 1)).toBeNull()
    expect(withinEdits('mar', 'sol', 1)).toBeNull()
    expect(withinEdits('ribera', 'riera', 0)).toBeNull()
    expect(withinEdits('a', 'abcd', 2)).toBeNull()
  })
})

describe('importing an OpenStreetMap extract', () => {
  it('reads a .osm.pbf, keeps what a map needs and builds tiles that decode to the expected layers', async () => {
    const result = await importBasemap(pbfFile, { fileName: 'town.osm.pbf' })
    expect(result.kind).toBe('done')
    if (result.kind !== 'done') return
    expect(result.counts).toMatchObject({ roads: 2, paths: 1, buildings: 1, parks: 2, water: 1, railways: 1, addresses: 21, namedStreets: 2 })
    const current = await currentBasemap()
    expect(current?.id).toBe(result.version)
    expect(current?.format).toBe('pbf')
    // The tile at zoom 16 over Carrer Major holds its road with its name and class, and house numbers.
    const r = tileRange([-1.518, 41.35, -1.518, 41.35], 16)
    const tile = await basemapTile(result.version, 16, r.minX, r.minY)
    expect(tile).not.toBeNull()
    expect(tile!.etag).toMatch(/^"[\w-]{22}"$/)
    const vt = decode(tile!.data)
    expect(Object.keys(vt.layers)).toEqual(expect.arrayContaining(['roads', 'addresses', 'parks', 'places']))
    const roads = vt.layers.roads!
    const names = Array.from({ length: roads.length }, (_, i) => roads.feature(i).properties.name)
    expect(names).toContain('Carrer Major')
    const major = Array.from({ length: roads.length }, (_, i) => roads.feature(i)).find((f) => f.properties.name === 'Carrer Major')!
    expect(major.properties.class).toBe('street')
    expect(major.toGeoJSON(r.minX, r.minY, 16).geometry.type).toBe('LineString')
    const numbers = Array.from({ length: vt.layers.addresses!.length }, (_, i) => vt.layers.addresses!.feature(i).properties.housenumber)
    expect(numbers).toContain('12')
    // At zoom 12 the same place has roads but no house numbers (they begin at 16).
    const r12 = tileRange([-1.518, 41.35, -1.518, 41.35], 12)
    const low = decode((await basemapTile(result.version, 12, r12.minX, r12.minY))!.data)
    expect(low.layers.roads).toBeDefined()
    expect(low.layers.addresses).toBeUndefined()
    // No tile where there is nothing.
    expect(await basemapTile(result.version, 16, r.minX + 40, r.minY)).toBeNull()
  })

  it('finds an address however it is typed, with the right first result', async () => {
    forgetStreetIndex()
    for (const q of ['c/ major 12', 'Carrer Mayor 12', 'CARRER MAJOR 12', 'calle major 12', '12 rue Major']) {
      const [first] = await searchAddress(q)
      expect(first, q).toMatchObject({ kind: 'address', label: 'Carrer Major 12', housenumber: '12' })
    }
    const [street] = await searchAddress('carrer major')
    expect(street).toMatchObject({ kind: 'street', label: 'Carrer Major', housenumber: null })
    const [place] = await searchAddress('placa esglesia')
    expect(place).toMatchObject({ kind: 'place', label: "Plaça de l'Església" })
    // A number the street does not have: the nearest on the same side.
    expect((await searchAddress('Carrer Major 40'))[0]?.label).toBe('Carrer Major 20')
    // The building's address.
    expect((await searchAddress('c/ mallorca 7'))[0]?.label).toBe('Carrer de Mallorca 7')
    // A typo, a range, a word being typed, a name without its street type.
    expect((await searchAddress('carrer majr 12'))[0]?.label).toBe('Carrer Major 12')
    expect((await searchAddress('Carrer Major 10-14'))[0]?.label).toBe('Carrer Major 10')
    expect((await searchAddress('carrer maj'))[0]).toMatchObject({ kind: 'street', label: 'Carrer Major' })
    expect((await searchAddress('mallorca'))[0]).toMatchObject({ kind: 'street', label: 'Carrer de Mallorca' })
    expect(await searchAddress('carrer xyzzy 12')).toEqual([])
    expect(await searchAddress('zzzz qqqq')).toEqual([])
    expect(await searchAddress('   ')).toEqual([])
  })

  it('names the nearest address to a point (reverse geocoding)', async () => {
    // Just south of number 12's point (Carrer Major's 6th even number).
    const near = await nearestAddress(41.35 - 0.00015, -1.52 + 0.0005 + 5 * 0.0005)
    expect(near).toMatchObject({ label: 'Carrer Major 12', housenumber: '12' })
    expect(near!.distanceM).toBeLessThan(10)
    expect(await nearestAddress(41.5, -1.3)).toBeNull()
  })

  it('reads the same town from .osm XML and from GeoJSON, and a new import replaces the old', async () => {
    const xmlFile = path.join(dir, 'town.osm')
    fs.writeFileSync(xmlFile, osmXml(town.nodes, town.ways))
    const xml = await importBasemap(xmlFile, { fileName: 'town.osm' })
    expect(xml.kind).toBe('done')
    if (xml.kind !== 'done') return
    expect(xml.counts.addresses).toBe(21)
    expect((await currentBasemap())?.format).toBe('xml')
    // The previous version's tiles are gone.
    const old = await database().db.selectFrom('basemap_tiles').select('version').distinct().execute()
    expect(old.map((r) => r.version)).toEqual([xml.version])

    const geojsonFile = path.join(dir, 'town.geojson')
    fs.writeFileSync(
      geojsonFile,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: { highway: 'residential', name: 'Rue de la Paix' },
            geometry: {
              type: 'LineString',
              coordinates: [
                [2.33, 48.87],
                [2.332, 48.869],
              ],
            },
          },
          { type: 'Feature', properties: { tags: { 'addr:street': 'Rue de la Paix', 'addr:housenumber': '5' } }, geometry: { type: 'Point', coordinates: [2.331, 48.8696] } },
        ],
      }),
    )
    const gj = await importBasemap(geojsonFile, { fileName: 'town.geojson' })
    expect(gj).toMatchObject({ kind: 'done', counts: { roads: 1, addresses: 1 } })
    forgetStreetIndex()
    expect((await searchAddress('5 rue de la paix'))[0]?.label).toBe('Rue de la Paix 5')
    expect(await searchAddress('carrer major')).toEqual([])
  })

  it('refuses files it cannot read with a reason, and keeps the map it had', async () => {
    const before = await currentBasemap()
    const cases: Array<[string, string | Uint8Array, string]> = [
      ['empty.osm.pbf', '', 'empty'],
      ['photo.osm.pbf', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), 'unknownFormat'],
      ['broken.osm', '<osm><node id="1" lat="1" lon="1"><tag k="a"', 'badXml'],
      ['broken.geojson', '{"type": "FeatureCollection", "features": [', 'badGeojson'],
      ['nothing.geojson', '{"type": "FeatureCollection", "features": []}', 'nothingUseful'],
    ]
    const truncated = fs.readFileSync(pbfFile).subarray(0, 200)
    cases.push(['truncated.osm.pbf', truncated, 'badPbf'])
    for (const [name, content, problem] of cases) {
      const file = path.join(dir, name)
      fs.writeFileSync(file, content)
      const result = await importBasemap(file, { fileName: name })
      expect(result, name).toMatchObject({ kind: 'failed', problem })
    }
    expect((await currentBasemap())?.id).toBe(before?.id)
  })

  it.skipIf(!hasOsmium())('reads a .osm.pbf written by osmium, and osmium reads ours', async () => {
    const xmlFile = path.join(dir, 'for-osmium.osm')
    fs.writeFileSync(xmlFile, osmXml(town.nodes, town.ways))
    const theirs = path.join(dir, 'osmium.osm.pbf')
    execFileSync('osmium', ['cat', xmlFile, '-o', theirs, '--overwrite'])
    const result = await importBasemap(theirs, { fileName: 'osmium.osm.pbf' })
    expect(result).toMatchObject({ kind: 'done', counts: { addresses: 21, roads: 2 } })
    const info = execFileSync('osmium', ['fileinfo', '-e', '-j', pbfFile], { encoding: 'utf8' })
    expect(JSON.parse(info).data.count).toMatchObject({ nodes: town.nodes.length, ways: town.ways.length })
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
