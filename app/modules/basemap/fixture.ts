import type { OsmNode, OsmWay } from './osm-pbf-writer'

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
