import type { OsmFeature, Position } from './read.server'

/**
 * Which layer of the base map an OSM element belongs to, with the few properties the style reads.
 * The layers (documented in docs/basemap.md): water, waterways, parks, buildings, railways, roads
 * (class + name), places (a named park or square's label point) and addresses (house numbers).
 */

export const BASEMAP_LAYERS = ['water', 'parks', 'buildings', 'waterways', 'railways', 'roads', 'places', 'addresses'] as const
export type BasemapLayer = (typeof BASEMAP_LAYERS)[number]

const ROAD_CLASS: Record<string, string> = {
  motorway: 'primary',
  trunk: 'primary',
  primary: 'primary',
  motorway_link: 'primary',
  trunk_link: 'primary',
  primary_link: 'primary',
  secondary: 'secondary',
  secondary_link: 'secondary',
  tertiary: 'secondary',
  tertiary_link: 'secondary',
  residential: 'street',
  unclassified: 'street',
  living_street: 'street',
  road: 'street',
  service: 'service',
  pedestrian: 'pedestrian',
  footway: 'path',
  path: 'path',
  cycleway: 'path',
  steps: 'path',
  track: 'path',
  bridleway: 'path',
}

export interface Classified {
  layer: BasemapLayer
  properties: Record<string, string | number>
}

export function classify(f: OsmFeature): Classified[] {
  const t = f.tags
  const out: Classified[] = []
  const type = f.geometry.type
  const name = t.name
  if (type === 'Polygon') {
    if (t.natural === 'water' || t.waterway === 'riverbank' || t.landuse === 'reservoir' || t.water) out.push({ layer: 'water', properties: {} })
    else if (
      t.leisure === 'park' ||
      t.leisure === 'garden' ||
      t.leisure === 'playground' ||
      t.landuse === 'grass' ||
      t.landuse === 'recreation_ground' ||
      t.landuse === 'forest' ||
      t.natural === 'wood'
    ) {
      out.push({ layer: 'parks', properties: name ? { name } : {} })
      if (name) out.push({ layer: 'places', properties: { name, class: 'park' } })
    } else if (t.building) out.push({ layer: 'buildings', properties: {} })
    else if (t.highway === 'pedestrian' || t.place === 'square') {
      out.push({ layer: 'parks', properties: { class: 'square', ...(name ? { name } : {}) } })
      if (name) out.push({ layer: 'places', properties: { name, class: 'square' } })
    }
  } else if (type === 'LineString') {
    const roadClass = t.highway ? ROAD_CLASS[t.highway] : undefined
    if (roadClass) out.push({ layer: 'roads', properties: name ? { class: roadClass, name } : { class: roadClass } })
    else if (t.railway === 'rail' || t.railway === 'light_rail' || t.railway === 'tram' || t.railway === 'subway' || t.railway === 'narrow_gauge')
      out.push({ layer: 'railways', properties: { class: t.railway } })
    else if (t.waterway === 'river' || t.waterway === 'stream' || t.waterway === 'canal') out.push({ layer: 'waterways', properties: name ? { class: t.waterway, name } : { class: t.waterway } })
  } else if (type === 'Point') {
    if (name && (t.place === 'square' || t.leisure === 'park')) out.push({ layer: 'places', properties: { name, class: t.place === 'square' ? 'square' : 'park' } })
  }
  const address = addressOf(f)
  if (address) out.push({ layer: 'addresses', properties: { housenumber: address.housenumber } })
  return out
}

/** An address point ("addr:street" + "addr:housenumber") on a node or a building. */
export function addressOf(f: OsmFeature): { street: string; housenumber: string; at: Position } | null {
  const street = f.tags['addr:street']?.trim()
  const housenumber = f.tags['addr:housenumber']?.trim()
  if (!street || !housenumber) return null
  const at = f.geometry.type === 'Point' ? f.geometry.coordinates : f.geometry.type === 'Polygon' ? centroid(f.geometry.coordinates[0]!) : middle(f.geometry.coordinates)
  return { street, housenumber, at }
}

/** The mean of a ring's vertices (without the closing repeat): inside for the convex shapes of buildings. */
export function centroid(ring: Position[]): Position {
  const n = ring.length > 1 && ring[0]![0] === ring[ring.length - 1]![0] && ring[0]![1] === ring[ring.length - 1]![1] ? ring.length - 1 : ring.length
  let x = 0
  let y = 0
  for (let i = 0; i < n; i++) {
    x += ring[i]![0]
    y += ring[i]![1]
  }
  return [x / n, y / n]
}

/** The point halfway along a line. */
export function middle(line: Position[]): Position {
  let total = 0
  for (let i = 1; i < line.length; i++) total += Math.hypot(line[i]![0] - line[i - 1]![0], line[i]![1] - line[i - 1]![1])
  let walked = 0
  for (let i = 1; i < line.length; i++) {
    const a = line[i - 1]!
    const b = line[i]!
    const d = Math.hypot(b[0] - a[0], b[1] - a[1])
    if (walked + d >= total / 2 && d > 0) {
      const f = (total / 2 - walked) / d
      return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f]
    }
    walked += d
  }
  return line[0]!
}
