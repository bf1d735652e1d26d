import crypto from 'node:crypto'
import geojsonvt from 'geojson-vt'
import vtpbf from 'vt-pbf'
import type { BasemapLayer } from './classify'
import type { OsmGeometry } from './read.server'

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
/** The zoom down to which the indexes are built first; deeper tiles are cut region by region below it. */
const INDEX_ZOOM = 12

type TileIndex = ReturnType<typeof geojsonvt> & { tiles: Record<number, unknown>; tileCoords: unknown[] }

/**
 * Every non-empty tile from minZoom to maxZoom, handed to `onTile` as it is made (no list of all in
 * memory). Consumes `features` (the list is emptied once indexed, so that only geojson-vt's copy
 * stays). Below zoom 12 the tiles are cut one zoom-12 region at a time, and the region's deeper
 * tiles are dropped from the indexes when it is done: memory holds one region's tiles, not the city's.
 */
export function buildTiles(features: TileFeature[], bbox: [number, number, number, number], minZoom: number, maxZoom: number, onTile: (tile: BuiltTile) => void): number {
  const byLayer = new Map<string, GeoJSON.Feature[]>()
  for (const f of features) {
    let list = byLayer.get(f.layer)
    if (!list) byLayer.set(f.layer, (list = []))
    list.push({ type: 'Feature', geometry: f.geometry as GeoJSON.Geometry, properties: f.properties })
  }
  features.length = 0
  const indexes = [...byLayer].map(
    ([layer, list]) =>
      [
        layer,
        LAYER_MIN_ZOOM[layer as BasemapLayer] ?? 0,
        geojsonvt({ type: 'FeatureCollection', features: list }, { maxZoom, indexMaxZoom: Math.min(maxZoom, INDEX_ZOOM), indexMaxPoints: 10_000, tolerance: 3, extent: 4096, buffer: 64 }) as TileIndex,
      ] as const,
  )
  // Only geojson-vt's converted copy stays.
  byLayer.clear()
  let count = 0
  const emit = (z: number, x: number, y: number) => {
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
    if (!any) return
    const data = vtpbf.fromGeojsonVt(layers as Parameters<typeof vtpbf.fromGeojsonVt>[0], { version: 2 })
    onTile({ z, x, y, data, etag: `"${crypto.createHash('sha1').update(data).digest('base64url').slice(0, 22)}"` })
    count++
  }
  for (let z = minZoom; z <= Math.min(maxZoom, INDEX_ZOOM); z++) {
    const r = tileRange(bbox, z)
    for (let x = r.minX; x <= r.maxX; x++) for (let y = r.minY; y <= r.maxY; y++) emit(z, x, y)
  }
  if (maxZoom <= INDEX_ZOOM) return count
  const regions = tileRange(bbox, INDEX_ZOOM)
  for (let rx = regions.minX; rx <= regions.maxX; rx++) {
    for (let ry = regions.minY; ry <= regions.maxY; ry++) {
      for (let z = Math.max(minZoom, INDEX_ZOOM + 1); z <= maxZoom; z++) {
        const r = tileRange(bbox, z)
        const k = 2 ** (z - INDEX_ZOOM)
        for (let x = Math.max(r.minX, rx * k); x <= Math.min(r.maxX, rx * k + k - 1); x++) for (let y = Math.max(r.minY, ry * k); y <= Math.min(r.maxY, ry * k + k - 1); y++) emit(z, x, y)
      }
      // The region is done: its deeper tiles (and the source geometry they hold) can go.
      for (const [, , index] of indexes) {
        for (let z = INDEX_ZOOM + 1; z <= maxZoom; z++) {
          const k = 2 ** (z - INDEX_ZOOM)
          for (let x = rx * k; x < rx * k + k; x++) for (let y = ry * k; y < ry * k + k; y++) delete index.tiles[tileId(z, x, y)]
        }
        index.tileCoords.length = 0
      }
    }
  }
  return count
}
