import type { AreaGeometry, Position } from './geometry'
import { polygonsOf } from './geometry'

/**
 * Server-side SVG outlines of areas, so every page can show a map without JavaScript.
 * Equirectangular projection scaled by cos(latitude): accurate enough at city scale.
 */

export interface Viewport {
  bbox: [number, number, number, number]
  width: number
  height: number
}

export function fitViewport(bbox: [number, number, number, number], width: number): Viewport {
  const [minLng, minLat, maxLng, maxLat] = bbox
  const k = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180)
  const height = Math.round((width * (maxLat - minLat)) / ((maxLng - minLng) * k))
  return { bbox, width, height }
}

export function svgPath(geometry: AreaGeometry, view: Viewport): string {
  const [minLng, minLat, maxLng, maxLat] = view.bbox
  const sx = view.width / (maxLng - minLng)
  const sy = view.height / (maxLat - minLat)
  const point = ([lng, lat]: Position) => `${((lng - minLng) * sx).toFixed(1)} ${((maxLat - lat) * sy).toFixed(1)}`
  const parts: string[] = []
  for (const polygon of polygonsOf(geometry)) {
    for (const ring of polygon) {
      // The last position repeats the first; "Z" closes the ring.
      parts.push(`M${ring.slice(0, -1).map(point).join('L')}Z`)
    }
  }
  return parts.join('')
}
