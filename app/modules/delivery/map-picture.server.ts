import { VectorTile, type VectorTileFeature } from '@mapbox/vector-tile'
import Pbf from 'pbf'
import sharp from 'sharp'
import { basemapTile, currentBasemap } from '../basemap/basemap.server'

/**
 * A still picture of a report's place for the e-mail sent to a body (issue 19): drawn on the
 * server from Plaza's own base map (the vector tiles app/modules/basemap serves), offline. The
 * tiles around the point are decoded (@mapbox/vector-tile), their features drawn as SVG in the
 * colours of the site's map style (water, parks, buildings, waterways, railways, roads), a pin at
 * the point, and the SVG rasterised to PNG by sharp (libvips/librsvg). No base map imported, or
 * nothing of it near the point: null (the mail then goes without a picture; its text links to
 * the map either way).
 */

export const PICTURE_WIDTH = 600
export const PICTURE_HEIGHT = 300
/** Street level: about 1 km across at mid latitudes. */
const ZOOM = 16
const TILE = 256

type Paint = { fill?: string; stroke?: string; width?: number; dash?: string }
/** Drawn in this order (the site's style, app/modules/basemap/style.ts). */
const LAYERS: Array<{ layer: string; paint: (p: Record<string, unknown>) => Paint | null; casing?: (p: Record<string, unknown>) => Paint | null }> = [
  { layer: 'water', paint: () => ({ fill: '#a8cde6' }) },
  { layer: 'parks', paint: (p) => ({ fill: p.class === 'square' ? '#efe9dc' : '#c9e5b5' }) },
  { layer: 'buildings', paint: () => ({ fill: '#ddd5cc', stroke: '#c7bcb1', width: 0.5 }) },
  { layer: 'waterways', paint: () => ({ stroke: '#a8cde6', width: 2 }) },
  { layer: 'railways', paint: () => ({ stroke: '#7d7d7d', width: 1.5, dash: '4.5 3' }) },
  {
    layer: 'roads',
    casing: (p) => (p.class === 'path' ? null : { stroke: '#a99f93', width: p.class === 'primary' || p.class === 'secondary' ? 10 : 8 }),
    paint: (p) =>
      p.class === 'path'
        ? { stroke: '#8a7d70', width: 1, dash: '2 1.5' }
        : { stroke: p.class === 'primary' || p.class === 'secondary' ? '#fde7a6' : '#ffffff', width: p.class === 'primary' || p.class === 'secondary' ? 7 : 5.5 },
  },
]

const worldX = (lng: number, z: number) => ((lng + 180) / 360) * TILE * 2 ** z
const worldY = (lat: number, z: number) => {
  const r = (Math.max(-85.0511, Math.min(85.0511, lat)) * Math.PI) / 180
  return ((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * TILE * 2 ** z
}

/** SVG path data of a feature, in picture pixels. */
function pathOf(feature: VectorTileFeature, extent: number, offsetX: number, offsetY: number, scale: number): string {
  const k = (TILE * scale) / extent
  const closed = feature.type === 3
  return feature
    .loadGeometry()
    .map((ring) => ring.map((p, i) => `${i === 0 ? 'M' : 'L'}${(offsetX + p.x * k).toFixed(1)} ${(offsetY + p.y * k).toFixed(1)}`).join('') + (closed ? 'Z' : ''))
    .join('')
}

const attrs = (paint: Paint, line: boolean) =>
  line
    ? `fill="none" stroke="${paint.stroke}" stroke-width="${paint.width ?? 1}" stroke-linecap="round" stroke-linejoin="round"${paint.dash ? ` stroke-dasharray="${paint.dash}"` : ''}`
    : `fill="${paint.fill}" fill-rule="evenodd"${paint.stroke ? ` stroke="${paint.stroke}" stroke-width="${paint.width ?? 1}"` : ''}`

/** The SVG of the place (exported for tests), or null when the base map has nothing there. */
export async function placeSvg(lat: number, lng: number): Promise<string | null> {
  const basemap = await currentBasemap()
  if (!basemap) return null
  // Beyond the deepest stored zoom, its tiles are scaled up ("overzoom"), as MapLibre does.
  const z = Math.min(ZOOM, basemap.maxZoom)
  const scale = 2 ** (ZOOM - z)
  const cx = worldX(lng, ZOOM)
  const cy = worldY(lat, ZOOM)
  const left = cx - PICTURE_WIDTH / 2
  const top = cy - PICTURE_HEIGHT / 2
  const size = TILE * scale
  const tiles: Array<{ x: number; y: number; tile: VectorTile }> = []
  for (let x = Math.floor(left / size); x <= Math.floor((left + PICTURE_WIDTH) / size); x++) {
    for (let y = Math.floor(top / size); y <= Math.floor((top + PICTURE_HEIGHT) / size); y++) {
      const stored = await basemapTile(basemap.id, z, x, y)
      if (stored) tiles.push({ x, y, tile: new VectorTile(new Pbf(stored.data) as unknown as ConstructorParameters<typeof VectorTile>[0]) })
    }
  }
  const drawn: string[] = []
  for (const { layer, paint, casing } of LAYERS) {
    for (const pass of casing ? [casing, paint] : [paint]) {
      for (const { x, y, tile } of tiles) {
        const source = tile.layers[layer]
        if (!source) continue
        for (let i = 0; i < source.length; i++) {
          const f = source.feature(i)
          if (f.type === 1) continue
          const style = pass(f.properties)
          if (!style) continue
          drawn.push(`<path d="${pathOf(f, source.extent, x * size - left, y * size - top, scale)}" ${attrs(style, f.type === 2)}/>`)
        }
      }
    }
  }
  if (drawn.length === 0) return null
  const px = PICTURE_WIDTH / 2
  const py = PICTURE_HEIGHT / 2
  // The pin: its point at the report's place.
  const pin = `<path d="M${px} ${py}c-3-9-11-14-11-22a11 11 0 0 1 22 0c0 8-8 13-11 22z" fill="#c0392b" stroke="#ffffff" stroke-width="2"/><circle cx="${px}" cy="${py - 22}" r="4" fill="#ffffff"/>`
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${PICTURE_WIDTH}" height="${PICTURE_HEIGHT}" viewBox="0 0 ${PICTURE_WIDTH} ${PICTURE_HEIGHT}"><rect width="100%" height="100%" fill="#dceaf4"/>${drawn.join('')}${pin}</svg>`
}

/** The PNG of the place, or null (no base map there). */
export async function placePicture(lat: number, lng: number): Promise<Buffer | null> {
  const svg = await placeSvg(lat, lng)
  if (!svg) return null
  return sharp(Buffer.from(svg)).png({ palette: true, compressionLevel: 9 }).toBuffer()
}
