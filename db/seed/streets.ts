import type { OsmNode, OsmWay } from '../../app/modules/basemap/osm-pbf-writer'
import { geometryContains, type AreaGeometry } from '../../app/modules/geo/geometry'
import { DEMO_CITY_CENTRE } from './city'

/**
 * The demo city's streets as OpenStreetMap data (issue 17): a grid of named streets and avenues
 * cut into blocks inside the city's outline, "Carrer Major" through the centre, a square (Plaça
 * Major), two parks, a railway, buildings in the old town and address points along every street
 * (odd numbers on one side, even on the other, as in Catalan and Spanish towns). Deterministic.
 * Written as an .osm.pbf and imported like any city's extract (db/seed/index.ts).
 */

const M_PER_DEG_LAT = 111_195
const M_PER_DEG_LNG = M_PER_DEG_LAT * Math.cos((DEMO_CITY_CENTRE[1] * Math.PI) / 180)
const SPACING_M = 320
const ADDRESS_STEP_M = 40
const SIDE_OFFSET_M = 14
const OLD_TOWN_M = 900

const EW_NAMES = [
  'Sant Pere',
  'la Font',
  'Mar',
  'les Moreres',
  'Santa Anna',
  'la Creu',
  'Sant Antoni',
  'les Eres',
  'la Riera',
  'Sant Joan',
  'la Pau',
  'Verdaguer',
  'Montserrat',
  'la Lluna',
  'Sol',
  'Sant Jaume',
  'les Flors',
  'Balmes',
  'la Indústria',
  'Mallorca',
  'Girona',
  'Lleida',
  'Tarragona',
  'Pi',
  'Sant Josep',
  'Àngel Guimerà',
  'Colom',
  'Prim',
  'Sant Francesc',
  'la Muralla',
  'Fontanella',
  'Rosselló',
  'Aragó',
  'València',
  'Provença',
  'Còrsega',
  'Urgell',
  'Comerç',
  'Tallers',
  'Argenteria',
]
const NS_NAMES = [
  'Lleó',
  'Joan Maragall',
  'Pau Casals',
  'Jacint Verdaguer',
  'Mossèn Cinto',
  'Antoni Gaudí',
  'Francesc Macià',
  'Rafael Casanova',
  'Pompeu Fabra',
  'Narcís Monturiol',
  'Isaac Albéniz',
  'Enric Granados',
  'Santiago Rusiñol',
  'Ramon Llull',
  'Miquel Servet',
  'Clara Campoamor',
  'Rosalía de Castro',
  'Mercè Rodoreda',
  'Caterina Albert',
  'Frederica Montseny',
  'Josep Pla',
  'Joan Miró',
  'Salvador Espriu',
  'Dolors Aleu',
  'Pere IV',
  'Jaume I',
  'Ramon Berenguer',
  'Bisbe Morgades',
  'Doctor Fleming',
  'Joan XXIII',
  'Tomàs Moro',
  'Marià Fortuny',
  'Francesc Layret',
  'Lluís Companys',
  'Ausiàs March',
  'Ignasi Iglesias',
  'Anselm Clavé',
  'Manuel de Falla',
]

/** "Carrer de Sant Pere", "Carrer del Mar", "Avinguda de l'Àngel": Catalan articles contract. */
function streetName(type: string, name: string): string {
  if (/^(la|les|el|els) /i.test(name)) return `${type} de ${name}`
  if (/^[AEIOUÀÈÉÍÒÓÚaeiou]/.test(name)) return `${type} d'${name}`
  if (name === 'Mar' || name === 'Sol' || name === 'Pi' || name === 'Lleó' || name === 'Comerç') return `${type} del ${name}`
  return `${type} de ${name}`
}

export interface DemoStreets {
  nodes: OsmNode[]
  ways: OsmWay[]
  bbox: [number, number, number, number]
}

export function demoStreets(cityGeometry: AreaGeometry): DemoStreets {
  const [cx, cy] = DEMO_CITY_CENTRE
  const toLngLat = (x: number, y: number): [number, number] => [round7(cx + x / M_PER_DEG_LNG), round7(cy + y / M_PER_DEG_LAT)]
  const inside = (x: number, y: number) => {
    const [lng, lat] = toLngLat(x, y)
    return geometryContains(cityGeometry, lng, lat)
  }
  const nodes: OsmNode[] = []
  const ways: OsmWay[] = []
  let nextNode = 1
  let nextWay = 1
  const node = (x: number, y: number, tags?: Record<string, string>) => {
    const [lon, lat] = toLngLat(x, y)
    const id = nextNode++
    nodes.push(tags ? { id, lat, lon, tags } : { id, lat, lon })
    return id
  }
  const HALF = 6400
  const steps = Math.floor(HALF / SPACING_M)
  // Intersection nodes, shared by the crossing streets.
  const grid = new Map<string, number>()
  const at = (i: number, j: number) => {
    const key = `${i},${j}`
    let id = grid.get(key)
    if (id === undefined) grid.set(key, (id = node(i * SPACING_M, j * SPACING_M)))
    return id
  }
  const blockInside = (i0: number, j0: number, i1: number, j1: number) => inside(((i0 + i1) / 2) * SPACING_M, ((j0 + j1) / 2) * SPACING_M)

  const addresses = (street: string, from: [number, number], to: [number, number], firstIndex: number, withBuildings: boolean) => {
    const len = Math.hypot(to[0] - from[0], to[1] - from[1])
    const ux = (to[0] - from[0]) / len
    const uy = (to[1] - from[1]) / len
    let k = firstIndex
    for (let d = ADDRESS_STEP_M / 2; d < len - 10; d += ADDRESS_STEP_M, k++) {
      for (const side of [1, -1] as const) {
        const x = from[0] + ux * d - uy * SIDE_OFFSET_M * side
        const y = from[1] + uy * d + ux * SIDE_OFFSET_M * side
        const housenumber = String(side === 1 ? 2 * k + 1 : 2 * k + 2)
        const tags = { 'addr:street': street, 'addr:housenumber': housenumber }
        if (withBuildings && Math.hypot(x, y) < OLD_TOWN_M) {
          // A building on the address: a 12 m square, its address on the building (as mappers often do).
          const h = 6
          const ring = [node(x - h, y - h), node(x + h, y - h), node(x + h, y + h), node(x - h, y + h)]
          ways.push({ id: nextWay++, refs: [...ring, ring[0]!], tags: { building: 'yes', ...tags } })
        } else node(x, y, tags)
      }
    }
    return k
  }

  const street = (horizontal: boolean, line: number, name: string, highway: string) => {
    let run: number[] = []
    let index = 0
    let runStart: number | null = null
    const flush = (endStep: number) => {
      if (run.length >= 2 && runStart !== null) {
        ways.push({ id: nextWay++, refs: run, tags: { highway, name } })
        const a: [number, number] = horizontal ? [runStart * SPACING_M, line * SPACING_M] : [line * SPACING_M, runStart * SPACING_M]
        const b: [number, number] = horizontal ? [endStep * SPACING_M, line * SPACING_M] : [line * SPACING_M, endStep * SPACING_M]
        index = addresses(name, a, b, index, true)
      }
      run = []
      runStart = null
    }
    for (let s = -steps; s < steps; s++) {
      const ok = horizontal ? blockInside(s, line, s + 1, line) : blockInside(line, s, line, s + 1)
      if (ok) {
        if (!run.length) {
          runStart = s
          run.push(horizontal ? at(s, line) : at(line, s))
        }
        run.push(horizontal ? at(s + 1, line) : at(line, s + 1))
      } else flush(s)
    }
    flush(steps)
  }

  for (let j = -steps; j <= steps; j++) {
    const name = j === 0 ? 'Carrer Major' : streetName(Math.abs(j) % 5 === 0 ? 'Avinguda' : 'Carrer', EW_NAMES[(j + steps) % EW_NAMES.length]!)
    street(true, j, name, j === 0 ? 'secondary' : Math.abs(j) % 5 === 0 ? 'tertiary' : 'residential')
  }
  for (let i = -steps; i <= steps; i++) {
    const name = i === 0 ? 'Rambla del Centre' : streetName(Math.abs(i) % 6 === 0 ? 'Passeig' : 'Carrer', NS_NAMES[(i + steps) % NS_NAMES.length]!)
    street(false, i, name, i === 0 ? 'secondary' : Math.abs(i) % 6 === 0 ? 'tertiary' : 'residential')
  }

  // Plaça Major where Carrer Major meets the Rambla; a footpath across each park.
  const square = (x: number, y: number, half: number, tags: Record<string, string>) => {
    const ring = [node(x - half, y - half), node(x + half, y - half), node(x + half, y + half), node(x - half, y + half)]
    ways.push({ id: nextWay++, refs: [...ring, ring[0]!], tags })
  }
  square(SPACING_M / 2, SPACING_M / 2, 70, { highway: 'pedestrian', area: 'yes', place: 'square', name: 'Plaça Major' })
  square(-2.5 * SPACING_M, 1.5 * SPACING_M, 120, { leisure: 'park', name: 'Parc de la Ciutadella' })
  square(3.5 * SPACING_M, -2.5 * SPACING_M, 110, { leisure: 'park', name: 'Jardins del Lume' })
  ways.push({ id: nextWay++, refs: [node(-2.5 * SPACING_M - 110, 1.5 * SPACING_M), node(-2.5 * SPACING_M + 110, 1.5 * SPACING_M)], tags: { highway: 'footway' } })
  // The railway crosses the city south-west to north-east.
  const rail: number[] = []
  for (let d = -5500; d <= 5500; d += 250) if (inside(d, d * 0.6 - 900)) rail.push(node(d, d * 0.6 - 900))
  if (rail.length >= 2) ways.push({ id: nextWay++, refs: rail, tags: { railway: 'rail', name: 'Línia de la Costa' } })

  let bbox: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity]
  for (const n of nodes) bbox = [Math.min(bbox[0], n.lon), Math.min(bbox[1], n.lat), Math.max(bbox[2], n.lon), Math.max(bbox[3], n.lat)]
  nodes.sort((a, b) => a.id - b.id)
  return { nodes, ways, bbox }
}

const round7 = (v: number) => Math.round(v * 1e7) / 1e7
