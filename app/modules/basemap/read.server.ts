import fs from 'node:fs'
import sax from 'sax'
import { createOSMStream } from 'osm-pbf-parser-node'
import { assembleMultipolygon, type MemberWay } from './rings'

/**
 * Reading an OpenStreetMap extract: `.osm.pbf` (osm-pbf-parser-node, streaming), `.osm` XML (sax,
 * streaming) or GeoJSON whose properties are OSM tags (as osmtogeojson and Overpass write). The
 * format is told by the file's first bytes, not its name. Ways are turned into lines and polygons
 * from their nodes' coordinates; multipolygon relations (and boundary relations tagged as areas)
 * become polygons with holes, assembled from their member ways (rings.ts).
 */

export type Tags = Record<string, string>
export type Position = [number, number]
export type OsmGeometry = { type: 'Point'; coordinates: Position } | { type: 'LineString'; coordinates: Position[] } | { type: 'Polygon'; coordinates: Position[][] }

export interface OsmFeature {
  geometry: OsmGeometry
  tags: Tags
}

export type ReadProblem = 'empty' | 'unknownFormat' | 'badPbf' | 'badXml' | 'badGeojson' | 'nothingUseful' | 'badArchive' | 'notVectorArchive'

export class BasemapReadError extends Error {
  constructor(
    readonly problem: ReadProblem,
    detail?: string,
  ) {
    super(detail ? `${problem}: ${detail}` : problem)
  }
}

export type OsmFormat = 'pbf' | 'xml' | 'geojson'

/** What a file holds, from its first bytes. */
export function sniffFormat(head: Uint8Array): OsmFormat {
  if (head.length === 0) throw new BasemapReadError('empty')
  // PBF: a 4-byte big-endian length, then a BlobHeader whose first field is the string "OSMHeader".
  if (head.length > 16 && head[0] === 0 && head[4] === 0x0a && Buffer.from(head.subarray(6, 15)).toString('latin1') === 'OSMHeader') return 'pbf'
  const text = Buffer.from(head.subarray(0, 512))
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart()
  if (text.startsWith('<')) return 'xml'
  if (text.startsWith('{')) return 'geojson'
  throw new BasemapReadError('unknownFormat')
}

/** Where nodes' coordinates are kept while ways are read: parallel typed arrays, binary-searched by id. */
class NodeStore {
  private ids = new Float64Array(1 << 16)
  private lons = new Float64Array(1 << 16)
  private lats = new Float64Array(1 << 16)
  private n = 0
  private sorted = true

  add(id: number, lon: number, lat: number) {
    if (this.n === this.ids.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2)
        b.set(a)
        return b
      }
      this.ids = grow(this.ids)
      this.lons = grow(this.lons)
      this.lats = grow(this.lats)
    }
    if (this.n > 0 && id <= this.ids[this.n - 1]!) this.sorted = false
    this.ids[this.n] = id
    this.lons[this.n] = lon
    this.lats[this.n] = lat
    this.n++
  }

  get size() {
    return this.n
  }

  private ensureSorted() {
    if (this.sorted) return
    const order = Array.from({ length: this.n }, (_, i) => i).sort((a, b) => this.ids[a]! - this.ids[b]!)
    const ids = new Float64Array(this.n)
    const lons = new Float64Array(this.n)
    const lats = new Float64Array(this.n)
    order.forEach((from, to) => {
      ids[to] = this.ids[from]!
      lons[to] = this.lons[from]!
      lats[to] = this.lats[from]!
    })
    this.ids = ids
    this.lons = lons
    this.lats = lats
    this.sorted = true
  }

  get(id: number): Position | null {
    this.ensureSorted()
    let lo = 0
    let hi = this.n - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const v = this.ids[mid]!
      if (v === id) return [this.lons[mid]!, this.lats[mid]!]
      if (v < id) lo = mid + 1
      else hi = mid - 1
    }
    return null
  }
}

/** Tags that make a closed way an area rather than a ring-shaped line. */
function isArea(tags: Tags): boolean {
  if (tags.area === 'no') return false
  if (tags.area === 'yes') return true
  return Boolean(tags.building || tags.leisure || tags.landuse || tags.amenity || tags['building:part'] || tags.place || tags.natural === 'water' || tags.waterway === 'riverbank' || tags.water)
}

/** Whether the import keeps anything from an element with these tags (the rest is skipped early). */
export function interesting(tags: Tags | undefined): boolean {
  if (!tags) return false
  return Boolean(tags.highway || tags.building || tags.leisure || tags.landuse || tags.natural || tags.waterway || tags.railway || tags['addr:housenumber'] || tags.place || tags.water)
}

/**
 * Every way's node ids, kept in one growing typed array (8 bytes a reference): a multipolygon's
 * member ways are usually untagged, and relations come after the ways in an extract, so any way may
 * be needed later. Looked up by id (binary search; ways are sorted by id in extracts).
 */
class WayStore {
  private ids = new Float64Array(1 << 12)
  private starts = new Float64Array((1 << 12) + 1)
  private refs = new Float64Array(1 << 16)
  private n = 0
  private used = 0
  private sorted = true

  /** Adds a way; returns its index. */
  add(id: number, refs: ArrayLike<number>): number {
    if (this.n + 1 >= this.ids.length) {
      this.ids = grow(this.ids, this.ids.length * 2)
      this.starts = grow(this.starts, this.starts.length * 2)
    }
    if (this.used + refs.length > this.refs.length) this.refs = grow(this.refs, Math.max(this.refs.length * 2, this.used + refs.length))
    if (this.n > 0 && id <= this.ids[this.n - 1]!) this.sorted = false
    this.ids[this.n] = id
    this.starts[this.n] = this.used
    for (let i = 0; i < refs.length; i++) this.refs[this.used + i] = refs[i]!
    this.used += refs.length
    this.starts[this.n + 1] = this.used
    return this.n++
  }

  refsAt(index: number): Float64Array {
    return this.refs.subarray(this.starts[index]!, this.starts[index + 1]!)
  }

  /** The node ids of way `id`, or null when the extract does not hold it. */
  refsOf(id: number): Float64Array | null {
    if (!this.sorted) {
      this.order ??= Array.from({ length: this.n }, (_, i) => i).sort((a, b) => this.ids[a]! - this.ids[b]!)
      let lo = 0
      let hi = this.n - 1
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1
        const v = this.ids[this.order[mid]!]!
        if (v === id) return this.refsAt(this.order[mid]!)
        if (v < id) lo = mid + 1
        else hi = mid - 1
      }
      return null
    }
    let lo = 0
    let hi = this.n - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const v = this.ids[mid]!
      if (v === id) return this.refsAt(mid)
      if (v < id) lo = mid + 1
      else hi = mid - 1
    }
    return null
  }

  private order: number[] | undefined
}

function grow(a: Float64Array, length: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(length)
  b.set(a)
  return b
}

interface RawWay {
  index: number
  tags: Tags
}

export interface RawRelation {
  tags: Tags
  members: Array<{ type: string; ref: number; role: string }>
}

/** A relation drawn as an area: a multipolygon, or a boundary tagged as a park, a lake… */
export function areaRelation(tags: Tags | undefined): boolean {
  if (!tags || (tags.type !== 'multipolygon' && tags.type !== 'boundary')) return false
  const { type: _type, ...rest } = tags
  return interesting(rest) && !rest.highway && !rest.railway
}

function wayFeature(way: RawWay, ways: WayStore, nodes: NodeStore): OsmFeature | null {
  const refs = ways.refsAt(way.index)
  const coords: Position[] = []
  for (const ref of refs) {
    const p = nodes.get(ref)
    if (p) coords.push(p)
  }
  if (coords.length < 2) return null
  const closed = refs.length > 3 && refs[0] === refs[refs.length - 1]
  if (closed && isArea(way.tags) && coords.length >= 4) return { geometry: { type: 'Polygon', coordinates: [coords] }, tags: way.tags }
  return { geometry: { type: 'LineString', coordinates: coords }, tags: way.tags }
}

/** A relation's polygons (one feature per outer ring, with its holes). */
function relationFeatures(relation: RawRelation, ways: WayStore, nodes: NodeStore): OsmFeature[] {
  const members: MemberWay[] = []
  for (const m of relation.members) {
    if (m.type !== 'way') continue
    const refs = ways.refsOf(m.ref)
    if (refs) members.push({ refs, role: m.role })
  }
  const { type: _type, ...tags } = relation.tags
  return assembleMultipolygon(members, (id) => nodes.get(id)).map((coordinates) => ({ geometry: { type: 'Polygon', coordinates }, tags }))
}

/** The ways, then the relations, as features once every node and way has been read. */
function emitWaysAndRelations(wanted: RawWay[], relations: RawRelation[], ways: WayStore, nodes: NodeStore, onFeature: (f: OsmFeature) => void): number {
  for (const way of wanted) {
    const f = wayFeature(way, ways, nodes)
    if (f) onFeature(f)
  }
  let areas = 0
  for (const relation of relations) {
    for (const f of relationFeatures(relation, ways, nodes)) {
      onFeature(f)
      areas++
    }
  }
  return areas
}

export interface ReadSummary {
  format: OsmFormat
  nodes: number
  ways: number
  /** Polygons made from multipolygon (and area boundary) relations. */
  relationAreas: number
}

/** Calls `onFeature` for every node and way worth keeping; returns what was read. */
export async function readOsmFile(file: string, onFeature: (f: OsmFeature) => void): Promise<ReadSummary> {
  const fd = fs.openSync(file, 'r')
  const head = Buffer.alloc(512)
  const got = fs.readSync(fd, head, 0, 512, 0)
  fs.closeSync(fd)
  const format = sniffFormat(head.subarray(0, got))
  if (format === 'pbf') return readPbf(file, onFeature)
  if (format === 'xml') return readXml(file, onFeature)
  return readGeojson(file, onFeature)
}

async function readPbf(file: string, onFeature: (f: OsmFeature) => void): Promise<ReadSummary> {
  const nodes = new NodeStore()
  const wayStore = new WayStore()
  const ways: RawWay[] = []
  const relations: RawRelation[] = []
  let nodeCount = 0
  let wayCount = 0
  let sawHeader = false
  try {
    for await (const item of createOSMStream(file, { withInfo: false, withTags: true })) {
      const e = item as { type?: string; id: number; lat: number; lon: number; refs: number[]; tags?: Tags; members: RawRelation['members'] }
      if (e.type === 'node') {
        nodeCount++
        nodes.add(e.id, e.lon, e.lat)
        if (e.tags && interesting(e.tags)) onFeature({ geometry: { type: 'Point', coordinates: [e.lon, e.lat] }, tags: e.tags })
      } else if (e.type === 'way') {
        wayCount++
        const index = wayStore.add(e.id, e.refs)
        if (interesting(e.tags)) ways.push({ index, tags: e.tags! })
      } else if (e.type === 'relation') {
        if (areaRelation(e.tags)) relations.push({ tags: e.tags!, members: e.members })
      } else if (e.type === undefined) sawHeader = true
    }
  } catch (error) {
    throw new BasemapReadError('badPbf', (error as Error).message)
  }
  if (!sawHeader && nodeCount === 0) throw new BasemapReadError('badPbf')
  const relationAreas = emitWaysAndRelations(ways, relations, wayStore, nodes, onFeature)
  return { format: 'pbf', nodes: nodeCount, ways: wayCount, relationAreas }
}

function readXml(file: string, onFeature: (f: OsmFeature) => void): Promise<ReadSummary> {
  return new Promise((resolve, reject) => {
    const nodes = new NodeStore()
    const wayStore = new WayStore()
    const ways: RawWay[] = []
    const relations: RawRelation[] = []
    let nodeCount = 0
    let wayCount = 0
    let sawOsm = false
    let current: { kind: 'node'; id: number; lon: number; lat: number; tags: Tags } | { kind: 'way'; id: number; refs: number[]; tags: Tags } | ({ kind: 'relation' } & RawRelation) | null = null
    const parser = sax.createStream(true, {})
    parser.on('opentag', (tag) => {
      const a = tag.attributes as Record<string, string>
      if (tag.name === 'osm') sawOsm = true
      else if (tag.name === 'node') {
        const lat = Number(a.lat)
        const lon = Number(a.lon)
        current = { kind: 'node', id: Number(a.id), lon, lat, tags: {} }
        if (Number.isFinite(lat) && Number.isFinite(lon)) nodes.add(Number(a.id), lon, lat)
        nodeCount++
      } else if (tag.name === 'way') {
        current = { kind: 'way', id: Number(a.id), refs: [], tags: {} }
        wayCount++
      } else if (tag.name === 'relation') current = { kind: 'relation', tags: {}, members: [] }
      else if (tag.name === 'nd' && current?.kind === 'way') current.refs.push(Number(a.ref))
      else if (tag.name === 'member' && current?.kind === 'relation') current.members.push({ type: a.type ?? '', ref: Number(a.ref), role: a.role ?? '' })
      else if (tag.name === 'tag' && current && a.k !== undefined) current.tags[a.k] = a.v ?? ''
    })
    parser.on('closetag', (name) => {
      if (name === 'node' && current?.kind === 'node') {
        if (interesting(current.tags)) onFeature({ geometry: { type: 'Point', coordinates: [current.lon, current.lat] }, tags: current.tags })
        current = null
      } else if (name === 'way' && current?.kind === 'way') {
        const index = wayStore.add(current.id, current.refs)
        if (interesting(current.tags)) ways.push({ index, tags: current.tags })
        current = null
      } else if (name === 'relation' && current?.kind === 'relation') {
        if (areaRelation(current.tags)) relations.push({ tags: current.tags, members: current.members })
        current = null
      }
    })
    parser.on('error', (error) => {
      parser.removeAllListeners('end')
      reject(new BasemapReadError('badXml', error.message.split('\n')[0]))
    })
    parser.on('end', () => {
      if (!sawOsm) return reject(new BasemapReadError('badXml', 'no <osm> element'))
      const relationAreas = emitWaysAndRelations(ways, relations, wayStore, nodes, onFeature)
      resolve({ format: 'xml', nodes: nodeCount, ways: wayCount, relationAreas })
    })
    fs.createReadStream(file).on('error', reject).pipe(parser)
  })
}

async function readGeojson(file: string, onFeature: (f: OsmFeature) => void): Promise<ReadSummary> {
  let doc: unknown
  try {
    doc = JSON.parse(await fs.promises.readFile(file, 'utf8'))
  } catch (error) {
    throw new BasemapReadError('badGeojson', (error as Error).message)
  }
  const features = (doc as { type?: string; features?: unknown[] })?.features
  if ((doc as { type?: string })?.type !== 'FeatureCollection' || !Array.isArray(features)) throw new BasemapReadError('badGeojson', 'not a FeatureCollection')
  let nodes = 0
  let ways = 0
  for (const raw of features) {
    const f = raw as { geometry?: { type: string; coordinates: unknown }; properties?: Record<string, unknown> }
    if (!f?.geometry) continue
    const props = f.properties ?? {}
    // osmtogeojson puts the tags in properties.tags; plain exports put them at the top.
    const source = (props.tags && typeof props.tags === 'object' ? props.tags : props) as Record<string, unknown>
    const tags: Tags = {}
    for (const [k, v] of Object.entries(source)) if (typeof v === 'string' || typeof v === 'number') tags[k] = String(v)
    if (!interesting(tags)) continue
    const g = f.geometry
    const parts: OsmGeometry[] =
      g.type === 'MultiPolygon'
        ? (g.coordinates as Position[][][]).map((c) => ({ type: 'Polygon', coordinates: c }))
        : g.type === 'MultiLineString'
          ? (g.coordinates as Position[][]).map((c) => ({ type: 'LineString', coordinates: c }))
          : g.type === 'Point' || g.type === 'LineString' || g.type === 'Polygon'
            ? [g as OsmGeometry]
            : []
    for (const geometry of parts) {
      if (geometry.type === 'Point') nodes++
      else ways++
      onFeature({ geometry, tags })
    }
  }
  // A GeoJSON export has its multipolygons assembled already (MultiPolygon / Polygon with holes).
  return { format: 'geojson', nodes, ways, relationAreas: 0 }
}
