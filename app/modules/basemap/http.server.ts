import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import Pbf from 'pbf'
import type { RawAnswer, RequestHeaders } from '../../lib/early-routes'
import { basemapTile, currentBasemap, tileVersion } from './basemap.server'
import { hotAnswer, hotTiles, type HotTile } from './tile-memory.server'
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

const NOT_A_TILE: RawAnswer = { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }, body: 'Not a tile address' }
// Outside the data (or a version replaced since the style was read): an empty tile.
const EMPTY_TILE: RawAnswer = { status: 200, headers: { ...TILE_HEADERS, 'Cache-Control': 'public, max-age=3600', ETag: '"empty"' }, body: EMPTY }
const DIGITS = /^\d{1,10}$/
const TILE_Y = /^(\d{1,8})\.pbf$/

/** How often a process asks which version is current, to forget a replaced map's tiles (ms). */
export const VERSION_CHECK_MS = 5000
let versionCheck: Promise<void> | null = null

/** Reads the current version at most every VERSION_CHECK_MS, without holding up the request that notices. */
function checkVersion(now: number) {
  if (now - hotTiles.checkedAt < VERSION_CHECK_MS || versionCheck) return
  hotTiles.checkedAt = now
  versionCheck = currentBasemap()
    .then((current) => {
      const version = current?.id ?? null
      if (version !== hotTiles.version) {
        hotTiles.clear()
        hotTiles.version = version
      }
    })
    // The database could not answer: keep nothing, and read again on the next tile.
    .catch(() => hotTiles.forget())
    .finally(() => (versionCheck = null))
}

/**
 * GET /tiles/:version/:z/:x/:y.pbf, answered before Remix (app/early-routes.server.ts): one prepared
 * statement, the stored bytes as they are, ETag and Last-Modified (the import's end) with 304s. The
 * URL names the import version, so a tile under it never changes (immutable). A tile of the current
 * version is then kept in memory (tileFromMemory answers it again).
 */
export async function tileAnswer(params: Record<string, string | undefined>, headers: RequestHeaders = {}): Promise<RawAnswer> {
  const yMatch = TILE_Y.exec(params.y ?? '')
  if (!yMatch || !DIGITS.test(params.version ?? '') || !DIGITS.test(params.z ?? '') || !DIGITS.test(params.x ?? '')) return NOT_A_TILE
  const address = tileAddress(params.version!, params.z!, params.x!, yMatch[1]!)
  return address ? storedTile(address, headers) : NOT_A_TILE
}

interface TileAddress {
  version: number
  z: number
  x: number
  y: number
}

/** The tile's numbers, or null past zoom 24 or outside the zoom's grid. */
function tileAddress(version: string, z: string, x: string, y: string): TileAddress | null {
  const address = { version: Number(version), z: Number(z), x: Number(x), y: Number(y) }
  return address.z > 24 || address.x >= 2 ** address.z || address.y >= 2 ** address.z ? null : address
}

async function storedTile({ version, z, x, y }: TileAddress, headers: RequestHeaders): Promise<RawAnswer> {
  checkVersion(performance.now())
  const info = await tileVersion(version)
  const tile = info ? await basemapTile(version, z, x, y) : null
  if (!tile) return EMPTY_TILE
  const lastModified = info?.lastModified
  const answerHeaders: Record<string, string> = lastModified ? { ...TILE_HEADERS, ETag: tile.etag, 'Last-Modified': lastModified } : { ...TILE_HEADERS, ETag: tile.etag }
  const hot: HotTile = {
    ok: { status: 200, headers: answerHeaders, body: tile.data },
    notModified: { status: 304, headers: answerHeaders, body: EMPTY },
    etag: tile.etag,
    lastModifiedMs: lastModified ? Date.parse(lastModified) : NaN,
    bytes: tile.data.byteLength,
  }
  // Kept only under the current, finished version (a running import's tiles have no Last-Modified yet).
  if (version === hotTiles.version && lastModified) hotTiles.set(`/tiles/${version}/${z}/${x}/${y}.pbf`, hot)
  return hotAnswer(hot, headers)
}

/**
 * The same tiles on node:http's request event, ahead of Express (ADR 148): a tile in memory is
 * answered at once, without a promise; another well-formed tile address is read by tileAnswer (and
 * kept); anything else (a query string, a bad address) is null and goes down the whole pipeline.
 */
export function tileFromMemory(url: string, headers: RequestHeaders): RawAnswer | Promise<RawAnswer> | null {
  const hot = hotTiles.get(url)
  if (hot) {
    checkVersion(performance.now())
    return hotAnswer(hot, headers)
  }
  const parts = TILE_URL.exec(url)
  const address = parts && tileAddress(parts[1]!, parts[2]!, parts[3]!, parts[4]!)
  return address ? storedTile(address, headers) : null
}
const TILE_URL = /^\/tiles\/(\d{1,10})\/(\d{1,10})\/(\d{1,10})\/(\d{1,8})\.pbf$/

/** GET /tiles/:version/:z/:x/:y.pbf through Remix (the early route answers first; same function). */
export async function tileResponse(request: Request, params: Record<string, string | undefined>): Promise<Response> {
  const headers: Record<string, string> = {}
  for (const name of ['if-none-match', 'if-modified-since']) {
    const value = request.headers.get(name)
    if (value !== null) headers[name] = value
  }
  const answer = await tileAnswer(params, headers)
  return new Response(answer.status === 304 ? null : (answer.body as BodyInit), { status: answer.status, headers: answer.headers })
}

/** GET /styles/plaza.json */
export async function styleResponse(request: Request, origin: string): Promise<Response> {
  const current = await currentBasemap()
  const glyphs = glyphVersion()
  const style = basemapStyle({ origin, version: current?.id ?? null, glyphVersion: glyphs, minZoom: current?.minZoom ?? 10, maxZoom: current?.maxZoom ?? 16, bounds: current?.bbox ?? null })
  const headers = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'public, max-age=60, must-revalidate' }
  const etag = `"style-${current?.id ?? 0}-${glyphs}-${Buffer.from(origin).toString('base64url').slice(0, 16)}"`
  return notModified(request, etag, headers) ?? new Response(JSON.stringify(style), { status: 200, headers: { ...headers, ETag: etag } })
}

const GLYPH_CACHE_MAX = 256
const glyphAnswers = new Map<string, RawAnswer>()
const NOT_A_GLYPH_RANGE: RawAnswer = { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'Not a glyph range' }
const GLYPH_UNVERSIONED_CACHE = 'public, max-age=86400'
const GLYPH_VERSIONED_CACHE = 'public, max-age=31536000, immutable'
const glyphVersions = new Map<string, string>()

/**
 * The version of the glyphs in public/fonts: a digest of every file's name and bytes, computed once
 * per process (~700 KB). The style names it in its glyph URL (/fonts/<version>/…), so a browser
 * keeps a range for a year and asks again only when `npm run basemap:glyphs` changed the files.
 */
export function glyphVersion(publicDir = path.resolve('public')): string {
  const known = glyphVersions.get(publicDir)
  if (known) return known
  const hash = crypto.createHash('sha256')
  const root = path.join(publicDir, 'fonts')
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.isFile()) hash.update(path.relative(root, full)).update('\0').update(fs.readFileSync(full))
    }
  }
  walk(root)
  const version = hash.digest('hex').slice(0, 12)
  glyphVersions.set(publicDir, version)
  return version
}

/**
 * GET /fonts/:version/:fontstack/:range.pbf (the style's URL) and /fonts/:fontstack/:range.pbf (for
 * ranges the static handler has no file for: a stack of several fonts, a rare range), answered before
 * Remix: the first font of the stack with that range, else an empty range, so that a rare character
 * costs a missing glyph, not an error. Under the current version the answer is immutable for a year;
 * under another version (a style read before the glyphs changed) it is the current bytes for a day.
 * Kept in memory per process (a few hundred answers at most), with an ETag.
 */
export async function glyphAnswer(params: Record<string, string | undefined>, headers: RequestHeaders = {}, publicDir = path.resolve('public')): Promise<RawAnswer> {
  const cache = params.version !== undefined && params.version === glyphVersion(publicDir) ? GLYPH_VERSIONED_CACHE : GLYPH_UNVERSIONED_CACHE
  const key = `${cache === GLYPH_VERSIONED_CACHE ? 'v' : ''}${publicDir}/${params.fontstack ?? ''}/${params.range ?? ''}`
  let answer = glyphAnswers.get(key)
  if (!answer) {
    answer = glyphRange(params, publicDir, cache)
    if (glyphAnswers.size >= GLYPH_CACHE_MAX) glyphAnswers.clear()
    glyphAnswers.set(key, answer)
  }
  const match = headers['if-none-match']
  if (answer.status === 200 && typeof match === 'string' && match.split(',').some((t) => t.trim() === answer.headers.ETag)) return { status: 304, headers: answer.headers, body: EMPTY }
  return answer
}

function glyphRange(params: Record<string, string | undefined>, publicDir: string, cacheControl = GLYPH_UNVERSIONED_CACHE): RawAnswer {
  const range = /^(\d+)-(\d+)\.pbf$/.exec(params.range ?? '')
  const stack = params.fontstack ?? ''
  if (!range || Number(range[2]) - Number(range[1]) !== 255 || Number(range[1]) % 256 !== 0 || !/^[\w ,-]{1,200}$/.test(stack)) return NOT_A_GLYPH_RANGE
  const answer = (body: Uint8Array): RawAnswer => ({
    status: 200,
    headers: { 'Content-Type': 'application/x-protobuf', 'Cache-Control': cacheControl, ETag: `"${crypto.createHash('sha1').update(body).digest('base64url').slice(0, 22)}"` },
    body,
  })
  // The first font of the stack that has this range.
  for (const font of stack.split(',')) {
    const file = path.join(publicDir, 'fonts', font.trim(), `${range[1]}-${range[2]}.pbf`)
    if (/^[\w -]+$/.test(font.trim()) && fs.existsSync(file)) return answer(fs.readFileSync(file))
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
  return answer(pbf.finish())
}

/** GET /fonts/[:version/]:fontstack/:range.pbf through Remix (the early routes answer first; same answers). */
export async function glyphResponse(params: Record<string, string | undefined>, publicDir = path.resolve('public')): Promise<Response> {
  const answer = await glyphAnswer(params, {}, publicDir)
  return new Response(answer.body as BodyInit, { status: answer.status, headers: answer.headers })
}

/**
 * GET /search/address with `Accept: application/json`: the results as JSON, answered raw before Remix
 * (app/early-routes.server.ts: no Fetch Request or Response is built); any other Accept gets null
 * and Remix renders the HTML page.
 */
export async function addressSearchAnswer(headers: RequestHeaders, query: string): Promise<RawAnswer | null> {
  const accept = headers.accept
  if (typeof accept !== 'string' || !accept.split(',')[0]?.includes('application/json')) return null
  const q = new URLSearchParams(query).get('q') ?? ''
  if (q.length > 200) return { status: 400, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ error: 'q: at most 200 characters' }) }
  const results = await searchAddress(q)
  return { status: 200, headers: SEARCH_HEADERS, body: JSON.stringify({ query: q.trim(), results }) }
}
const SEARCH_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=60', Vary: 'Accept' }
