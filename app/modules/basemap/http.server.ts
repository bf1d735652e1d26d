import fs from 'node:fs'
import path from 'node:path'
import Pbf from 'pbf'
import { basemapTile, currentBasemap } from './basemap.server'
import { basemapStyle } from './style'
import { searchAddress } from './search.server'

/**
 * HTTP answers of the base map: tiles (immutable under their versioned URL), the style (short
 * cache with an ETag: it names the current version) and glyph ranges that have no file in
 * public/fonts (an empty range, so that a rare character costs a missing glyph, not an error).
 */

const EMPTY = new Uint8Array(0)

function notModified(request: Request, etag: string, headers: Record<string, string>): Response | null {
  const match = request.headers.get('if-none-match')
  if (match && match.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}`)) return new Response(null, { status: 304, headers: { ...headers, ETag: etag } })
  return null
}

const TILE_HEADERS = { 'Content-Type': 'application/vnd.mapbox-vector-tile', 'Cache-Control': 'public, max-age=31536000, immutable' }

/** GET /tiles/:version/:z/:x/:y.pbf */
export async function tileResponse(request: Request, params: Record<string, string | undefined>): Promise<Response> {
  const version = Number(params.version)
  const z = Number(params.z)
  const x = Number(params.x)
  const yMatch = /^(\d+)\.pbf$/.exec(params.y ?? '')
  const y = yMatch ? Number(yMatch[1]) : NaN
  if (![version, z, x, y].every((v) => Number.isSafeInteger(v) && v >= 0) || z > 24 || x >= 2 ** z || y >= 2 ** z) {
    return new Response('Not a tile address', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } })
  }
  const tile = await basemapTile(version, z, x, y)
  if (!tile) {
    // Outside the data (or a version replaced since the style was read): an empty tile.
    return new Response(EMPTY, { status: 200, headers: { ...TILE_HEADERS, 'Cache-Control': 'public, max-age=3600', ETag: '"empty"' } })
  }
  return notModified(request, tile.etag, TILE_HEADERS) ?? new Response(tile.data as Uint8Array<ArrayBuffer>, { status: 200, headers: { ...TILE_HEADERS, ETag: tile.etag } })
}

/** GET /styles/plaza.json */
export async function styleResponse(request: Request, origin: string): Promise<Response> {
  const current = await currentBasemap()
  const style = basemapStyle({ origin, version: current?.id ?? null, minZoom: current?.minZoom ?? 10, maxZoom: current?.maxZoom ?? 16, bounds: current?.bbox ?? null })
  const headers = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'public, max-age=60, must-revalidate' }
  const etag = `"style-${current?.id ?? 0}-${Buffer.from(origin).toString('base64url').slice(0, 16)}"`
  return notModified(request, etag, headers) ?? new Response(JSON.stringify(style), { status: 200, headers: { ...headers, ETag: etag } })
}

/** GET /fonts/:fontstack/:range.pbf for ranges without a file: the committed ranges are public files. */
export function glyphResponse(params: Record<string, string | undefined>, publicDir = path.resolve('public')): Response {
  const range = /^(\d+)-(\d+)\.pbf$/.exec(params.range ?? '')
  const stack = params.fontstack ?? ''
  if (!range || Number(range[2]) - Number(range[1]) !== 255 || Number(range[1]) % 256 !== 0 || !/^[\w ,-]{1,200}$/.test(stack)) {
    return new Response('Not a glyph range', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
  }
  // The first font of the stack that has this range.
  for (const font of stack.split(',')) {
    const file = path.join(publicDir, 'fonts', font.trim(), `${range[1]}-${range[2]}.pbf`)
    if (/^[\w -]+$/.test(font.trim()) && fs.existsSync(file))
      return new Response(fs.readFileSync(file), { headers: { 'Content-Type': 'application/x-protobuf', 'Cache-Control': 'public, max-age=86400' } })
  }
  const pbf = new Pbf()
  pbf.writeMessage(
    1,
    () => {
      pbf.writeStringField(1, stack)
      pbf.writeStringField(2, `${range[1]}-${range[2]}`)
    },
    null,
  )
  return new Response(pbf.finish() as Uint8Array<ArrayBuffer>, { headers: { 'Content-Type': 'application/x-protobuf', 'Cache-Control': 'public, max-age=86400' } })
}

/**
 * GET /search/address with `Accept: application/json`: the results as JSON, answered before Remix
 * (scripts/start.ts fastRoutes); any other Accept gets null and Remix renders the HTML page.
 */
export async function addressSearchJson(request: Request): Promise<Response | null> {
  if (!(request.headers.get('accept') ?? '').split(',')[0]?.includes('application/json')) return null
  const q = new URL(request.url).searchParams.get('q') ?? ''
  if (q.length > 200) return Response.json({ error: 'q: at most 200 characters' }, { status: 400 })
  const results = await searchAddress(q)
  return Response.json({ query: q.trim(), results }, { headers: { 'Cache-Control': 'public, max-age=60', Vary: 'Accept' } })
}
