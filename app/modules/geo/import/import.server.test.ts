import { beforeAll, describe, expect, it } from 'vitest'
import { strToU8, zipSync } from 'fflate'
import { database, migrateOrThrow } from '../../../lib/db.server'
import { translator } from '../../../lib/i18n.server'
import { riberiaDistricts, riberiaFiles, riberiaGeoJson, riberiaGeoJsonProjected, riberiaNeighbourhoods, riberiaPoint, type RiberiaArea } from '../../../../tests/support/city-fixture'
import { areasContaining } from '../lookup.server'
import { placeItem, registerKind } from '../map-index.server'
import { commitImport, previewImport } from './import.server'
import { describeProblem, describeReadProblem } from './messages'
import { readGeographyFile, type RawFeature } from './read.server'
import type { ImportOptions } from './validate'
import { registerCapabilities } from '../../registry.server'

const t = translator('en')
const bytes = (s: string) => new TextEncoder().encode(s)
const DISTRICTS: ImportOptions = { depth: 1, nameProp: 'NOM', codeProp: 'CODI', toleranceM2: 100, boundaryFromUnion: true, namePropsByLocale: { es: 'NOM_ES', fr: 'NOM_FR' } }
const NEIGHBOURHOODS: ImportOptions = { depth: 2, nameProp: 'NOM', codeProp: 'CODI', parentProp: 'DISTRICTE', toleranceM2: 100, namePropsByLocale: { es: 'NOM_ES', fr: 'NOM_FR' } }

async function read(text: string, name = 'file.geojson') {
  const r = await readGeographyFile(bytes(text), name)
  if (!r.ok) throw new Error(describeReadProblem(t, r.problem))
  return r
}

/** The problems of a neighbourhoods file whose features `edit` changed, as English sentences. */
async function problemsOf(edit: (features: Array<{ properties: Record<string, unknown>; geometry: unknown }>) => void, options = NEIGHBOURHOODS) {
  const doc = JSON.parse(riberiaGeoJson(riberiaNeighbourhoods)) as { features: Array<{ properties: Record<string, unknown>; geometry: unknown }> }
  edit(doc.features)
  const r = await read(JSON.stringify(doc))
  const preview = await previewImport(r.features, r.properties, options)
  return { problems: preview.problems, messages: preview.problems.map((p) => describeProblem(t, p)) }
}

const ringOf = (f: { geometry: unknown }) => (f.geometry as { coordinates: number[][][] }).coordinates[0]!

beforeAll(async () => {
  await migrateOrThrow(database())
  // Every capability's relocateAreas (its manifest) moves its own items in the import.
  registerCapabilities()
})

describe('reading files', () => {
  it('reads a zipped Shapefile in ETRS89 / UTM 31N and reprojects it to match the WGS84 GeoJSON', async () => {
    const files = await riberiaFiles()
    const shp = await readGeographyFile(files.neighbourhoodsZip, 'barris.zip')
    const geo = await read(files.neighbourhoodsGeoJson)
    expect(shp.ok && shp.format).toBe('shapefile')
    expect(shp.ok && shp.crs).toBe('ETRS_1989_UTM_Zone_31N')
    if (!shp.ok) return
    expect(shp.features).toHaveLength(8)
    expect(shp.properties).toEqual(expect.arrayContaining(['CODI', 'NOM', 'NOM_ES', 'DISTRICTE']))
    const name = (f: RawFeature) => f.properties.NOM
    expect(shp.features.map(name)).toContain('Font del Turó') // windows-1252 .dbf decoded
    // Every vertex of the Shapefile lands within 1 cm of the GeoJSON's (the fixture rounds to 1e-7°).
    const a = shp.features.find((f) => f.properties.CODI === 'D3-2')!.geometry as { coordinates: number[][][] }
    const b = geo.features.find((f) => f.properties.CODI === 'D3-2')!.geometry as { coordinates: number[][][] }
    const pa = a.coordinates[0]!.map((p) => p.map((v) => v.toFixed(6)).join()).sort()
    const pb = b.coordinates[0]!.map((p) => p.map((v) => v.toFixed(6)).join()).sort()
    expect(pa).toEqual(pb)
  })

  it('reprojects a GeoJSON naming its CRS in a crs member', async () => {
    const r = await read(riberiaGeoJsonProjected(riberiaDistricts))
    expect(r.crs).toBe('EPSG:25831')
    const [lng, lat] = (r.features[0]!.geometry as { coordinates: number[][][] }).coordinates[0]![0]!
    const expected = riberiaPoint(0, 0)
    expect(lng).toBeCloseTo(expected.lng, 6)
    expect(lat).toBeCloseTo(expected.lat, 6)
  })

  it('reads TopoJSON', async () => {
    const topo = {
      type: 'Topology',
      arcs: [
        [
          [2.1, 41.4],
          [2.11, 41.4],
          [2.11, 41.41],
          [2.1, 41.41],
          [2.1, 41.4],
        ],
      ],
      objects: { barris: { type: 'GeometryCollection', geometries: [{ type: 'Polygon', arcs: [[0]], properties: { NOM: 'Topo', CODI: 'T1' } }] } },
    }
    const r = await read(JSON.stringify(topo), 'barris.topojson')
    expect(r.format).toBe('topojson')
    expect(r.features[0]!.properties.NOM).toBe('Topo')
    expect((r.features[0]!.geometry as { type: string }).type).toBe('Polygon')
  })

  it('refuses a file that is not what its extension says, saying what it is', async () => {
    const zipAsGeoJson = await readGeographyFile((await riberiaFiles()).districtsZip, 'districts.geojson')
    expect(zipAsGeoJson.ok).toBe(false)
    if (!zipAsGeoJson.ok) expect(describeReadProblem(t, zipAsGeoJson.problem)).toBe('The file ends in .geojson but is not one: it is zip.')
    const jsonAsZip = await readGeographyFile(bytes(riberiaGeoJson(riberiaDistricts)), 'districts.zip')
    expect(!jsonAsZip.ok && describeReadProblem(t, jsonAsZip.problem)).toBe('The file ends in .zip but is not one: it is json.')
    const notAFeatureCollection = await readGeographyFile(bytes('{"type":"Point","coordinates":[2,41]}'), 'x.geojson')
    expect(!notAFeatureCollection.ok && describeReadProblem(t, notAFeatureCollection.problem)).toContain('it is GeoJSON Point')
    const noDbf = await readGeographyFile(zipSync({ 'a.shp': new Uint8Array([0, 0, 0x27, 0x0a, 0, 0]) }), 'a.zip')
    expect(!noDbf.ok && describeReadProblem(t, noDbf.problem)).toContain('no .dbf file')
    const textAsShp = await readGeographyFile(zipSync({ 'a.shp': strToU8('hello'), 'a.dbf': strToU8('x') }), 'a.zip')
    expect(!textAsShp.ok && describeReadProblem(t, textAsShp.problem)).toBe('The file ends in .shp but is not one: it is text.')
    const kml = await readGeographyFile(bytes('<kml/>'), 'city.kml')
    expect(!kml.ok && kml.problem.kind).toBe('unsupportedExtension')
    const unknownCrs = await readGeographyFile(bytes(JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'EPSG:99999' } }, features: [] })), 'x.geojson')
    expect(!unknownCrs.ok && describeReadProblem(t, unknownCrs.problem)).toContain('EPSG:99999')
  })
})

describe('the preview lists every problem, naming the feature and the property', () => {
  beforeAll(async () => {
    const files = await riberiaFiles()
    const r = await readGeographyFile(files.districtsZip, 'districtes.zip')
    if (!r.ok) throw new Error('unreadable')
    const done = await commitImport({ features: r.features, properties: r.properties, options: DISTRICTS, actorId: null, fileName: 'districtes.zip' })
    expect(done.kind).toBe('imported')
  })

  it('finds nothing wrong with the clean file', async () => {
    expect((await problemsOf(() => undefined)).messages).toEqual([])
  })

  it('empty geometries', async () => {
    const { messages } = await problemsOf((f) => {
      f[0]!.geometry = null
      f[1]!.geometry = { type: 'Polygon', coordinates: [] }
    })
    expect(messages).toContain('Feature 1 (NOM “La Marina”, CODI “D1-1”) has an empty geometry.')
    expect(messages).toContain('Feature 2 (NOM “Les Drassanes”, CODI “D1-2”) has an empty geometry.')
  })

  it('geometries that are not areas', async () => {
    const { messages } = await problemsOf((f) => (f[2]!.geometry = { type: 'Point', coordinates: [2.1, 41.4] }))
    expect(messages).toContain('Feature 3 (NOM “Sant Pere”, CODI “D2-1”) is a Point, not an area (Polygon or MultiPolygon).')
  })

  it('unclosed rings', async () => {
    const { messages } = await problemsOf((f) => ringOf(f[3]!).pop())
    expect(messages).toHaveLength(1)
    expect(messages[0]).toMatch(/^Feature 4 \(NOM “Plaça Major”, CODI “D2-2”\): ring 1 is not closed \(it starts at 41\.\d+, 2\.\d+ and ends at 41\.\d+, 2\.\d+\)\.$/)
  })

  it('rings with too few positions', async () => {
    const { messages } = await problemsOf((f) => {
      const ring = ringOf(f[4]!)
      ring.splice(2, ring.length - 3)
    })
    expect(messages).toContain('Feature 5 (NOM “El Call”, CODI “D2-3”): ring 1 has 3 positions; a ring needs at least 4.')
  })

  it('self-intersecting rings, with where they cross', async () => {
    const { messages } = await problemsOf((f) => {
      // Swap two corners: the outline becomes a bow tie.
      const ring = ringOf(f[5]!)
      ;[ring[1], ring[2]] = [ring[2]!, ring[1]!]
    })
    expect(messages).toHaveLength(1)
    expect(messages[0]).toMatch(/^Feature 6 \(NOM “Les Vinyes”, CODI “D3-1”\): ring 1 crosses itself at 41\.39\d+, 2\.1\d+ \(latitude, longitude\)\.$/)
  })

  it('holes crossing the outer ring', async () => {
    const { messages } = await problemsOf((f) => {
      const ring = ringOf(f[6]!)
      const [x, y] = ring[0] as [number, number]
      ;(f[6]!.geometry as { coordinates: number[][][] }).coordinates.push([
        [x - 0.001, y + 0.001],
        [x + 0.001, y + 0.001],
        [x + 0.001, y + 0.002],
        [x - 0.001, y + 0.002],
        [x - 0.001, y + 0.001],
      ])
    })
    expect(messages.some((m) => m.startsWith('Feature 7 (NOM “Font del Turó”, CODI “D3-2”): rings 1 and 2 cross at'))).toBe(true)
  })

  it('positions that are not longitudes and latitudes', async () => {
    const { messages } = await problemsOf((f) => (ringOf(f[7]!)[1] = [428000, 4584500]))
    expect(messages).toContain('Feature 8 (NOM “Mirador”, CODI “D3-3”) has a position that is not a longitude and latitude: [428000, 4584500]. Is the file projected without a .prj or crs member?')
  })

  it('missing names, codes and parents’ codes', async () => {
    const { messages } = await problemsOf((f) => {
      delete f[0]!.properties.NOM
      f[1]!.properties.CODI = ''
      f[2]!.properties.DISTRICTE = null
    })
    expect(messages).toContain('Feature 1 (NOM “—”, CODI “D1-1”) has no value in NOM, the name property.')
    expect(messages).toContain('Feature 2 (NOM “Les Drassanes”, CODI “—”) has no value in CODI, the code property.')
    expect(messages).toContain("Feature 3 (NOM “Sant Pere”, CODI “D2-1”) has no value in DISTRICTE, the parent's code property.")
  })

  it('duplicate codes and names', async () => {
    const { messages } = await problemsOf((f) => {
      f[1]!.properties.CODI = 'D1-1'
      f[4]!.properties.NOM = 'Sant Pere'
    })
    expect(messages).toContain('Feature 2 (NOM “Les Drassanes”, CODI “D1-1”) has the same CODI as Feature 1 (NOM “La Marina”, CODI “D1-1”).')
    expect(messages).toContain('Feature 5 (NOM “Sant Pere”, CODI “D2-3”) has the same NOM as Feature 3 (NOM “Sant Pere”, CODI “D2-1”), in the same parent.')
  })

  it('codes already used by an area of another level', async () => {
    const { messages } = await problemsOf((f) => (f[0]!.properties.CODI = 'D2'))
    expect(messages).toContain('Feature 1 (NOM “La Marina”, CODI “D2”): CODI “D2” is already the code of “Centre” (Districts).')
  })

  it('missing parents', async () => {
    const { messages } = await problemsOf((f) => (f[7]!.properties.DISTRICTE = 'D9'))
    expect(messages).toContain('Feature 8 (NOM “Mirador”, CODI “D3-3”): its parent DISTRICTE “D9” is not the code of any of the Districts.')
  })

  it('features outside their parent, with their size in m² and where', async () => {
    const { messages } = await problemsOf((f) => (f[0]!.properties.DISTRICTE = 'D3'))
    // La Marina (4 km²) put under Turó lies wholly outside it, and leaves a gap in Port.
    expect(messages.some((m) => /^Feature 1 \(NOM “La Marina”, CODI “D1-1”\) lies 3,99\d,\d{3} m² outside its parent “Turó”, around 41\.\d+, 2\.\d+/.test(m))).toBe(true)
    expect(messages.some((m) => /^A gap of 3,99\d,\d{3} m² inside “Port” is covered by no feature, around .* next to Feature 2 \(NOM “Les Drassanes”, CODI “D1-2”\)\.$/.test(m))).toBe(true)
  })

  it('gaps between siblings above the tolerance', async () => {
    // Pull Les Drassanes' south edge 20 m north: a 2,000 × 20 m strip (40,000 m²) between it and La Marina.
    // (Its south edge is the ring's positions 0, 1 and 4 in UTM; moved in latitude, near enough.)
    const { messages, problems } = await problemsOf((f) => {
      const ring = ringOf(f[1]!)
      for (const i of [0, 1, 4]) ring[i]![1] = ring[i]![1]! + 20 / 111_000
    })
    const gap = problems.find((p) => p.kind === 'gap')
    expect(gap && 'm2' in gap && gap.m2).toBeGreaterThan(39_000)
    expect(gap && 'm2' in gap && gap.m2).toBeLessThan(41_000)
    expect(messages.find((m) => m.startsWith('A gap of'))).toContain('Feature 2 (NOM “Les Drassanes”, CODI “D1-2”)')
  })

  it('overlaps between siblings above the tolerance, but not below it', async () => {
    const push = (metres: number) => (f: Array<{ geometry: unknown }>) => {
      const ring = ringOf(f[1]!)
      for (const i of [0, 1, 4]) ring[i]![1] = ring[i]![1]! - metres / 111_000
    }
    const { messages, problems } = await problemsOf(push(10))
    const overlap = problems.find((p) => p.kind === 'overlap')
    expect(overlap && 'm2' in overlap && overlap.m2).toBeGreaterThan(19_000)
    expect(messages.find((m) => m.includes('overlap by'))).toMatch(/^Feature 2 \(NOM “Les Drassanes”, CODI “D1-2”\) and Feature 1 \(NOM “La Marina”, CODI “D1-1”\) overlap by \d{2},\d{3} m²/)
    // 1 cm: 20 m² of sliver, under a 50 m² tolerance: nothing to report.
    const tiny = await problemsOf(push(0.01), { ...NEIGHBOURHOODS, toleranceM2: 50 })
    expect(tiny.problems.filter((p) => p.kind === 'overlap' || p.kind === 'outsideParent')).toEqual([])
  })

  it('properties the file does not have', async () => {
    const { messages } = await problemsOf(() => undefined, { ...NEIGHBOURHOODS, codeProp: 'CODE' })
    expect(messages).toEqual(["No feature has a property “CODE”. The file's properties: CODI, NOM, NOM_ES, NOM_FR, DISTRICTE."])
  })

  it('fixes winding order silently', async () => {
    const doc = JSON.parse(riberiaGeoJson(riberiaNeighbourhoods)) as { features: Array<{ geometry: { coordinates: number[][][] } }> }
    doc.features[0]!.geometry.coordinates[0]!.reverse() // clockwise
    const r = await read(JSON.stringify(doc))
    const preview = await previewImport(r.features, r.properties, NEIGHBOURHOODS)
    expect(preview.problems).toEqual([])
    const ring = (preview.areas[0]!.geometry as { coordinates: number[][][] }).coordinates[0]!
    let twice = 0
    for (let i = 0; i + 1 < ring.length; i++) twice += ring[i]![0]! * ring[i + 1]![1]! - ring[i + 1]![0]! * ring[i]![1]!
    expect(twice).toBeGreaterThan(0) // counter-clockwise
  })
})

describe('commit and re-import', () => {
  const items: Record<string, { lat: number; lng: number }> = {
    // In La Marina near the D1-1 / D1-2 border (y = 2,000 m): Les Drassanes after the border moves south.
    nearBorder: riberiaPoint(1000, 1900),
    marina: riberiaPoint(500, 500),
    vinyes: riberiaPoint(5000, 500),
  }

  async function snapshot() {
    const db = database().db
    return {
      areas: await db.selectFrom('areas').select(['id', 'slug', 'code', 'name', 'names', 'geometry', 'parent_id']).orderBy('id').execute(),
      items: await db.selectFrom('map_items').select(['id', 'area_ids']).orderBy('id').execute(),
      links: await db.selectFrom('map_item_areas').selectAll().orderBy('map_item_id').orderBy('area_id').execute(),
      counts: await db.selectFrom('map_area_counts').selectAll().orderBy('area_id').execute(),
      redirects: await db.selectFrom('area_slug_redirects').select(['old_slug', 'area_id']).orderBy('old_slug').execute(),
    }
  }

  const idOf = async (code: string) => (await database().db.selectFrom('areas').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id

  beforeAll(async () => {
    const files = await riberiaFiles()
    const r = await readGeographyFile(files.neighbourhoodsZip, 'barris.zip')
    if (!r.ok) throw new Error('unreadable')
    const done = await commitImport({ features: r.features, properties: r.properties, options: NEIGHBOURHOODS, actorId: null, fileName: 'barris.zip' })
    expect(done.kind).toBe('imported')
    await database().write(async (trx) => {
      await registerKind(trx, { kind: 'test-items', urlPattern: null, labelKey: 'geo:layers.sample', position: 99 })
      let n = 0
      for (const p of Object.values(items)) await placeItem(trx, { kind: 'test-items', itemId: ++n, lat: p.lat, lng: p.lng, status: 'open', title: `Item ${n}` })
    })
  })

  it('writes the areas with names per language, the union boundary and a point-in-area that works', async () => {
    const hits = await areasContaining(items.marina!.lat, items.marina!.lng)
    expect(hits.map((h) => h.name)).toEqual(['City', 'Port', 'La Marina'])
    const drassanes = await database().db.selectFrom('areas').select(['slug', 'names', 'depth', 'level']).where('code', '=', 'D1-2').executeTakeFirstOrThrow()
    expect(drassanes).toEqual({ slug: 'les-drassanes', names: JSON.stringify({ en: 'Les Drassanes', es: 'Las Atarazanas', fr: 'Les Chantiers' }), depth: 2, level: 'neighbourhood' })
    const city = await database().db.selectFrom('areas').select(['area_m2']).where('depth', '=', 0).executeTakeFirstOrThrow()
    expect(city.area_m2 / 1e6).toBeGreaterThan(23.9) // 6 × 4 km in UTM (scale factor under 1 here)
    expect(city.area_m2 / 1e6).toBeLessThan(24.1)
  })

  it('a failed re-import leaves the previous geography and every located item untouched', async () => {
    const before = await snapshot()
    const moved = riberiaNeighbourhoods.map((a) => (a.code === 'D1-2' ? { ...a, ring: a.ring.map(([x, y]) => [x, y === 4_584_000 ? 4_583_500 : y] as [number, number]) } : a))
    const r = await read(riberiaGeoJson(moved)) // Les Drassanes now overlaps La Marina by 1 km²
    const result = await commitImport({ features: r.features, properties: r.properties, options: NEIGHBOURHOODS, actorId: null, fileName: 'bad.geojson' })
    expect(result.kind).toBe('invalid')
    expect(result.kind === 'invalid' && result.problems.map((p) => describeProblem(t, p))).toEqual([
      expect.stringMatching(/^Feature 2 \(NOM “Les Drassanes”, CODI “D1-2”\) and Feature 1 \(NOM “La Marina”, CODI “D1-1”\) overlap by 99\d,\d{3} m²/),
    ])
    expect(await snapshot()).toEqual(before)
  })

  it('re-import matches by code, moves items across a changed border, renames with a redirect, and reports what moved', async () => {
    const marinaId = await idOf('D1-1')
    const drassanesId = await idOf('D1-2')
    const shift = ([x, y]: [number, number]) => [x, y === 4_584_000 ? 4_583_500 : y] as [number, number]
    const changed: RiberiaArea[] = riberiaNeighbourhoods.map((a) =>
      a.code === 'D1-1' ? { ...a, ring: a.ring.map(shift) } : a.code === 'D1-2' ? { ...a, name: 'Drassanes Noves', ring: a.ring.map(shift) } : a,
    )
    const r = await read(riberiaGeoJson(changed))
    const result = await commitImport({ features: r.features, properties: r.properties, options: NEIGHBOURHOODS, actorId: null, fileName: 'barris-2.geojson' })
    expect(result.kind).toBe('imported')
    if (result.kind !== 'imported') return
    expect(result).toMatchObject({ created: 0, updated: 8, renamed: 1, removed: 0 })
    expect(result.moved.map).toBe(1)
    // Every capability with area links moved its own items (their manifests' relocateAreas), in the manifests' order.
    expect(Object.keys(result.moved)).toEqual([
      'map',
      'reports',
      'reportAlerts',
      'proposals',
      'signatures',
      'petitions',
      'votingProcesses',
      'delegations',
      'representatives',
      'letters',
      'census',
      'homeAreas',
      'subscriptions',
      'routingRules',
    ])
    expect(await idOf('D1-1')).toBe(marinaId)
    expect(await idOf('D1-2')).toBe(drassanesId)
    const item = await database().db.selectFrom('map_items').select('area_ids').where('kind', '=', 'test-items').where('item_id', '=', 1).executeTakeFirstOrThrow()
    expect(JSON.parse(item.area_ids)).toContain(drassanesId)
    const counts = await database().db.selectFrom('map_area_counts').select(['area_id', 'n']).where('kind', '=', 'test-items').where('area_id', 'in', [marinaId, drassanesId]).execute()
    expect(Object.fromEntries(counts.map((c) => [c.area_id, c.n]))).toEqual({ [marinaId]: 1, [drassanesId]: 1 })
    expect(await database().db.selectFrom('area_slug_redirects').select(['old_slug', 'area_id']).execute()).toEqual([{ old_slug: 'les-drassanes', area_id: drassanesId }])
  })

  it('a removed area hands its items to the area that now covers it', async () => {
    const marinaId = await idOf('D1-1')
    // La Marina and Les Drassanes merge into one neighbourhood "Port Vell" with a new code.
    const merged: RiberiaArea = { code: 'D1-9', name: 'Port Vell', names: { en: 'Old Port', es: 'Puerto Viejo', fr: 'Vieux-Port' }, parentCode: 'D1', ring: riberiaDistricts[0]!.ring }
    const r = await read(riberiaGeoJson([merged, ...riberiaNeighbourhoods.filter((a) => a.parentCode !== 'D1')]))
    const result = await commitImport({ features: r.features, properties: r.properties, options: NEIGHBOURHOODS, actorId: null, fileName: 'barris-3.geojson' })
    expect(result.kind).toBe('imported')
    if (result.kind !== 'imported') return
    expect(result).toMatchObject({ created: 1, removed: 2 })
    expect(result.moved.map).toBe(2)
    expect(result.changes.filter((c) => c.kind === 'removed').map((c) => c.successor)).toEqual(['Port Vell', 'Port Vell'])
    const portVell = await idOf('D1-9')
    const hits = await areasContaining(items.marina!.lat, items.marina!.lng)
    expect(hits.map((h) => h.id)).toContain(portVell)
    const redirects = await database().db.selectFrom('area_slug_redirects').select(['old_slug', 'area_id']).orderBy('old_slug').execute()
    expect(redirects).toEqual([
      { old_slug: 'drassanes-noves', area_id: portVell },
      { old_slug: 'la-marina', area_id: portVell },
      { old_slug: 'les-drassanes', area_id: portVell },
    ])
    expect(await database().db.selectFrom('map_area_counts').select('n').where('area_id', '=', marinaId).execute()).toEqual([])
  })
})
