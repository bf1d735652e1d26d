import fs from 'node:fs'
import path from 'node:path'
import { gunzipSync } from 'node:zlib'
import Database from 'better-sqlite3'
import { PMTiles, TileType, type RangeResponse, type Source } from 'pmtiles'

/**
 * A city's own tile archive (issue 17): a PMTiles or MBTiles file used instead of the tiles Plaza
 * builds. The file is copied next to the database (`basemap/<version>.pmtiles|.mbtiles`) and read
 * here, with maintained readers: the `pmtiles` package for PMTiles, and SQLite opened read-only
 * for MBTiles (the MBTiles format is a SQLite database; this reader is the only code that opens
 * one). Tiles are served uncompressed, under Plaza's versioned URLs like built tiles.
 */

export type ArchiveFormat = 'pmtiles' | 'mbtiles'

export interface ArchiveInfo {
  format: ArchiveFormat
  minZoom: number
  maxZoom: number
  bbox: [number, number, number, number] | null
  /** Vector layer names from the archive's metadata (Plaza's style draws the ones it knows). */
  layers: string[]
  tiles: number | null
}

export class ArchiveError extends Error {
  constructor(public problem: 'notVector' | 'badArchive') {
    super(problem)
  }
}

/** Which archive a file is, by its first bytes: PMTiles' magic, or SQLite's. */
export function archiveFormat(head: Uint8Array): ArchiveFormat | null {
  if (head.length >= 7 && Buffer.from(head.subarray(0, 7)).toString('latin1') === 'PMTiles') return 'pmtiles'
  if (head.length >= 16 && Buffer.from(head.subarray(0, 15)).toString('latin1') === 'SQLite format 3') return 'mbtiles'
  return null
}

/** A PMTiles source over a local file (positioned reads; the package's own sources are for browsers). */
class LocalFileSource implements Source {
  private fd: number
  constructor(private file: string) {
    this.fd = fs.openSync(file, 'r')
  }
  getKey() {
    return this.file
  }
  async getBytes(offset: number, length: number): Promise<RangeResponse> {
    const buffer = Buffer.alloc(length)
    const read = fs.readSync(this.fd, buffer, 0, length, offset)
    return { data: buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + read) as ArrayBuffer }
  }
  close() {
    fs.closeSync(this.fd)
  }
}

interface OpenArchive {
  info(): Promise<ArchiveInfo>
  tile(z: number, x: number, y: number): Promise<Uint8Array | null>
  close(): void
}

function gunzipped(data: Uint8Array): Uint8Array {
  return data.length > 2 && data[0] === 0x1f && data[1] === 0x8b ? new Uint8Array(gunzipSync(data)) : data
}

function openPmtiles(file: string): OpenArchive {
  const source = new LocalFileSource(file)
  const archive = new PMTiles(source)
  return {
    async info() {
      const h = await archive.getHeader()
      if (h.tileType !== TileType.Mvt) throw new ArchiveError('notVector')
      const meta = ((await archive.getMetadata().catch(() => ({}))) ?? {}) as { vector_layers?: Array<{ id: string }> }
      const bbox: [number, number, number, number] | null = h.minLon < h.maxLon && h.minLat < h.maxLat ? [h.minLon, h.minLat, h.maxLon, h.maxLat] : null
      return { format: 'pmtiles', minZoom: h.minZoom, maxZoom: h.maxZoom, bbox, layers: (meta.vector_layers ?? []).map((l) => l.id), tiles: h.numAddressedTiles }
    },
    async tile(z, x, y) {
      const r = await archive.getZxy(z, x, y)
      return r ? gunzipped(new Uint8Array(r.data)) : null
    },
    close: () => source.close(),
  }
}

function openMbtiles(file: string): OpenArchive {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  const tileQuery = db.prepare<[number, number, number], { tile_data: Buffer }>('SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?')
  return {
    async info() {
      const meta = new Map(
        db
          .prepare<[], { name: string; value: string }>('SELECT name, value FROM metadata')
          .all()
          .map((r) => [r.name, r.value]),
      )
      if (meta.get('format') && meta.get('format') !== 'pbf') throw new ArchiveError('notVector')
      const zooms = db.prepare<[], { min: number | null; max: number | null; n: number }>('SELECT min(zoom_level) AS min, max(zoom_level) AS max, count(*) AS n FROM tiles').get()!
      const b = (meta.get('bounds') ?? '').split(',').map(Number)
      const bbox = b.length === 4 && b.every(Number.isFinite) && b[0]! < b[2]! && b[1]! < b[3]! ? (b as [number, number, number, number]) : null
      let layers: string[]
      try {
        layers = ((JSON.parse(meta.get('json') ?? '{}') as { vector_layers?: Array<{ id: string }> }).vector_layers ?? []).map((l) => l.id)
      } catch {
        layers = []
      }
      return { format: 'mbtiles', minZoom: Number(meta.get('minzoom') ?? zooms.min ?? 0), maxZoom: Number(meta.get('maxzoom') ?? zooms.max ?? 14), bbox, layers, tiles: zooms.n }
    },
    async tile(z, x, y) {
      // MBTiles counts rows from the south (TMS).
      const r = tileQuery.get(z, x, 2 ** z - 1 - y)
      return r ? gunzipped(new Uint8Array(r.tile_data)) : null
    },
    close: () => db.close(),
  }
}

export function openArchive(file: string, format: ArchiveFormat): OpenArchive {
  try {
    return format === 'pmtiles' ? openPmtiles(file) : openMbtiles(file)
  } catch {
    throw new ArchiveError('badArchive')
  }
}

/** Where an imported archive lives: beside the database, by version. */
export function archivePath(databasePath: string, version: number, format: ArchiveFormat): string {
  return path.join(path.dirname(path.resolve(databasePath)), 'basemap', `${version}.${format}`)
}

const opened = new Map<string, OpenArchive>()

/** One tile of an imported archive (readers stay open per file). */
export async function archiveTile(file: string, format: ArchiveFormat, z: number, x: number, y: number): Promise<Uint8Array | null> {
  let archive = opened.get(file)
  if (!archive) {
    if (!fs.existsSync(file)) return null
    archive = openArchive(file, format)
    opened.set(file, archive)
  }
  return archive.tile(z, x, y)
}

/** Closes the readers of archives other than `keep` (after a new import). */
export function closeArchives(keep?: string) {
  for (const [file, archive] of opened) {
    if (file === keep) continue
    archive.close()
    opened.delete(file)
  }
}
