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

/** Entries per chunk of the stores below: chunks are never copied when a store grows. */
const CHUNK = 1 << 20
/** Coordinates are kept as integers of 1e-7 degree (OSM's own precision, ~1 cm). */
const SCALE = 1e7

/** The last chunk whose first id is ≤ id, or -1. */
function chunkOf(firsts: number[], id: number): number {
  let lo = 0
  let hi = firsts.length - 1
  let chunk = -1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    if (firsts[mid]! <= id) {
      chunk = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  return chunk
}

/** The index of `id` in the sorted `ids[0..last]`, or -1. */
function indexIn(ids: Float64Array, last: number, id: number): number {
  let lo = 0
  let hi = last
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const v = ids[mid]!
    if (v === id) return mid
    if (v < id) lo = mid + 1
    else hi = mid - 1
  }
  return -1
}

/**
 * Where nodes' coordinates are kept while ways are read: ids (Float64) and coordinates (Int32, 1e-7°)
 * in chunks of a million, 16 bytes a node, binary-searched by id. Extracts list nodes by increasing
 * id; a node out of order goes to a side map (an unsorted file costs memory, not correctness).
 */
export class NodeStore {
  private ids: Float64Array[] = []
  private coords: Int32Array[] = []
  private firsts: number[] = []
  private n = 0
  private last = -Infinity
  private unsorted = new Map<number, Position>()

  add(id: number, lon: number, lat: number) {
    if (!(id > this.last)) {
      this.unsorted.set(id, [lon, lat])
      return
    }
    this.last = id
    const c = this.n % CHUNK
    if (c === 0) {
      this.ids.push(new Float64Array(CHUNK))
      this.coords.push(new Int32Array(CHUNK * 2))
      this.firsts.push(id)
    }
    this.ids[this.ids.length - 1]![c] = id
    const xy = this.coords[this.coords.length - 1]!
    xy[c * 2] = Math.round(lon * SCALE)
    xy[c * 2 + 1] = Math.round(lat * SCALE)
    this.n++
  }

  get size() {
    return this.n + this.unsorted.size
  }

  get(id: number): Position | null {
    const chunk = chunkOf(this.firsts, id)
    if (chunk >= 0) {
      const at = indexIn(this.ids[chunk]!, chunk === this.firsts.length - 1 ? (this.n - 1) % CHUNK : CHUNK - 1, id)
      if (at >= 0) {
        const xy = this.coords[chunk]!
        return [xy[at * 2]! / SCALE, xy[at * 2 + 1]! / SCALE]
      }
    }
    return this.unsorted.size ? (this.unsorted.get(id) ?? null) : null
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
 * Every way's node ids (8 bytes a reference, in chunks that are never copied): a multipolygon's
 * member ways are usually untagged, and relations come after the ways in an extract, so any way may
 * be needed later. Looked up by id (binary search; ways are sorted by id in extracts, a way out of
 * order is found through a side map).
 */
export class WayStore {
  private ids: Float64Array[] = []
  /** Per way: where its refs start (chunk × CHUNK + offset) and how many. */
  private starts: Float64Array[] = []
  private lengths: Int32Array[] = []
  private firsts: number[] = []
  private refs: Float64Array[] = []
  private n = 0
  private used = CHUNK
  private last = -Infinity
  private unsorted = new Map<number, number>()

  /** Adds a way; returns its index. */
  add(id: number, refs: ArrayLike<number>): number {
    const length = Math.min(refs.length, CHUNK)
    if (this.used + length > CHUNK) {
      this.refs.push(new Float64Array(CHUNK))
      this.used = 0
    }
    const chunk = this.refs.length - 1
    const target = this.refs[chunk]!
    for (let i = 0; i < length; i++) target[this.used + i] = refs[i]!
    const c = this.n % CHUNK
    if (c === 0) {
      this.ids.push(new Float64Array(CHUNK))
      this.starts.push(new Float64Array(CHUNK))
      this.lengths.push(new Int32Array(CHUNK))
      this.firsts.push(id)
    }
    const k = this.ids.length - 1
    this.ids[k]![c] = id
    this.starts[k]![c] = chunk * CHUNK + this.used
    this.lengths[k]![c] = length
    this.used += length
    if (id > this.last) this.last = id
    else {
      // Out of order: found through the side map; the sorted list gets a value no integer id equals.
      this.ids[k]![c] = this.last + 0.5
      this.unsorted.set(id, this.n)
    }
    return this.n++
  }

  refsAt(index: number): Float64Array {
    const k = Math.floor(index / CHUNK)
    const c = index % CHUNK
    const start = this.starts[k]![c]!
    const offset = start % CHUNK
    return this.refs[Math.floor(start / CHUNK)]!.subarray(offset, offset + this.lengths[k]![c]!)
  }

  /** The node ids of way `id`, or null when the extract does not hold it. */
  refsOf(id: number): Float64Array | null {
    const late = this.unsorted.get(id)
    if (late !== undefined) return this.refsAt(late)
    const k = chunkOf(this.firsts, id)
    if (k < 0) return null
    const at = indexIn(this.ids[k]!, k === this.ids.length - 1 ? (this.n - 1) % CHUNK : CHUNK - 1, id)
    return at < 0 ? null : this.refsAt(k * CHUNK + at)
  }
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

/** A way's line or polygon; null when fewer than two of its nodes are known. With `whole`, null when any is missing. */
function wayFeature(refs: Float64Array, tags: Tags, nodes: NodeStore, whole: boolean): OsmFeature | null {
  const coords: Position[] = []
  for (const ref of refs) {
    const p = nodes.get(ref)
    if (p) coords.push(p)
    else if (whole) return null
  }
  if (coords.length < 2) return null
  const closed = refs.length > 3 && refs[0] === refs[refs.length - 1]
  if (closed && isArea(tags) && coords.length >= 4) return { geometry: { type: 'Polygon', coordinates: [coords] }, tags }
  return { geometry: { type: 'LineString', coordinates: coords }, tags }
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

/**
 * Nodes, ways and relations as they stream in, made into features at once: a way is handed on as
 * soon as it is read when its nodes came before it (extracts list nodes, then ways, then relations),
 * so nothing but the coordinates and the ways' node ids is held while reading. A way read before
 * some of its nodes waits for the end of the file; relations are assembled at the end.
 */
class Assembler {
  readonly nodes = new NodeStore()
  private readonly ways = new WayStore()
  private readonly waiting: RawWay[] = []
  private readonly relations: RawRelation[] = []
  nodeCount = 0
  wayCount = 0

  constructor(private readonly onFeature: (f: OsmFeature) => void) {}

  node(id: number, lon: number, lat: number, tags: Tags | undefined) {
    this.nodeCount++
    this.nodes.add(id, lon, lat)
    if (tags && interesting(tags)) this.onFeature({ geometry: { type: 'Point', coordinates: [lon, lat] }, tags })
  }

  way(id: number, refs: ArrayLike<number>, tags: Tags | undefined) {
    this.wayCount++
    const index = this.ways.add(id, refs)
    if (!interesting(tags)) return
    const f = wayFeature(this.ways.refsAt(index), tags!, this.nodes, true)
    if (f) this.onFeature(f)
    else this.waiting.push({ index, tags: tags! })
  }

  relation(tags: Tags | undefined, members: RawRelation['members']) {
    if (areaRelation(tags)) this.relations.push({ tags: tags!, members })
  }

  /** The ways that waited for their nodes, then the relations; returns the relations' polygon count. */
  finish(): number {
    for (const way of this.waiting) {
      const f = wayFeature(this.ways.refsAt(way.index), way.tags, this.nodes, false)
      if (f) this.onFeature(f)
    }
    this.waiting.length = 0
    let areas = 0
    for (const relation of this.relations) {
      for (const f of relationFeatures(relation, this.ways, this.nodes)) {
        this.onFeature(f)
        areas++
      }
    }
    return areas
  }
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
  const osm = new Assembler(onFeature)
  let sawHeader = false
  try {
    for await (const item of createOSMStream(file, { withInfo: false, withTags: true })) {
      const e = item as { type?: string; id: number; lat: number; lon: number; refs: number[]; tags?: Tags; members: RawRelation['members'] }
      if (e.type === 'node') osm.node(e.id, e.lon, e.lat, e.tags)
      else if (e.type === 'way') osm.way(e.id, e.refs, e.tags)
      else if (e.type === 'relation') osm.relation(e.tags, e.members)
      else if (e.type === undefined) sawHeader = true
    }
  } catch (error) {
    throw new BasemapReadError('badPbf', (error as Error).message)
  }
  if (!sawHeader && osm.nodeCount === 0) throw new BasemapReadError('badPbf')
  const relationAreas = osm.finish()
  return { format: 'pbf', nodes: osm.nodeCount, ways: osm.wayCount, relationAreas }
}

function readXml(file: string, onFeature: (f: OsmFeature) => void): Promise<ReadSummary> {
  return new Promise((resolve, reject) => {
    const osm = new Assembler(onFeature)
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
      } else if (tag.name === 'way') current = { kind: 'way', id: Number(a.id), refs: [], tags: {} }
      else if (tag.name === 'relation') current = { kind: 'relation', tags: {}, members: [] }
      else if (tag.name === 'nd' && current?.kind === 'way') current.refs.push(Number(a.ref))
      else if (tag.name === 'member' && current?.kind === 'relation') current.members.push({ type: a.type ?? '', ref: Number(a.ref), role: a.role ?? '' })
      else if (tag.name === 'tag' && current && a.k !== undefined) current.tags[a.k] = a.v ?? ''
    })
    parser.on('closetag', (name) => {
      if (name === 'node' && current?.kind === 'node') {
        if (Number.isFinite(current.lat) && Number.isFinite(current.lon)) osm.node(current.id, current.lon, current.lat, current.tags)
        else osm.nodeCount++
        current = null
      } else if (name === 'way' && current?.kind === 'way') {
        osm.way(current.id, current.refs, current.tags)
        current = null
      } else if (name === 'relation' && current?.kind === 'relation') {
        osm.relation(current.tags, current.members)
        current = null
      }
    })
    parser.on('error', (error) => {
      parser.removeAllListeners('end')
      reject(new BasemapReadError('badXml', error.message.split('\n')[0]))
    })
    parser.on('end', () => {
      if (!sawOsm) return reject(new BasemapReadError('badXml', 'no <osm> element'))
      const relationAreas = osm.finish()
      resolve({ format: 'xml', nodes: osm.nodeCount, ways: osm.wayCount, relationAreas })
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
