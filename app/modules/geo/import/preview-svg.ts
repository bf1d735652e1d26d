import { bboxOf, type AreaGeometry, type Position } from '../geometry'
import { fitViewport, svgPath } from '../svg'
import { escapeXml } from '../../../lib/xml'

/**
 * The preview drawn without JavaScript: the current areas of the level above in grey, the file's
 * features over them, and a red ring where each problem is. Presentation attributes only.
 */
export function previewSvg(context: AreaGeometry[], features: Array<{ name: string; geometry: AreaGeometry }>, marks: Position[], width = 640): string | null {
  const all = [...context, ...features.map((f) => f.geometry)]
  if (all.length === 0) return null
  let box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity]
  for (const g of all) {
    const b = bboxOf(g)
    box = [Math.min(box[0], b[0]), Math.min(box[1], b[1]), Math.max(box[2], b[2]), Math.max(box[3], b[3])]
  }
  for (const [lng, lat] of marks) box = [Math.min(box[0], lng), Math.min(box[1], lat), Math.max(box[2], lng), Math.max(box[3], lat)]
  const padX = (box[2] - box[0]) * 0.03 || 0.001
  const padY = (box[3] - box[1]) * 0.03 || 0.001
  const view = fitViewport([box[0] - padX, box[1] - padY, box[2] + padX, box[3] + padY], width)
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${view.width} ${view.height}" width="100%" preserveAspectRatio="xMidYMid meet">`,
    `<rect width="100%" height="100%" fill="#f4f6f8"/>`,
  ]
  for (const g of context) parts.push(`<path d="${svgPath(g, view)}" fill="#e3e7eb" stroke="#6b7885" stroke-width="1.5" fill-rule="evenodd"/>`)
  for (const f of features)
    parts.push(`<path d="${svgPath(f.geometry, view)}" fill="#2a6f97" fill-opacity="0.25" stroke="#1b4965" stroke-width="0.8" fill-rule="evenodd"><title>${escapeXml(f.name)}</title></path>`)
  const [w, s, e, n] = view.bbox
  for (const [lng, lat] of marks) {
    const x = ((lng - w) / (e - w)) * view.width
    const y = ((n - lat) / (n - s)) * view.height
    parts.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="7" fill="none" stroke="#c0392b" stroke-width="2.5"/>`)
  }
  parts.push('</svg>')
  return parts.join('')
}
