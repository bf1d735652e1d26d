import { fitViewport } from '../../modules/geo/svg'
import type { BBox } from './types'

/**
 * The chosen place as a pin on the static city map (/areas.svg): shown on every step after "Where"
 * so a person checks where the report will go, without JavaScript and without loading MapLibre.
 * An inline SVG (attributes, no style attribute: the CSP allows no inline styles).
 */
export function PinMap({ bounds, point, label }: { bounds: BBox; point: { lat: number; lng: number }; label: string }) {
  const [w, s, e, n] = bounds
  const { width, height } = fitViewport([w, s, e, n], 1000)
  const x = ((point.lng - w) / (e - w)) * width
  const y = ((n - point.lat) / (n - s)) * height
  return (
    <svg className="pin-map" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      <image href="/areas.svg" width={width} height={height} />
      <g transform={`translate(${x.toFixed(1)} ${y.toFixed(1)})`}>
        <circle r="34" fill="#a4161a" fillOpacity="0.18" />
        <path d="M0 0 C -6 -18 -22 -26 -22 -44 A 22 22 0 1 1 22 -44 C 22 -26 6 -18 0 0 Z" fill="#a4161a" stroke="#fff" strokeWidth="4" />
        <circle cy="-44" r="8" fill="#fff" />
      </g>
    </svg>
  )
}
