import fs from 'node:fs'
import { mulberry32 } from '../../db/seed/random'
import { osmPbfChunks, type OsmNode, type OsmRelation, type OsmWay } from '../../app/modules/basemap/osm-pbf-writer'

/**
 * A synthetic city as an .osm.pbf of about the size asked for, for `npm run bench -- basemap`:
 * districts of 2 km × 2 km side by side, each with 21 + 21 named streets 100 m apart, blocks of 12
 * buildings (jittered by a few metres, so the file compresses like real data), a quarter of them with
 * an address, a footpath and a park with a pond (a multipolygon relation) in each. ~100 MB holds
 * ~10 M nodes, ~2.4 M buildings and ~1.2 M address points. Streamed: district by district, never
 * all in memory.
 */

const STREETS = 21
const BLOCK_M = 100
const PER_BLOCK = 12
/** Measured bytes a district takes in the file (for the district count of a size). */
const BYTES_PER_DISTRICT = 94_700
const TYPES = ['Carrer', 'Avinguda', 'Passeig', 'Ronda', 'Travessera', 'Camí']
const FIRST = [
  'Major',
  'Nou',
  'Sant Pere',
  'Mallorca',
  'Ribera',
  'Església',
  'Mar',
  'Sol',
  'Lluna',
  'Pau',
  'Font',
  'Pou',
  'Forn',
  'Mercat',
  'Estació',
  'Castell',
  'Molí',
  'Horts',
  'Vinyes',
  'Roser',
  'Àngel',
  'Creu',
  'Fira',
  'Pont',
  'Riu',
  'Torre',
  'Prat',
  'Bosc',
  'Serra',
  'Muntanya',
]
const SECOND = [
  'Alt',
  'Baix',
  'Vell',
  'Gran',
  'Petit',
  'del Nord',
  'del Sud',
  'de Llevant',
  'de Ponent',
  'del Centre',
  'Antic',
  'Modern',
  'de Dalt',
  'Jussà',
  'Reial',
  'Ample',
  'Estret',
  'Llarg',
  'Curt',
  'Verd',
]

/**
 * Who the streets of the later rounds are named after ("Carrer Major Alt de Verdaguer"): 3,600 names
 * per round, ~12 rounds at 100 MB. Earlier versions added the round as a number ("Carrer Major Alt 2"),
 * which no search can tell from a house number ("carrer major alt 2" is number 2 of "Carrer Major Alt",
 * or the street "Carrer Major Alt 2"): the bench's ranking check then counted as wrong answers that
 * could not be right. A name is now words only, and no name is another's with a number.
 */
const THIRD = [
  'de Verdaguer',
  'de Maragall',
  'de Gaudí',
  'de Rovira',
  'de Casals',
  'de Miró',
  'de Llull',
  'de Pujol',
  'de Sardà',
  'de Güell',
  'de Balmes',
  'de Fabra',
  'de Macià',
  'de Companys',
  'de Montserrat',
  'de Cerdà',
  'de Rodoreda',
  'de Espriu',
  'de Pedrell',
  'de Domènech',
]

/** The street name of district `d`, street `k` (0–41): unique in the city (up to 75,600 streets, ~170 MB). */
export function streetName(d: number, k: number): string {
  const i = d * STREETS * 2 + k
  const type = TYPES[i % TYPES.length]!
  const first = FIRST[Math.floor(i / TYPES.length) % FIRST.length]!
  const second = SECOND[Math.floor(i / (TYPES.length * FIRST.length)) % SECOND.length]!
  const round = Math.floor(i / (TYPES.length * FIRST.length * SECOND.length)) % (THIRD.length + 1)
  return `${type} ${first} ${second}${round ? ` ${THIRD[round - 1]}` : ''}`
}

export interface SyntheticCity {
  districts: number
  side: number
  bbox: [number, number, number, number]
  origin: [number, number]
}

const LAT0 = 41.0
const LON0 = -1.9
const M_LAT = 1 / 111_195
const M_LON = 1 / (111_195 * Math.cos((LAT0 * Math.PI) / 180))

export function cityOfSize(megabytes: number): SyntheticCity {
  const districts = Math.max(1, Math.round((megabytes * 1e6) / BYTES_PER_DISTRICT))
  const side = Math.ceil(Math.sqrt(districts))
  const extent = side * (STREETS - 1) * BLOCK_M
  return { districts, side, origin: [LON0, LAT0], bbox: [LON0, LAT0, LON0 + extent * M_LON, LAT0 + Math.ceil(districts / side) * (STREETS - 1) * BLOCK_M * M_LAT] }
}

interface District {
  nodes: OsmNode[]
  ways: OsmWay[]
  relations: OsmRelation[]
}

const NODE_IDS = 1_000_000
const WAY_IDS = 100_000

/** One district's nodes, ways and relations (ids from its own range, increasing). */
function district(city: SyntheticCity, d: number): District {
  const random = mulberry32(d + 1)
  const nodes: OsmNode[] = []
  const ways: OsmWay[] = []
  let nodeId = 1 + d * NODE_IDS
  let wayId = 1 + d * WAY_IDS
  const x0 = (d % city.side) * (STREETS - 1) * BLOCK_M
  const y0 = Math.floor(d / city.side) * (STREETS - 1) * BLOCK_M
  const jitter = () => (random() - 0.5) * 3
  const node = (xm: number, ym: number, tags?: Record<string, string>) => {
    nodes.push({ id: nodeId, lon: LON0 + (x0 + xm) * M_LON, lat: LAT0 + (y0 + ym) * M_LAT, ...(tags ? { tags } : {}) })
    return nodeId++
  }
  const span = (STREETS - 1) * BLOCK_M
  // Streets: west → east (k < 21) and south → north (k ≥ 21), a node every 50 m.
  for (let k = 0; k < STREETS * 2; k++) {
    const refs: number[] = []
    for (let s = 0; s <= (STREETS - 1) * 2; s++) {
      const along = s * (BLOCK_M / 2)
      const across = (k % STREETS) * BLOCK_M
      refs.push(k < STREETS ? node(along, across + jitter()) : node(across + jitter(), along))
    }
    ways.push({ id: wayId++, refs, tags: { highway: k % 10 === 0 ? 'secondary' : 'residential', name: streetName(d, k) } })
  }
  // Blocks: 12 buildings each (3 × 4), every other one with the address of the street south of it.
  let number = 0
  for (let by = 0; by < STREETS - 1; by++) {
    for (let bx = 0; bx < STREETS - 1; bx++) {
      if (bx === 10 && by === 10) continue // the park
      for (let k = 0; k < PER_BLOCK; k++) {
        const cx = bx * BLOCK_M + 15 + (k % 4) * 23
        const cy = by * BLOCK_M + 20 + Math.floor(k / 4) * 30
        const corners = [node(cx + jitter(), cy + jitter()), node(cx + 18 + jitter(), cy + jitter()), node(cx + 18 + jitter(), cy + 22 + jitter()), node(cx + jitter(), cy + 22 + jitter())]
        const tags: Record<string, string> = { building: 'yes' }
        if (k % 4 === 0) Object.assign(tags, { 'addr:street': streetName(d, by), 'addr:housenumber': String(++number) })
        ways.push({ id: wayId++, refs: [...corners, corners[0]!], tags })
      }
    }
  }
  // A footpath across the district.
  ways.push({ id: wayId++, refs: [node(0, 5), node(span / 2, span / 2 + 5), node(span, span - 5)], tags: { highway: 'footway' } })
  // The park with its pond: a multipolygon of two untagged rings.
  const park = [node(1000, 1000), node(1100, 1000), node(1100, 1100), node(1000, 1100)]
  const pond = [node(1040, 1040), node(1060, 1040), node(1060, 1060), node(1040, 1060)]
  const outer = wayId
  const inner = outer + 1
  ways.push({ id: outer, refs: [...park, park[0]!] }, { id: inner, refs: [...pond, pond[0]!] })
  const relations: OsmRelation[] = [
    {
      id: d + 1,
      tags: { type: 'multipolygon', leisure: 'park', name: `Parc ${streetName(d, 0).split(' ').slice(1).join(' ')}` },
      members: [
        { type: 'way', ref: outer, role: 'outer' },
        { type: 'way', ref: inner, role: 'inner' },
      ],
    },
  ]
  return { nodes, ways, relations }
}

/** Writes the city; returns its size in bytes. */
export function writeSyntheticCity(file: string, city: SyntheticCity): number {
  function* all<T>(pick: (d: District) => T[]) {
    for (let d = 0; d < city.districts; d++) yield* pick(district(city, d))
  }
  const fd = fs.openSync(file, 'w')
  let bytes = 0
  try {
    for (const chunk of osmPbfChunks(
      all((d) => d.nodes),
      all((d) => d.ways),
      city.bbox,
      all((d) => d.relations),
    )) {
      fs.writeSync(fd, chunk)
      bytes += chunk.length
    }
  } finally {
    fs.closeSync(fd)
  }
  return bytes
}

/** Queries as people type them, for addresses the city has: abbreviations, no accents, a typo, a street alone. */
export function addressQueries(city: SyntheticCity, count: number): Array<{ q: string; street: string }> {
  const random = mulberry32(99)
  const out: Array<{ q: string; street: string }> = []
  for (let i = 0; i < count; i++) {
    const d = Math.floor(random() * city.districts)
    const k = Math.floor(random() * (STREETS - 1))
    const name = streetName(d, k)
    const number = 1 + 4 * Math.floor(random() * 100)
    const form = i % 4
    const folded = name.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
    const q =
      form === 0
        ? `${name} ${number}`
        : form === 1
          ? `${folded.replace(/^carrer /, 'c/ ').replace(/^avinguda /, 'av. ')} ${number}`
          : form === 2
            ? `${folded.slice(0, -3)}${folded.at(-2)}${folded.at(-3)}${folded.at(-1)} ${number}`
            : folded
    out.push({ q, street: name })
  }
  return out
}
