import { config } from '../../lib/config.server'
import type { RawAnswer, RequestHeaders } from '../../lib/early-routes'

/**
 * The hot tiles of the current base map, kept in memory per process (ADR 148): a map view asks for
 * dozens of tiles and the people of one city ask for the same few thousand, so a tile asked for
 * again is answered without a database read, a Buffer copy or a promise. Least recently used
 * tiles go first once the byte budget is reached (TILE_CACHE_MB per process; 0 keeps none).
 *
 * Only the current version's tiles are kept: every tile under a version URL is immutable, but an
 * import replaces the version and deletes the old tiles, and a replaced map must stop being served
 * (the import's own process forgets at once; the others within VERSION_CHECK_MS).
 */

export interface HotTile {
  /** The 200 answer, the same object each time (the HTTP layer keeps its header lines beside it). */
  ok: RawAnswer
  /** The 304 answer to a request that already has these bytes. */
  notModified: RawAnswer
  etag: string
  /** The import's end (Last-Modified) in ms, or NaN. */
  lastModifiedMs: number
  bytes: number
}

/** An LRU of answers by tile path with a byte budget (a Map keeps insertion order: the first key is the oldest). */
export class TileMemory {
  private readonly tiles = new Map<string, HotTile>()
  private used = 0
  private stamp = 0
  private readonly stamps = new WeakMap<HotTile, number>()
  private budget: number | undefined
  /** The version whose tiles are kept (the current import as last read); null until read: nothing is kept. */
  version: number | null = null
  /** When the current version was last read (performance.now()). */
  checkedAt = -Infinity

  /** The budget in bytes, or a function that gives it when the first tile is kept (the configuration). */
  constructor(private readonly budgetOf: number | (() => number)) {}

  get budgetBytes(): number {
    return (this.budget ??= typeof this.budgetOf === 'number' ? this.budgetOf : this.budgetOf())
  }

  get size() {
    return this.tiles.size
  }

  get bytes() {
    return this.used
  }

  get(key: string): HotTile | undefined {
    const tile = this.tiles.get(key)
    // Moved to the young end only when it has grown old (half the entries were added or moved
    // since): a hot tile costs one lookup, and the least recently used still leave first.
    if (tile && this.stamp - this.stamps.get(tile)! > this.tiles.size >> 1) {
      this.tiles.delete(key)
      this.tiles.set(key, tile)
      this.stamps.set(tile, ++this.stamp)
    }
    return tile
  }

  set(key: string, tile: HotTile) {
    // One tile larger than an eighth of the budget would push out many others for itself.
    if (tile.bytes > this.budgetBytes / 8) return
    const old = this.tiles.get(key)
    if (old) {
      this.used -= old.bytes
      this.tiles.delete(key)
    }
    this.tiles.set(key, tile)
    this.stamps.set(tile, ++this.stamp)
    this.used += tile.bytes
    while (this.used > this.budgetBytes) {
      const [oldest, entry] = this.tiles.entries().next().value as [string, HotTile]
      this.tiles.delete(oldest)
      this.used -= entry.bytes
    }
  }

  clear() {
    this.tiles.clear()
    this.used = 0
  }

  /** Keep nothing until the current version is read again (an import replaced the map). */
  forget() {
    this.clear()
    this.version = null
    this.checkedAt = -Infinity
  }
}

/** This process's hot tiles (TILE_CACHE_MB). */
export const hotTiles = new TileMemory(() => config().TILE_CACHE_MB * 1024 * 1024)

/** Does If-None-Match name this ETag (strong or weak, in a list)? */
export function etagMatches(header: string, etag: string): boolean {
  if (header === etag) return true
  return header.split(',').some((t) => {
    const tag = t.trim()
    return tag === etag || tag === `W/${etag}`
  })
}

/** The hot tile's answer to a request with these validators: 304 when the client has the bytes. */
export function hotAnswer(tile: HotTile, headers: RequestHeaders): RawAnswer {
  const match = headers['if-none-match']
  if (match !== undefined) return typeof match === 'string' && etagMatches(match, tile.etag) ? tile.notModified : tile.ok
  const since = headers['if-modified-since']
  if (typeof since === 'string' && Date.parse(since) >= tile.lastModifiedMs) return tile.notModified
  return tile.ok
}
