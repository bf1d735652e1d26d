import fs from 'node:fs'
import path from 'node:path'
import { config } from '../../lib/config.server'
import { database as defaultDatabase, type PlazaDatabase } from '../../lib/db.server'
import { statements, type Statements } from '../../lib/db/statements'
import { recordAudit } from '../moderation/moderation.server'
import { addressOf, centroid, classify, middle } from './classify'
import { houseNumberValue, searchKey } from './normalize'
import { BasemapReadError, readOsmFile, type OsmFeature, type Position, type ReadProblem } from './read.server'
import { buildTiles, LAYER_MIN_ZOOM, type TileSource } from './tiles.server'
import { FeatureSpool, LOW_ZOOMS, REGION_ZOOM, regionKey, regionOf } from './spool.server'
import { hotTiles } from './tile-memory.server'
import { ArchiveError, archiveFormat, archivePath, archiveTile, closeArchives, openArchive, type ArchiveFormat } from './archive.server'

/**
 * The base map's import (issue 17): read an OSM extract, keep what a civic map needs, build the
 * vector tiles and the address index, all under a new version; the previous version's rows are
 * removed once the new one is complete, so maps and searches never see half an import.
 * This module alone writes the basemap_* tables.
 */

export const DEFAULT_MIN_ZOOM = 10
/** Deepest stored zoom; MapLibre draws 17–18 from these tiles (docs/decisions/118-basemap.md). */
export const DEFAULT_MAX_ZOOM = 16

export interface ImportCounts {
  nodes: number
  ways: number
  /** Polygons built from multipolygon relations. */
  relationAreas: number
  roads: number
  namedStreets: number
  paths: number
  buildings: number
  parks: number
  water: number
  railways: number
  places: number
  addresses: number
  tiles: number
  bytes: number
}

export type ImportOutcome =
  { kind: 'done'; version: number; counts: ImportCounts; bbox: [number, number, number, number]; seconds: number } | { kind: 'failed'; version: number; problem: ReadProblem; detail: string }

export interface ImportOptions {
  fileName: string
  actorId?: number | null
  minZoom?: number
  maxZoom?: number
  /** An import row already made (the admin page starts one before the work). */
  version?: number
  onProgress?: (stage: string) => void
}

const now = () => new Date().toISOString()

/** Starts an import row (status running) and returns its version. */
export async function beginImport(
  fileName: string,
  format: string,
  actorId: number | null,
  db: PlazaDatabase = defaultDatabase(),
  zooms = { min: DEFAULT_MIN_ZOOM, max: DEFAULT_MAX_ZOOM },
): Promise<number> {
  return db.write(async (trx) => {
    const row = await trx
      .insertInto('basemap_imports')
      .values({ file_name: fileName, format, status: 'running', stage: 'reading', min_zoom: zooms.min, max_zoom: zooms.max, created_by: actorId, started_at: now() })
      .returning('id')
      .executeTakeFirstOrThrow()
    if (actorId) await recordAudit(trx, { actorId, action: 'basemap.import', targetKind: 'basemap_import', targetId: row.id, after: { fileName } })
    return row.id
  })
}

async function setStage(db: PlazaDatabase, version: number, stage: string, counts?: Partial<ImportCounts>) {
  await db.write((trx) =>
    trx
      .updateTable('basemap_imports')
      .set(counts ? { stage, counts: JSON.stringify(counts) } : { stage })
      .where('id', '=', version)
      .execute(),
  )
}

interface StreetEntry {
  name: string
  kind: 'street' | 'place'
  at: Position
  weight: number
}

function fileHead(file: string): Uint8Array {
  try {
    const head = Buffer.alloc(16)
    const fd = fs.openSync(file, 'r')
    const length = fs.readSync(fd, head, 0, 16, 0)
    fs.closeSync(fd)
    return head.subarray(0, length)
  } catch {
    return new Uint8Array(0)
  }
}

const emptyCounts = (): ImportCounts => ({
  nodes: 0,
  ways: 0,
  relationAreas: 0,
  roads: 0,
  namedStreets: 0,
  paths: 0,
  buildings: 0,
  parks: 0,
  water: 0,
  railways: 0,
  places: 0,
  addresses: 0,
  tiles: 0,
  bytes: 0,
})

/** What reading leaves in memory: the streets and places (thousands) and the extract's bounds. */
interface ReadResult {
  format: string
  streets: Map<string, StreetEntry>
  bbox: [number, number, number, number]
}

/**
 * Reads the extract, classifies every element and spools what is kept: tile features by region,
 * address points to the spool's table; only the streets and places stay in memory.
 */
async function readIntoSpool(file: string, spool: FeatureSpool, counts: ImportCounts): Promise<ReadResult> {
  const streets = new Map<string, StreetEntry>()
  const bbox: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity]
  const extend = (p: Position) => {
    if (p[0] < bbox[0]) bbox[0] = p[0]
    if (p[1] < bbox[1]) bbox[1] = p[1]
    if (p[0] > bbox[2]) bbox[2] = p[0]
    if (p[1] > bbox[3]) bbox[3] = p[1]
  }
  const street = (name: string, kind: StreetEntry['kind'], at: Position, weight: number) => {
    const key = searchKey(name)
    if (!key) return
    const known = streets.get(key)
    if (!known || (kind === 'street' && known.kind === 'street' && weight > known.weight)) streets.set(key, { name, kind, at, weight })
  }
  const onFeature = (f: OsmFeature) => {
    const kept = classify(f)
    if (!kept.length) return
    for (const c of kept) {
      if (c.layer !== 'addresses') spool.add({ layer: c.layer, geometry: f.geometry, properties: c.properties })
      if (c.layer === 'roads') {
        if (c.properties.class === 'path') counts.paths++
        else counts.roads++
        const name = f.tags.name?.trim()
        if (name && f.geometry.type === 'LineString') street(name, 'street', middle(f.geometry.coordinates), f.geometry.coordinates.length)
      } else if (c.layer === 'buildings') counts.buildings++
      else if (c.layer === 'parks') counts.parks++
      else if (c.layer === 'water' || c.layer === 'waterways') counts.water++
      else if (c.layer === 'railways') counts.railways++
      else if (c.layer === 'places') {
        counts.places++
        const g = f.geometry
        const at = g.type === 'Point' ? g.coordinates : g.type === 'Polygon' ? centroid(g.coordinates[0]!) : middle(g.coordinates)
        if (!streets.has(searchKey(String(c.properties.name)))) street(String(c.properties.name), 'place', at, 0)
      } else if (c.layer === 'addresses') {
        // The house number is drawn at the address point (a building's centre), not on its outline.
        const a = addressOf(f)!
        spool.add({ layer: 'addresses', geometry: { type: 'Point', coordinates: a.at }, properties: c.properties })
        const key = searchKey(a.street)
        spool.addAddress({ key, housenumber: a.housenumber, lng: a.at[0], lat: a.at[1] })
        counts.addresses++
        if (key && !streets.has(key)) streets.set(key, { name: a.street, kind: 'street', at: a.at, weight: 0 })
      }
    }
    const g = f.geometry
    if (g.type === 'Point') extend(g.coordinates)
    else if (g.type === 'LineString') g.coordinates.forEach(extend)
    else g.coordinates[0]!.forEach(extend)
  }
  const summary = await readOsmFile(file, onFeature)
  spool.finishWriting()
  counts.nodes = summary.nodes
  counts.ways = summary.ways
  counts.relationAreas = summary.relationAreas
  counts.namedStreets = [...streets.values()].filter((s) => s.kind === 'street').length
  if (spool.features === 0) throw new BasemapReadError('nothingUseful')
  return { format: summary.format, streets, bbox }
}

/** The spool as the tile builder reads it. */
const spoolSource = (spool: FeatureSpool): TileSource => ({
  lowZoomFeatures: () => spool.bucketFeatures(LOW_ZOOMS),
  regions: () => spool.regionKeys().map(regionOf),
  regionFeatures: (x, y) => spool.bucketFeatures(regionKey(x, y)),
})

/** Streets and places, then the spooled address points with their street's id, in batches. */
async function storeAddressIndex(db: PlazaDatabase, version: number, streets: Map<string, StreetEntry>, spool: FeatureSpool) {
  const streetList = [...streets.entries()]
  const ids = new Map<string, number>()
  for (let i = 0; i < streetList.length; i += 2000) {
    const slice = streetList.slice(i, i + 2000)
    const rows = await db.write((trx) =>
      trx
        .insertInto('basemap_streets')
        .values(slice.map(([key, s]) => ({ version, kind: s.kind, name: s.name, search: key, lng: s.at[0], lat: s.at[1] })))
        .returning('id')
        .execute(),
    )
    rows.forEach((r, j) => ids.set(slice[j]![0], r.id))
  }
  for (const page of spool.addressPages(2000)) {
    const rows = page.filter((a) => ids.has(a.key)).map((a) => ({ version, street_id: ids.get(a.key)!, housenumber: a.housenumber, number: houseNumberValue(a.housenumber), lng: a.lng, lat: a.lat }))
    if (rows.length) await db.write((trx) => trx.insertInto('basemap_addresses').values(rows).execute())
  }
}

/** Imports `file` (.osm.pbf, .osm or GeoJSON; or a PMTiles/MBTiles archive of vector tiles) as the new base map. */
export async function importBasemap(file: string, options: ImportOptions, db: PlazaDatabase = defaultDatabase()): Promise<ImportOutcome> {
  const archive = archiveFormat(fileHead(file))
  if (archive) return importArchive(file, archive, options, db)
  const started = performance.now()
  const minZoom = options.minZoom ?? DEFAULT_MIN_ZOOM
  const maxZoom = options.maxZoom ?? DEFAULT_MAX_ZOOM
  const version = options.version ?? (await beginImport(options.fileName, 'osm', options.actorId ?? null, db, { min: minZoom, max: maxZoom }))
  const progress = async (stage: string, counts?: Partial<ImportCounts>) => {
    options.onProgress?.(stage)
    await setStage(db, version, stage, counts)
  }
  let spool: FeatureSpool | null = null
  try {
    const counts = emptyCounts()
    const lowZooms = minZoom < REGION_ZOOM
    const regions = maxZoom >= REGION_ZOOM
    spool = new FeatureSpool(config().DATABASE_PATH, lowZooms, regions, (layer) => (LAYER_MIN_ZOOM[layer] ?? 0) < REGION_ZOOM)
    const { format, streets, bbox } = await readIntoSpool(file, spool, counts)
    await db.write((trx) => trx.updateTable('basemap_imports').set({ format }).where('id', '=', version).execute())

    await progress('tiles', counts)
    counts.tiles = await buildTiles(spoolSource(spool), bbox, minZoom, maxZoom, async (tiles) => {
      for (const t of tiles) counts.bytes += t.data.length
      await db.write((trx) =>
        trx
          .insertInto('basemap_tiles')
          .values(tiles.map((t) => ({ version, ...t })))
          .execute(),
      )
    })

    await progress('addresses', counts)
    await storeAddressIndex(db, version, streets, spool)

    // The new version is complete: make it current, then remove the others.
    await db.write((trx) =>
      trx
        .updateTable('basemap_imports')
        .set({ status: 'done', stage: null, counts: JSON.stringify(counts), bbox: JSON.stringify(bbox), finished_at: now() })
        .where('id', '=', version)
        .execute(),
    )
    await removeOtherVersions(db, version)
    removeArchiveFiles(null)
    await auditOutcome(db, options.actorId, version, 'basemap.import.done', { fileName: options.fileName, counts })
    return { kind: 'done', version, counts, bbox, seconds: (performance.now() - started) / 1000 }
  } catch (error) {
    const problem: ReadProblem = error instanceof BasemapReadError ? error.problem : 'badPbf'
    if (!(error instanceof BasemapReadError)) console.warn('basemap import failed:', error)
    const detail = error instanceof BasemapReadError ? error.message : 'unexpected'
    await db.write((trx) => trx.updateTable('basemap_imports').set({ status: 'failed', stage: null, error: problem, finished_at: now() }).where('id', '=', version).execute())
    await removeVersion(db, version)
    await auditOutcome(db, options.actorId, version, 'basemap.import.failed', { fileName: options.fileName, problem })
    return { kind: 'failed', version, problem, detail }
  } finally {
    spool?.dispose()
  }
}

/** An administrator's import leaves an audit row when it starts (beginImport) and when it ends. */
async function auditOutcome(db: PlazaDatabase, actorId: number | null | undefined, version: number, action: string, after: Record<string, unknown>) {
  if (!actorId) return
  await db.write((trx) => recordAudit(trx, { actorId, action, targetKind: 'basemap_import', targetId: version, after }))
}

const ARCHIVES: ArchiveFormat[] = ['pmtiles', 'mbtiles']
const archiveFileOf = (version: number, format: ArchiveFormat) => archivePath(config().DATABASE_PATH, version, format)

/** Removes stored archive files except `keep`. */
function removeArchiveFiles(keep: string | null) {
  closeArchives(keep ?? undefined)
  const dir = path.dirname(archiveFileOf(0, 'pmtiles'))
  if (!fs.existsSync(dir)) return
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name)
    if (file !== keep && /^\d+\.(pmtiles|mbtiles)$/.test(name)) fs.rmSync(file, { force: true })
  }
}

/**
 * A city's own PMTiles or MBTiles file as the map's tiles: checked with its reader, copied beside
 * the database and served instead of built tiles. The address index of the last OSM import stays.
 */
async function importArchive(file: string, format: ArchiveFormat, options: ImportOptions, db: PlazaDatabase): Promise<ImportOutcome> {
  const started = performance.now()
  const version = options.version ?? (await beginImport(options.fileName, format, options.actorId ?? null, db))
  await db.write((trx) => trx.updateTable('basemap_imports').set({ format, stage: 'tiles' }).where('id', '=', version).execute())
  const target = archiveFileOf(version, format)
  try {
    let info
    const reader = openArchive(file, format)
    try {
      info = await reader.info()
    } catch (error) {
      throw error instanceof ArchiveError ? error : new ArchiveError('badArchive')
    } finally {
      reader.close()
    }
    fs.mkdirSync(path.dirname(target), { recursive: true })
    fs.copyFileSync(file, target)
    const counts: Partial<ImportCounts> = { tiles: info.tiles ?? 0, bytes: fs.statSync(target).size }
    const bbox = info.bbox ?? [-180, -85, 180, 85]
    await db.write((trx) =>
      trx
        .updateTable('basemap_imports')
        .set({ status: 'done', stage: null, counts: JSON.stringify(counts), bbox: JSON.stringify(bbox), min_zoom: info.minZoom, max_zoom: info.maxZoom, finished_at: now() })
        .where('id', '=', version)
        .execute(),
    )
    // Built tiles of earlier imports are no longer drawn; their streets and addresses still answer searches.
    await db.write((trx) => trx.deleteFrom('basemap_tiles').where('version', '!=', version).execute())
    removeArchiveFiles(target)
    archiveFormats.clear()
    hotTiles.forget()
    await auditOutcome(db, options.actorId, version, 'basemap.import.done', { fileName: options.fileName, format, counts })
    return { kind: 'done', version, counts: counts as ImportCounts, bbox: bbox as [number, number, number, number], seconds: (performance.now() - started) / 1000 }
  } catch (error) {
    fs.rmSync(target, { force: true })
    const problem: ReadProblem = error instanceof ArchiveError && error.problem === 'notVector' ? 'notVectorArchive' : 'badArchive'
    if (!(error instanceof ArchiveError)) console.warn('basemap archive import failed:', error)
    await db.write((trx) => trx.updateTable('basemap_imports').set({ status: 'failed', stage: null, error: problem, finished_at: now() }).where('id', '=', version).execute())
    await auditOutcome(db, options.actorId, version, 'basemap.import.failed', { fileName: options.fileName, problem })
    return { kind: 'failed', version, problem, detail: problem }
  }
}

/** The format and date of each import version whose tiles are asked for (built tiles or an archive). */
const archiveFormats = new Map<number, TileVersion>()

async function removeVersion(db: PlazaDatabase, version: number) {
  await db.write(async (trx) => {
    await trx.deleteFrom('basemap_addresses').where('version', '=', version).execute()
    await trx.deleteFrom('basemap_streets').where('version', '=', version).execute()
    await trx.deleteFrom('basemap_tiles').where('version', '=', version).execute()
  })
  // This process stops answering them from memory at once; the others when they next read the current version (ADR 148).
  hotTiles.forget()
}

async function removeOtherVersions(db: PlazaDatabase, keep: number) {
  const versions = await db.db.selectFrom('basemap_tiles').select('version').distinct().where('version', '!=', keep).execute()
  const more = await db.db.selectFrom('basemap_streets').select('version').distinct().where('version', '!=', keep).execute()
  for (const v of new Set([...versions, ...more].map((r) => r.version))) await removeVersion(db, v)
}

export interface BasemapImportRow {
  id: number
  fileName: string
  format: string
  status: 'running' | 'done' | 'failed'
  stage: string | null
  error: string | null
  counts: Partial<ImportCounts>
  bbox: [number, number, number, number] | null
  minZoom: number
  maxZoom: number
  startedAt: string
  finishedAt: string | null
}

const toRow = (r: {
  id: number
  file_name: string
  format: string
  status: 'running' | 'done' | 'failed'
  stage: string | null
  error: string | null
  counts: string
  bbox: string | null
  min_zoom: number
  max_zoom: number
  started_at: string
  finished_at: string | null
}): BasemapImportRow => ({
  id: r.id,
  fileName: r.file_name,
  format: r.format,
  status: r.status,
  stage: r.stage,
  error: r.error,
  counts: JSON.parse(r.counts) as Partial<ImportCounts>,
  bbox: r.bbox ? (JSON.parse(r.bbox) as [number, number, number, number]) : null,
  minZoom: r.min_zoom,
  maxZoom: r.max_zoom,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
})

/** The base map in use (the latest complete import), or null. */
export async function currentBasemap(db: PlazaDatabase = defaultDatabase()): Promise<BasemapImportRow | null> {
  const r = await db.db.selectFrom('basemap_imports').selectAll().where('status', '=', 'done').orderBy('id', 'desc').limit(1).executeTakeFirst()
  return r ? toRow(r) : null
}

export async function basemapImports(limit = 10, db: PlazaDatabase = defaultDatabase()): Promise<BasemapImportRow[]> {
  return (await db.db.selectFrom('basemap_imports').selectAll().orderBy('id', 'desc').limit(limit).execute()).map(toRow)
}

export async function basemapImport(id: number, db: PlazaDatabase = defaultDatabase()): Promise<BasemapImportRow | null> {
  const r = await db.db.selectFrom('basemap_imports').selectAll().where('id', '=', id).executeTakeFirst()
  return r ? toRow(r) : null
}

/** What a tile answer needs to know of its import version, kept per process once the import is done. */
export interface TileVersion {
  /** A city's own archive, or null for tiles Plaza built. */
  format: ArchiveFormat | null
  /** When the version was completed, as an HTTP date (Last-Modified); null while it runs. */
  lastModified: string | null
}

/** The version's format and completion date (null for an unknown version). */
export async function tileVersion(version: number, db: PlazaDatabase = defaultDatabase()): Promise<TileVersion | null> {
  const known = archiveFormats.get(version)
  if (known !== undefined) return known
  const row = await db.db.selectFrom('basemap_imports').select(['format', 'status', 'finished_at']).where('id', '=', version).executeTakeFirst()
  if (!row) return null
  const info: TileVersion = {
    format: ARCHIVES.includes(row.format as ArchiveFormat) ? (row.format as ArchiveFormat) : null,
    lastModified: row.status === 'done' && row.finished_at ? new Date(row.finished_at).toUTCString() : null,
  }
  if (row.status !== 'running') archiveFormats.set(version, info)
  return info
}

const tileStatements = new WeakMap<PlazaDatabase, Statements>()
const TILE_SQL = 'select data, etag from basemap_tiles where version = ? and z = ? and x = ? and y = ?'

/** One stored tile, or null (outside the data: an empty tile for the map). One prepared statement for built tiles. */
export async function basemapTile(version: number, z: number, x: number, y: number, db: PlazaDatabase = defaultDatabase()): Promise<{ data: Uint8Array; etag: string } | null> {
  const info = await tileVersion(version, db)
  if (!info) return null
  if (info.format) {
    const data = await archiveTile(archiveFileOf(version, info.format), info.format, z, x, y)
    // The URL carries the version: a tile under it never changes.
    return data ? { data, etag: `"a${version}-${z}-${x}-${y}"` } : null
  }
  let run = tileStatements.get(db)
  if (!run) tileStatements.set(db, (run = statements(db, db.db)))
  return (await run.get<{ data: Uint8Array; etag: string }>(TILE_SQL, version, z, x, y)) ?? null
}
