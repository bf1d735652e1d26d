import crypto from 'node:crypto'
import geojsonvt from 'geojson-vt'
import vtpbf from 'vt-pbf'
import type { BasemapLayer } from './classify'
import type { OsmGeometry } from './read.server'
import { REGION_ZOOM } from './spool.server'

/**
 * Vector tiles (Mapbox Vector Tile 2.1) from the classified features: one geojson-vt index per
 * layer, every tile of every zoom that holds a feature encoded with vt-pbf. Tiles past `maxZoom`
 * are drawn by MapLibre from the deepest stored tile ("overzoom"), which at extent 4096 keeps
 * centimetre precision at street level.
 */

export interface TileFeature {
  layer: BasemapLayer
  geometry: OsmGeometry
  properties: Record<string, string | number>
}

/** A layer is left out of tiles below its zoom: the style shows house numbers from 17, buildings from 14. */
export const LAYER_MIN_ZOOM: Partial<Record<BasemapLayer, number>> = { addresses: 16, buildings: 14, railways: 11 }

export interface BuiltTile {
  z: number
  x: number
  y: number
  data: Uint8Array
  etag: string
}

const lng2x = (lng: number, z: number) => Math.floor(((lng + 180) / 360) * 2 ** z)
const lat2y = (lat: number, z: number) => {
  const r = (Math.max(-85.0511, Math.min(85.0511, lat)) * Math.PI) / 180
  return Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * 2 ** z)
}

export function tileRange(bbox: [number, number, number, number], z: number) {
  const [w, s, e, n] = bbox
  const max = 2 ** z - 1
  return {
    minX: Math.max(0, lng2x(w, z)),
    maxX: Math.min(max, lng2x(e, z)),
    minY: Math.max(0, lat2y(n, z)),
    maxY: Math.min(max, lat2y(s, z)),
  }
}

/** geojson-vt's tile id (its index keeps every tile it made under this key). */
const tileId = (z: number, x: number, y: number) => ((1 << z) * y + x) * 32 + z

type TileIndex = ReturnType<typeof geojsonvt> & { tiles: Record<number, unknown>; tileCoords: unknown[] }
type LayerIndex = readonly [layer: string, fromZoom: number, index: TileIndex]

/** One geojson-vt index per layer, over the features given (consumed as they are read). */
function layerIndexes(features: Iterable<TileFeature>, maxZoom: number, indexMaxZoom: number): LayerIndex[] {
  const byLayer = new Map<string, GeoJSON.Feature[]>()
  for (const f of features) {
    let list = byLayer.get(f.layer)
    if (!list) byLayer.set(f.layer, (list = []))
    list.push({ type: 'Feature', geometry: f.geometry as GeoJSON.Geometry, properties: f.properties })
  }
  const out: LayerIndex[] = []
  for (const [layer, list] of byLayer) {
    const index = geojsonvt({ type: 'FeatureCollection', features: list }, { maxZoom, indexMaxZoom, indexMaxPoints: 100_000, tolerance: 3, extent: 4096, buffer: 64 }) as TileIndex
    // geojson-vt keeps its own converted copy; the input list can go.
    list.length = 0
    out.push([layer, LAYER_MIN_ZOOM[layer as BasemapLayer] ?? 0, index])
  }
  return out
}

/** The tile z/x/y of every layer, encoded; null when no layer has a feature there. */
function encodeTile(indexes: LayerIndex[], z: number, x: number, y: number): BuiltTile | null {
  const layers: Record<string, ReturnType<ReturnType<typeof geojsonvt>['getTile']>> = {}
  let any = false
  for (const [layer, from, index] of indexes) {
    if (z < from) continue
    const tile = index.getTile(z, x, y)
    if (tile && tile.features.length) {
      layers[layer] = tile
      any = true
    }
  }
  if (!any) return null
  const data = vtpbf.fromGeojsonVt(layers as Parameters<typeof vtpbf.fromGeojsonVt>[0], { version: 2 })
  return { z, x, y, data, etag: `"${crypto.createHash('sha1').update(data).digest('base64url').slice(0, 22)}"` }
}

/** Where the tiles come from: the import's spool (spool.server.ts). */
export interface TileSource {
  /** Features drawn below REGION_ZOOM (streets, water, parks…), for the low zooms. */
  lowZoomFeatures(): Iterable<TileFeature>
  /** The zoom-12 regions holding features. */
  regions(): Array<{ x: number; y: number }>
  /** A region's features, with its neighbours' that reach into it. */
  regionFeatures(x: number, y: number): Iterable<TileFeature>
}

/**
 * Every non-empty tile from minZoom to maxZoom, handed to `onTiles` a batch at a time (awaited, so
 * that the batch is stored before the next is cut). Zooms below REGION_ZOOM (14) are cut from one
 * index of the layers drawn there (streets, water, parks); zoom 14 and deeper one zoom-14 region at
 * a time. Both go depth first, each subtree's tiles dropped from the indexes once cut: memory holds
 * one region's features, never the city's buildings.
 */
export async function buildTiles(source: TileSource, bbox: [number, number, number, number], minZoom: number, maxZoom: number, onTiles: (tiles: BuiltTile[]) => Promise<void>): Promise<number> {
  let count = 0
  let batch: BuiltTile[] = []
  let batchBytes = 0
  const emit = async (tile: BuiltTile | null) => {
    if (!tile) return
    batch.push(tile)
    batchBytes += tile.data.length
    count++
    if (batch.length >= 500 || batchBytes >= 8e6) await flush()
  }
  const flush = async () => {
    if (!batch.length) return
    const tiles = batch
    batch = []
    batchBytes = 0
    await onTiles(tiles)
  }
  // Depth first from a tile; each subtree's tiles are dropped from the indexes once cut.
  const walk = async (indexes: LayerIndex[], z: number, x: number, y: number, top: number) => {
    if (z >= minZoom) await emit(encodeTile(indexes, z, x, y))
    if (z < top) for (let i = 0; i < 4; i++) await walk(indexes, z + 1, x * 2 + (i & 1), y * 2 + (i >> 1), top)
    for (const [, , index] of indexes) delete index.tiles[tileId(z, x, y)]
  }
  const lowTop = Math.min(maxZoom, REGION_ZOOM - 1)
  if (minZoom <= lowTop) {
    const indexes = layerIndexes(source.lowZoomFeatures(), lowTop, 0)
    const r = tileRange(bbox, minZoom)
    for (let x = r.minX; x <= r.maxX; x++) for (let y = r.minY; y <= r.maxY; y++) await walk(indexes, minZoom, x, y, lowTop)
  }
  if (maxZoom < REGION_ZOOM) {
    await flush()
    return count
  }
  for (const region of source.regions()) {
    await walk(layerIndexes(source.regionFeatures(region.x, region.y), maxZoom, 0), REGION_ZOOM, region.x, region.y, maxZoom)
    await flush()
  }
  await flush()
  return count
}
