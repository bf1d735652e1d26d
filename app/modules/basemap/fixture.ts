import type { OsmNode, OsmRelation, OsmWay } from './osm-pbf-writer'

/**
 * A small town for the tests: two streets with addresses (on nodes and on a building), a square,
 * a park, a lake, a railway and a footpath, around 41.35 N 1.52 W.
 */
export function smallTown(): { nodes: OsmNode[]; ways: OsmWay[] } {
  const nodes: OsmNode[] = []
  const ways: OsmWay[] = []
  let id = 100
  const n = (lon: number, lat: number, tags?: Record<string, string>) => {
    nodes.push({ id: ++id, lon, lat, ...(tags ? { tags } : {}) })
    return id
  }
  const lat0 = 41.35
  const lon0 = -1.52
  // Carrer Major runs west → east; numbers every ~40 m, odd north, even south.
  const major = [n(lon0, lat0), n(lon0 + 0.004, lat0), n(lon0 + 0.008, lat0)]
  ways.push({ id: 1, refs: major, tags: { highway: 'residential', name: 'Carrer Major' } })
  for (let k = 0; k < 10; k++) {
    const lon = lon0 + 0.0005 + k * 0.0005
    n(lon, lat0 + 0.00012, { 'addr:street': 'Carrer Major', 'addr:housenumber': String(2 * k + 1) })
    n(lon, lat0 - 0.00012, { 'addr:street': 'Carrer Major', 'addr:housenumber': String(2 * k + 2) })
  }
  // Carrer de Mallorca runs south → north from the east end.
  const mallorca = [major[2]!, n(lon0 + 0.008, lat0 + 0.004)]
  ways.push({ id: 2, refs: mallorca, tags: { highway: 'tertiary', name: 'Carrer de Mallorca' } })
  // A building with its address (Carrer de Mallorca 7).
  const b = [n(lon0 + 0.0082, lat0 + 0.002), n(lon0 + 0.0084, lat0 + 0.002), n(lon0 + 0.0084, lat0 + 0.0022), n(lon0 + 0.0082, lat0 + 0.0022)]
  ways.push({ id: 3, refs: [...b, b[0]!], tags: { building: 'yes', 'addr:street': 'Carrer de Mallorca', 'addr:housenumber': '7' } })
  // Plaça de l'Església, a square; Parc del Castell; a lake; a railway; a footpath.
  const sq = [n(lon0 + 0.003, lat0 + 0.001), n(lon0 + 0.004, lat0 + 0.001), n(lon0 + 0.004, lat0 + 0.002), n(lon0 + 0.003, lat0 + 0.002)]
  ways.push({ id: 4, refs: [...sq, sq[0]!], tags: { highway: 'pedestrian', area: 'yes', place: 'square', name: "Plaça de l'Església" } })
  const park = [n(lon0, lat0 + 0.002), n(lon0 + 0.002, lat0 + 0.002), n(lon0 + 0.002, lat0 + 0.004), n(lon0, lat0 + 0.004)]
  ways.push({ id: 5, refs: [...park, park[0]!], tags: { leisure: 'park', name: 'Parc del Castell' } })
  const lake = [n(lon0 + 0.005, lat0 - 0.003), n(lon0 + 0.007, lat0 - 0.003), n(lon0 + 0.006, lat0 - 0.002)]
  ways.push({ id: 6, refs: [...lake, lake[0]!], tags: { natural: 'water' } })
  ways.push({ id: 7, refs: [n(lon0 - 0.002, lat0 - 0.004), n(lon0 + 0.01, lat0 + 0.001)], tags: { railway: 'rail' } })
  ways.push({ id: 8, refs: [n(lon0 + 0.001, lat0 + 0.002), n(lon0 + 0.001, lat0 + 0.004)], tags: { highway: 'footway' } })
  // Not kept: a bench, an untagged way.
  n(lon0 + 0.001, lat0 + 0.003, { amenity: 'bench' })
  ways.push({ id: 9, refs: [major[0]!, major[1]!] })
  return { nodes, ways }
}

/**
 * Areas drawn from multipolygon relations, beside the small town: Parc de la Ribera, whose outline
 * is two untagged ways (one drawn backwards) around a pond that is its hole; a building with a
 * courtyard and an address (Carrer Nou 3); an administrative boundary (not drawn); and a broken
 * multipolygon whose outer ring cannot be closed (dropped).
 */
export function multipolygonTown(): { nodes: OsmNode[]; ways: OsmWay[]; relations: OsmRelation[] } {
  const nodes: OsmNode[] = []
  const ways: OsmWay[] = []
  const relations: OsmRelation[] = []
  let id = 5000
  const n = (lon: number, lat: number, tags?: Record<string, string>) => {
    nodes.push({ id: ++id, lon, lat, ...(tags ? { tags } : {}) })
    return id
  }
  const lat0 = 41.3605
  const lon0 = -1.5045
  const way = (wid: number, refs: number[], tags?: Record<string, string>) => {
    ways.push({ id: wid, refs, ...(tags ? { tags } : {}) })
    return wid
  }
  // The park: a square ~330 m a side, its outline split into a south-east half and a north-west half.
  const sw = n(lon0 - 0.002, lat0 - 0.0015)
  const se = n(lon0 + 0.002, lat0 - 0.0015)
  const ne = n(lon0 + 0.002, lat0 + 0.0015)
  const nw = n(lon0 - 0.002, lat0 + 0.0015)
  const half1 = way(101, [sw, se, ne])
  const half2 = way(102, [sw, nw, ne]) // runs the other way round: the assembly turns it
  const pond = [n(lon0 - 0.0003, lat0 - 0.0002), n(lon0 + 0.0003, lat0 - 0.0002), n(lon0 + 0.0003, lat0 + 0.0002), n(lon0 - 0.0003, lat0 + 0.0002)]
  const pondWay = way(103, [...pond, pond[0]!], { natural: 'water', name: 'Estany' })
  relations.push({
    id: 1,
    tags: { type: 'multipolygon', leisure: 'park', name: 'Parc de la Ribera' },
    members: [
      { type: 'way', ref: half1, role: 'outer' },
      { type: 'way', ref: half2, role: 'outer' },
      { type: 'way', ref: pondWay, role: 'inner' },
    ],
  })
  // Carrer Nou along the park's south side, and a building with a courtyard on it.
  way(104, [n(lon0 - 0.003, lat0 - 0.002), n(lon0 + 0.003, lat0 - 0.002)], { highway: 'residential', name: 'Carrer Nou' })
  const b = [n(lon0 - 0.0006, lat0 - 0.0026), n(lon0 + 0.0006, lat0 - 0.0026), n(lon0 + 0.0006, lat0 - 0.0022), n(lon0 - 0.0006, lat0 - 0.0022)]
  const c = [n(lon0 - 0.0002, lat0 - 0.00252), n(lon0 + 0.0002, lat0 - 0.00252), n(lon0 + 0.0002, lat0 - 0.00228), n(lon0 - 0.0002, lat0 - 0.00228)]
  way(105, [...b, b[0]!])
  way(106, [...c, c[0]!])
  relations.push({
    id: 2,
    tags: { type: 'multipolygon', building: 'yes', 'addr:street': 'Carrer Nou', 'addr:housenumber': '3' },
    members: [
      { type: 'way', ref: 105, role: 'outer' },
      { type: 'way', ref: 106, role: 'inner' },
    ],
  })
  relations.push({ id: 3, tags: { type: 'boundary', boundary: 'administrative', admin_level: '8', name: 'Valmera' }, members: [{ type: 'way', ref: 101, role: 'outer' }] })
  // A lake whose outline lost a way (an extract cut at its edge): nothing can be closed.
  way(107, [n(lon0 + 0.004, lat0), n(lon0 + 0.005, lat0), n(lon0 + 0.005, lat0 + 0.001)])
  relations.push({
    id: 4,
    tags: { type: 'multipolygon', natural: 'water' },
    members: [
      { type: 'way', ref: 107, role: 'outer' },
      { type: 'way', ref: 999, role: 'outer' },
    ],
  })
  return { nodes, ways, relations }
}
