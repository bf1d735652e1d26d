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

type Pixel = [number, number]

function distanceToSegment([px, py]: Pixel, [ax, ay]: Pixel, [bx, by]: Pixel): number {
  const dx = bx - ax
  const dy = by - ay
  const lengthSquared = dx * dx + dy * dy
  const t = lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / lengthSquared))
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy))
}

/** Ramer–Douglas–Peucker: drop points closer than `tolerance` pixels to the simplified line. */
export function simplify(points: Pixel[], tolerance: number): Pixel[] {
  if (points.length <= 2) return points
  const keep = new Uint8Array(points.length)
  keep[0] = keep[points.length - 1] = 1
  const stack: Array<[number, number]> = [[0, points.length - 1]]
  while (stack.length) {
    const [first, last] = stack.pop()!
    let farthest = -1
    let max = tolerance
    for (let i = first + 1; i < last; i++) {
      const d = distanceToSegment(points[i]!, points[first]!, points[last]!)
      if (d > max) {
        max = d
        farthest = i
      }
    }
    if (farthest > 0) {
      keep[farthest] = 1
      stack.push([first, farthest], [farthest, last])
    }
  }
  return points.filter((_, i) => keep[i])
}

/** An SVG path for a (multi)polygon, simplified to `tolerance` pixels (outlines stay closed). */
export function svgPath(geometry: AreaGeometry, view: Viewport, tolerance = 0.6): string {
  const [minLng, minLat, maxLng, maxLat] = view.bbox
  const sx = view.width / (maxLng - minLng)
  const sy = view.height / (maxLat - minLat)
  const project = ([lng, lat]: Position): Pixel => [(lng - minLng) * sx, (maxLat - lat) * sy]
  const parts: string[] = []
  for (const polygon of polygonsOf(geometry)) {
    for (const ring of polygon) {
      const points = simplify(ring.map(project), tolerance)
      // A ring simplified below a triangle is smaller than a pixel: not drawn.
      if (points.length < 4) continue
      // The last position repeats the first; "Z" closes the ring.
      parts.push(
        `M${points
          .slice(0, -1)
          .map(([x, y]) => `${x.toFixed(1)} ${y.toFixed(1)}`)
          .join('L')}Z`,
      )
    }
  }
  return parts.join('')
}
