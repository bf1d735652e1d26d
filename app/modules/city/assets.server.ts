import { createHash } from 'node:crypto'
import sanitizeHtml from 'sanitize-html'
import { renderPng } from '../../lib/images.server'

/**
 * The logo and favicon an administrator uploads. An SVG is rebuilt from an allow-list of drawing
 * elements and presentation attributes (sanitize-html in XML mode): scripts, event handlers,
 * links, embedded images and foreign content (HTML inside the SVG) do not survive. Any other
 * image is decoded and re-encoded as PNG by the shared image pipeline (app/lib/images.server.ts),
 * so nothing but pixels is kept.
 */

export const MAX_ASSET_BYTES = 1024 * 1024

const SVG_TAGS = [
  'svg',
  'g',
  'defs',
  'title',
  'desc',
  'path',
  'rect',
  'circle',
  'ellipse',
  'line',
  'polyline',
  'polygon',
  'text',
  'tspan',
  'linearGradient',
  'radialGradient',
  'stop',
  'clipPath',
  'mask',
  'symbol',
]
const SVG_ATTRIBUTES = [
  'xmlns',
  'viewBox',
  'width',
  'height',
  'x',
  'y',
  'x1',
  'y1',
  'x2',
  'y2',
  'cx',
  'cy',
  'r',
  'rx',
  'ry',
  'd',
  'points',
  'transform',
  'fill',
  'fill-opacity',
  'fill-rule',
  'clip-rule',
  'stroke',
  'stroke-width',
  'stroke-linecap',
  'stroke-linejoin',
  'stroke-miterlimit',
  'stroke-dasharray',
  'stroke-dashoffset',
  'stroke-opacity',
  'opacity',
  'id',
  'offset',
  'stop-color',
  'stop-opacity',
  'gradientUnits',
  'gradientTransform',
  'fx',
  'fy',
  'clip-path',
  'mask',
  'font-family',
  'font-size',
  'font-weight',
  'text-anchor',
  'dominant-baseline',
  'preserveAspectRatio',
  'role',
  'aria-label',
  'version',
  'fill-opacity',
]
// Paint may refer to a gradient in the same file (url(#id)), never to anything outside it.
const EXTERNAL_REFERENCE = /url\(\s*['"]?\s*(?!#)|javascript:|data:/i

const SVG_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: SVG_TAGS,
  allowedAttributes: { '*': SVG_ATTRIBUTES },
  parser: { xmlMode: true, lowerCaseTags: false, lowerCaseAttributeNames: false, decodeEntities: true },
  disallowedTagsMode: 'discard',
  // The content of what is dropped is dropped with it (a script's text, an HTML island).
  nonTextTags: ['script', 'style', 'foreignObject', 'iframe', 'noscript', 'textarea', 'image', 'use', 'animate', 'set', 'animateTransform', 'animateMotion', 'handler', 'listener'],
  transformTags: {
    '*': (tagName, attribs) => ({
      tagName,
      attribs: Object.fromEntries(Object.entries(attribs).filter(([, value]) => !EXTERNAL_REFERENCE.test(value))),
    }),
  },
}

export type AssetResult = { ok: true; contentType: string; body: Buffer; etag: string } | { ok: false; problem: 'tooLarge' | 'notImage' | 'emptySvg' }

const etagOf = (body: Buffer) => `"${createHash('sha256').update(body).digest('hex').slice(0, 20)}"`

export function sanitizeSvg(text: string): string | null {
  // The prolog, doctype (and its entities) go: the drawing starts at <svg.
  const start = text.search(/<svg[\s>]/i)
  if (start < 0) return null
  const clean = sanitizeHtml(text.slice(start), SVG_OPTIONS).trim()
  if (!/^<svg[\s>]/.test(clean) || !clean.endsWith('</svg>')) return null
  // Something must be left to draw.
  if (!/<(path|rect|circle|ellipse|line|polyline|polygon|text)[\s>]/.test(clean)) return null
  // Served as a standalone image, the root needs its namespace.
  return clean.includes('xmlns="http://www.w3.org/2000/svg"') ? clean : clean.replace(/^<svg/, '<svg xmlns="http://www.w3.org/2000/svg"')
}

const looksLikeSvg = (bytes: Buffer) => /^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE[\s\S]*?>\s*)?<svg[\s>]/i.test(bytes.subarray(0, 4096).toString('utf8'))

/** Prepares an uploaded logo (at most 512 px) or favicon (64 px square). */
export async function prepareAsset(kind: 'logo' | 'favicon', bytes: Buffer): Promise<AssetResult> {
  if (bytes.length > MAX_ASSET_BYTES) return { ok: false, problem: 'tooLarge' }
  if (looksLikeSvg(bytes)) {
    const svg = sanitizeSvg(bytes.toString('utf8'))
    if (!svg) return { ok: false, problem: 'emptySvg' }
    const body = Buffer.from(svg, 'utf8')
    return { ok: true, contentType: 'image/svg+xml', body, etag: etagOf(body) }
  }
  try {
    const size = kind === 'logo' ? 512 : 64
    const body = await renderPng(bytes, size, kind === 'logo' ? 'inside' : 'contain')
    return { ok: true, contentType: 'image/png', body, etag: etagOf(body) }
  } catch {
    return { ok: false, problem: 'notImage' }
  }
}
