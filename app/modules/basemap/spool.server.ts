import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import { BASEMAP_LAYERS, type BasemapLayer } from './classify'
import type { OsmGeometry, Position } from './read.server'

/**
 * The import's scratch space on disk (ADR 139): a temporary SQLite file of its own (never the
 * application database, which may be PostgreSQL) where the kept features wait, bucketed by zoom-14
 * region, until tiles are cut region by region; and the address points, until their streets have ids.
 * Memory holds one small buffer per region while reading and one region's features while tiling.
 *
 * A feature is stored in every region its bounding box (plus a margin wider than the tiles' buffer)
 * touches, so a region's tiles see the neighbours' features that reach into their buffer. Layers
 * drawn below zoom 14 (streets, water, parks: not buildings or house numbers) are also written to
 * the low-zoom bucket, a small part of an extract, tiled as a whole.
 */

/**
 * The zoom of the regions tiles are cut by: a zoom-14 tile is ~2.4 km × ~1.8 km at 40°, and the
 * first zoom with buildings, so everything drawn above it is streets, water and parks.
 */
export const REGION_ZOOM = 14
/** The bucket of features drawn below REGION_ZOOM. */
export const LOW_ZOOMS = -1
/** A region's margin, in REGION_ZOOM tiles (the tiles' 64/4096 buffer there is 1/64). */
const MARGIN = 1 / 32
/** A region's buffer is written to disk when it passes this many bytes. */
const FLUSH_BYTES = 32 * 1024
const SCALE = 1e7

export interface SpooledFeature {
  layer: BasemapLayer
  geometry: OsmGeometry
  properties: Record<string, string | number>
}

export interface SpooledAddress {
  key: string
  housenumber: string
  lng: number
  lat: number
}

const WORLD = 2 ** REGION_ZOOM
const fx = (lng: number) => ((lng + 180) / 360) * WORLD
const fy = (lat: number) => {
  const r = (Math.max(-85.0511, Math.min(85.0511, lat)) * Math.PI) / 180
  return ((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * WORLD
}
const clampTile = (v: number) => Math.max(0, Math.min(WORLD - 1, Math.floor(v)))
/** A region's key: x × 2^REGION_ZOOM + y. */
export const regionKey = (x: number, y: number) => x * WORLD + y
export const regionOf = (key: number) => ({ x: Math.floor(key / WORLD), y: key % WORLD })

/** A growing byte buffer for one region. */
class Bucket {
  buf = Buffer.allocUnsafe(4096)
  used = 0
  ensure(more: number) {
    if (this.used + more <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.used + more))
    this.buf.copy(next, 0, 0, this.used)
    this.buf = next
  }
}

function pointsOf(g: OsmGeometry): number {
  if (g.type === 'Point') return 1
  if (g.type === 'LineString') return g.coordinates.length
  let n = 0
  for (const ring of g.coordinates) n += ring.length
  return n
}

const GEOMETRY_TYPES = ['Point', 'LineString', 'Polygon'] as const

/**
 * One feature as bytes: layer (u8), geometry type (u8), properties as JSON (u16 length + UTF-8),
 * then the coordinates as Int32 of 1e-7°: a point; a line's count (u32) and points; a polygon's ring
 * count (u16), each ring's count (u32) and points.
 */
function encode(f: SpooledFeature, into: Bucket) {
  const props = Object.keys(f.properties).length ? JSON.stringify(f.properties) : ''
  const propBytes = Buffer.byteLength(props)
  const g = f.geometry
  into.ensure(4 + propBytes + 2 + (g.type === 'Polygon' ? g.coordinates.length * 4 : 4) + pointsOf(g) * 8)
  const b = into.buf
  let o = into.used
  b[o++] = BASEMAP_LAYERS.indexOf(f.layer)
  b[o++] = GEOMETRY_TYPES.indexOf(g.type)
  b.writeUInt16LE(propBytes, o)
  o += 2
  if (propBytes) o += b.write(props, o)
  const write = (p: Position) => {
    b.writeInt32LE(Math.round(p[0] * SCALE), o)
    b.writeInt32LE(Math.round(p[1] * SCALE), o + 4)
    o += 8
  }
  const line = (coords: Position[]) => {
    b.writeUInt32LE(coords.length, o)
    o += 4
    for (const p of coords) write(p)
  }
  if (g.type === 'Point') write(g.coordinates)
  else if (g.type === 'LineString') line(g.coordinates)
  else {
    b.writeUInt16LE(g.coordinates.length, o)
    o += 2
    for (const ring of g.coordinates) line(ring)
  }
  into.used = o
}

/** The features of one stored chunk. */
export function* decode(data: Buffer): Generator<SpooledFeature> {
  let o = 0
  const read = (): Position => {
    const p: Position = [data.readInt32LE(o) / SCALE, data.readInt32LE(o + 4) / SCALE]
    o += 8
    return p
  }
  const line = (): Position[] => {
    const n = data.readUInt32LE(o)
    o += 4
    const out = new Array<Position>(n)
    for (let i = 0; i < n; i++) out[i] = read()
    return out
  }
  while (o < data.length) {
    const layer = BASEMAP_LAYERS[data[o]!]!
    const type = GEOMETRY_TYPES[data[o + 1]!]!
    const propBytes = data.readUInt16LE(o + 2)
    o += 4
    const properties = propBytes ? (JSON.parse(data.toString('utf8', o, o + propBytes)) as Record<string, string | number>) : {}
    o += propBytes
    let geometry: OsmGeometry
    if (type === 'Point') geometry = { type, coordinates: read() }
    else if (type === 'LineString') geometry = { type, coordinates: line() }
    else {
      const rings = data.readUInt16LE(o)
      o += 2
      const coordinates: Position[][] = []
      for (let i = 0; i < rings; i++) coordinates.push(line())
      geometry = { type, coordinates }
    }
    yield { layer, geometry, properties }
  }
}

/** Where the scratch file goes: beside the database (a large disk), else the system's temporary folder. */
export function spoolDirectory(databasePath: string | undefined): string {
  const beside = databasePath && databasePath !== ':memory:' && !databasePath.startsWith('postgres') ? path.dirname(path.resolve(databasePath)) : os.tmpdir()
  return fs.mkdtempSync(path.join(fs.existsSync(beside) ? beside : os.tmpdir(), '.basemap-spool-'))
}

export class FeatureSpool {
  private readonly dir: string
  private readonly db: SQLite.Database
  private readonly buckets = new Map<number, Bucket>()
  private readonly insertChunk: SQLite.Statement<[number, Buffer]>
  private readonly insertAddress: SQLite.Statement<[string, string, number, number]>
  private addressBatch: SpooledAddress[] = []
  features = 0
  bytes = 0

  /** `lowZooms`: whether tiles below REGION_ZOOM are wanted (the low-zoom bucket is written). */
  constructor(
    databasePath: string | undefined,
    private readonly lowZooms: boolean,
    private readonly regions: boolean,
    private readonly lowLayer: (layer: BasemapLayer) => boolean,
  ) {
    this.dir = spoolDirectory(databasePath)
    this.db = new SQLite(path.join(this.dir, 'spool.sqlite'))
    // Scratch data: nothing survives a crash, so no journal and no syncs.
    this.db.pragma('journal_mode = OFF')
    this.db.pragma('synchronous = OFF')
    this.db.exec(
      'CREATE TABLE spool_chunks (region INTEGER NOT NULL, data BLOB NOT NULL); CREATE TABLE spool_addresses (key TEXT NOT NULL, housenumber TEXT NOT NULL, lng REAL NOT NULL, lat REAL NOT NULL)',
    )
    this.insertChunk = this.db.prepare('INSERT INTO spool_chunks (region, data) VALUES (?, ?)')
    this.insertAddress = this.db.prepare('INSERT INTO spool_addresses (key, housenumber, lng, lat) VALUES (?, ?, ?, ?)')
  }

  private bucket(key: number): Bucket {
    let b = this.buckets.get(key)
    if (!b) this.buckets.set(key, (b = new Bucket()))
    return b
  }

  private put(key: number, f: SpooledFeature) {
    const b = this.bucket(key)
    encode(f, b)
    if (b.used >= FLUSH_BYTES) this.flush(key, b)
  }

  private flush(key: number, b: Bucket) {
    if (!b.used) return
    this.insertChunk.run(key, b.buf.subarray(0, b.used))
    this.bytes += b.used
    b.used = 0
    // A buffer that grew for one large feature is not kept at that size.
    if (b.buf.length > FLUSH_BYTES * 2) b.buf = Buffer.allocUnsafe(4096)
  }

  /** Adds a feature to the buckets it is drawn from. */
  add(f: SpooledFeature) {
    this.features++
    if (this.lowZooms && this.lowLayer(f.layer)) this.put(LOW_ZOOMS, f)
    if (!this.regions) return
    let w = Infinity
    let s = Infinity
    let e = -Infinity
    let n = -Infinity
    const extend = (p: Position) => {
      if (p[0] < w) w = p[0]
      if (p[0] > e) e = p[0]
      if (p[1] < s) s = p[1]
      if (p[1] > n) n = p[1]
    }
    const g = f.geometry
    if (g.type === 'Point') extend(g.coordinates)
    else if (g.type === 'LineString') g.coordinates.forEach(extend)
    else g.coordinates[0]!.forEach(extend)
    const x0 = clampTile(fx(w) - MARGIN)
    const x1 = clampTile(fx(e) + MARGIN)
    const y0 = clampTile(fy(n) - MARGIN)
    const y1 = clampTile(fy(s) + MARGIN)
    for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) this.put(regionKey(x, y), f)
  }

  addAddress(a: SpooledAddress) {
    this.addressBatch.push(a)
    if (this.addressBatch.length >= 5000) this.flushAddresses()
  }

  private flushAddresses() {
    const rows = this.addressBatch
    this.addressBatch = []
    this.db.transaction(() => {
      for (const a of rows) this.insertAddress.run(a.key, a.housenumber, a.lng, a.lat)
    })()
  }

  /** Writes what is still buffered; call once reading is done. */
  finishWriting() {
    this.db.transaction(() => {
      for (const [key, b] of this.buckets) this.flush(key, b)
    })()
    this.buckets.clear()
    this.flushAddresses()
    this.db.exec('CREATE INDEX spool_chunks_region ON spool_chunks (region)')
  }

  /** The regions holding features (not the low-zoom bucket), in order. */
  regionKeys(): number[] {
    return this.db.prepare('SELECT DISTINCT region FROM spool_chunks WHERE region >= 0 ORDER BY region').pluck().all() as number[]
  }

  /** Every feature of one bucket (a region, or LOW_ZOOMS). */
  *bucketFeatures(key: number): Generator<SpooledFeature> {
    for (const row of this.db.prepare('SELECT data FROM spool_chunks WHERE region = ? ORDER BY rowid').pluck().iterate(key) as IterableIterator<Buffer>) yield* decode(row)
  }

  addressCount(): number {
    return Number(this.db.prepare('SELECT count(*) FROM spool_addresses').pluck().get())
  }

  /** The address points, `size` at a time, in the order they were read. */
  *addressPages(size: number): Generator<SpooledAddress[]> {
    const page = this.db.prepare('SELECT rowid AS id, key, housenumber, lng, lat FROM spool_addresses WHERE rowid > ? ORDER BY rowid LIMIT ?')
    let after = 0
    for (;;) {
      const rows = page.all(after, size) as Array<SpooledAddress & { id: number }>
      if (!rows.length) return
      after = rows[rows.length - 1]!.id
      yield rows
    }
  }

  /** Closes and deletes the scratch file. */
  dispose() {
    try {
      this.db.close()
    } finally {
      fs.rmSync(this.dir, { recursive: true, force: true })
    }
  }
}
