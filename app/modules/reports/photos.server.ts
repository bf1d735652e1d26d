import crypto from 'node:crypto'
import sharp, { type Metadata, type Sharp } from 'sharp'
// exifr's package has no "exports" map: Node loads its UMD build, where only the default export is certain.
import exifr from 'exifr'
import { unstable_parseMultipartFormData, type UploadHandler } from '@remix-run/node'
import { sql, type Transaction } from 'kysely'
import type { Database, ReportStateKind } from '../../../db/schema'
import { database, nowIso } from '../../lib/db.server'
import { isPublic } from './states'

/**
 * Photos of street-issue reports (issue 6). An upload is judged by its content, never its name;
 * its GPS position is read (to offer it for the pin) and then every byte of metadata is dropped:
 * what is stored and served are JPEG variants re-encoded from the pixels alone. A photo is stored
 * before its report exists and carries an "id.key" ref until the report attaches it; unattached
 * photos are deleted after a day (deleteAbandonedPhotos). See docs/decisions/040-sharp-for-photos.md.
 */

// The limit lives in schema.ts: pages read it while rendering, and a .server module is empty in the browser.
import { MAX_PHOTOS } from './schema'
export { MAX_PHOTOS }
/** The multipart field of the file inputs, and of the hidden inputs that carry pending refs. */
export const PHOTO_FIELD = 'photo'
export const PHOTO_REF_FIELD = 'photoRef'

const MiB = 1024 * 1024
export const DEFAULT_PHOTO_MAX_BYTES = 10 * MiB
/** Text fields of a report form together; anything near this is not a person typing. */
const TEXT_LIMIT = 1 * MiB
// Decompression bombs: a 50 KB PNG can declare 100,000 × 100,000 pixels. 50 Mpx still admits the
// 48–50 Mpx modes of current phones (8160 × 6120); a 200 Mpx photo is over the byte limit anyway.
export const MAX_PIXELS = 50_000_000

/** PHOTO_MAX_BYTES: the largest photo accepted, in bytes (default 10 MiB). */
export function photoMaxBytes(): number {
  const raw = process.env.PHOTO_MAX_BYTES?.trim()
  const value = raw ? Number(raw) : NaN
  return Number.isSafeInteger(value) && value > 0 ? value : DEFAULT_PHOTO_MAX_BYTES
}

export const PHOTO_SIZES = ['full', 'medium', 'thumb'] as const
export type PhotoSize = (typeof PHOTO_SIZES)[number]
export const isPhotoSize = (s: string): s is PhotoSize => (PHOTO_SIZES as readonly string[]).includes(s)

export type PhotoFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'heic'
export interface GpsPosition {
  lat: number
  lng: number
}

export type Inspection =
  | { kind: 'ok'; format: PhotoFormat; width: number; height: number; gps: GpsPosition | null }
  | { kind: 'notAnImage' }
  | { kind: 'unsupported'; format: string }

export type StoreResult =
  | { kind: 'stored'; id: number; key: string; ref: string; width: number; height: number; gps: GpsPosition | null }
  | { kind: 'notAnImage' }
  | { kind: 'unsupported'; format: string }
  | { kind: 'tooLarge' }

/** One file of a report form: stored, or why not (`name` is the file's name as the browser sent it). */
export type PhotoUpload = (StoreResult | { kind: 'tooMany' }) & { name: string }
export type PhotoFailure = Exclude<PhotoUpload, { kind: 'stored' }> | { kind: 'tooLarge' } | Exclude<Inspection, { kind: 'ok' }>

// The prebuilt libvips decodes AVIF (AV1) but usually not HEIC (HEVC is patent-encumbered);
// sharp lists the suffixes its heif loader really reads.
const heicDecodable = () => sharp.format.heif?.input.fileSuffix?.includes('.heic') ?? false

/** What an upload really is, from its bytes, and where it was taken (EXIF GPS), if it says. */
export async function inspectPhoto(buffer: Buffer): Promise<Inspection> {
  if (buffer.length === 0) return { kind: 'notAnImage' }
  let meta: Metadata
  try {
    // Only the header is read here, so no pixel limit yet: a bomb's size is storePhoto's to refuse.
    meta = await sharp(buffer, { limitInputPixels: false }).metadata()
  } catch {
    return { kind: 'notAnImage' }
  }
  const format = photoFormat(meta)
  if (!format) return { kind: 'unsupported', format: meta.format ?? 'unknown' }
  if (format === 'heic' && !heicDecodable()) return { kind: 'unsupported', format }
  const width = meta.autoOrient?.width ?? meta.width
  const height = meta.autoOrient?.height ?? meta.height
  if (!width || !height) return { kind: 'notAnImage' }
  return { kind: 'ok', format, width, height, gps: await readGps(buffer) }
}

function photoFormat(meta: Metadata): PhotoFormat | null {
  switch (meta.format) {
    case 'jpeg':
    case 'png':
    case 'webp':
      return meta.format
    case 'heif':
      return meta.compression === 'av1' ? 'avif' : 'heic'
    default:
      return null
  }
}

async function readGps(buffer: Buffer): Promise<GpsPosition | null> {
  try {
    const gps = (await exifr.gps(buffer)) as { latitude?: unknown; longitude?: unknown } | undefined
    const lat = Number(gps?.latitude)
    const lng = Number(gps?.longitude)
    if (!Number.isFinite(lat) || !Number.isFinite(lng) || Math.abs(lat) > 90 || Math.abs(lng) > 180) return null
    // 0,0 is what cameras without a fix write, not a street in the city.
    if (lat === 0 && lng === 0) return null
    return { lat, lng }
  } catch {
    // Broken EXIF is common and harmless: the photo is still a photo, only without a position.
    return null
  }
}

const JPEG = { quality: 82, mozjpeg: false } as const
const LONG_SIDE: Record<Exclude<PhotoSize, 'thumb'>, number> = { full: 1600, medium: 800 }
const THUMB_SIDE = 240

export interface Variant {
  size: PhotoSize
  width: number
  height: number
  data: Buffer
}

/**
 * Decodes once (upright per EXIF orientation, alpha on white, sRGB) and encodes each size from
 * those pixels. Nothing of the input's metadata is carried over: sharp writes none unless asked
 * (keepMetadata/withMetadata/keepExif), and this pipeline never asks. `thumb` is the thumbnail's
 * box (report photos: a 240 px square; proposal images: 16:9 cards).
 */
async function renderVariants(buffer: Buffer, thumb: { width: number; height: number; position: 'centre' | 'attention' }): Promise<Variant[]> {
  const { data, info } = await sharp(buffer, { limitInputPixels: MAX_PIXELS, failOn: 'error' })
    .autoOrient()
    .resize({ width: LONG_SIDE.full, height: LONG_SIDE.full, fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true })
  const pixels = () => sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
  const encode = async (size: PhotoSize, image: Sharp): Promise<Variant> => {
    const out = await image.jpeg(JPEG).toBuffer({ resolveWithObject: true })
    return { size, width: out.info.width, height: out.info.height, data: out.data }
  }
  return Promise.all([
    encode('full', pixels()),
    encode('medium', pixels().resize({ width: LONG_SIDE.medium, height: LONG_SIDE.medium, fit: 'inside', withoutEnlargement: true })),
    encode('thumb', pixels().resize({ width: thumb.width, height: thumb.height, fit: 'cover', position: thumb.position })),
  ])
}

export type PreparedImage = { kind: 'ok'; variants: Variant[]; width: number; height: number; key: string; gps: GpsPosition | null }

/**
 * Checks an upload by its content and renders its metadata-free variants, with a random upload
 * key: the part report photos and proposal images share before each stores them in its own tables.
 */
export async function prepareImage(
  buffer: Buffer,
  // Square thumbnails keep report lists and timelines on one grid.
  thumb: { width: number; height: number; position: 'centre' | 'attention' } = { width: THUMB_SIDE, height: THUMB_SIDE, position: 'centre' },
): Promise<PreparedImage | Exclude<StoreResult, { kind: 'stored' }>> {
  if (buffer.length > photoMaxBytes()) return { kind: 'tooLarge' }
  const inspection = await inspectPhoto(buffer)
  if (inspection.kind !== 'ok') return inspection
  if (inspection.width * inspection.height > MAX_PIXELS) return { kind: 'tooLarge' }
  let variants: Variant[]
  try {
    variants = await renderVariants(buffer, thumb)
  } catch (error) {
    // The header said image, the pixels did not follow (truncated, corrupt, or over the pixel limit).
    if (error instanceof Error && /pixel limit/i.test(error.message)) return { kind: 'tooLarge' }
    return { kind: 'notAnImage' }
  }
  const full = variants.find((v) => v.size === 'full')!
  return { kind: 'ok', variants, width: full.width, height: full.height, key: crypto.randomBytes(18).toString('base64url'), gps: inspection.gps }
}

/** Stores an upload as a pending photo (no report yet); the caller keeps the returned ref. */
export async function storePhoto(buffer: Buffer): Promise<StoreResult> {
  const image = await prepareImage(buffer)
  if (image.kind !== 'ok') return image
  const { variants, key } = image
  const full = { width: image.width, height: image.height }
  const id = await database().write(async (trx) => {
    const row = await trx
      .insertInto('report_photos')
      .values({ report_id: null, upload_key: key, width: full.width, height: full.height, created_at: nowIso() })
      .returning('id')
      .executeTakeFirstOrThrow()
    await trx
      .insertInto('report_photo_variants')
      .values(variants.map((v) => ({ photo_id: row.id, size: v.size, mime: 'image/jpeg', width: v.width, height: v.height, data: v.data })))
      .execute()
    return row.id
  })
  return { kind: 'stored', id, key, ref: `${id}.${key}`, width: full.width, height: full.height, gps: image.gps }
}

interface ParsedRef {
  id: number
  key: string
  ref: string
}

const REF = /^(\d{1,15})\.([A-Za-z0-9_-]{16,64})$/

/** Well-formed refs, in the order given (not yet checked against the stored keys). */
function parseRefs(refs: readonly string[]): ParsedRef[] {
  const out: ParsedRef[] = []
  for (const ref of refs) {
    const match = REF.exec(ref.trim())
    if (match) out.push({ id: Number(match[1]), key: match[2]!, ref: `${Number(match[1])}.${match[2]!}` })
  }
  return out
}

/** The refs whose key matches their unattached photo, once each, in the order given. */
function validRefs<R extends { id: number; upload_key: string }>(parsed: ParsedRef[], rows: R[]): Array<ParsedRef & { row: R }> {
  const out: Array<ParsedRef & { row: R }> = []
  for (const r of parsed) {
    const row = rows.find((x) => x.id === r.id)
    if (row && sameKey(r.key, row.upload_key) && !out.some((o) => o.id === r.id)) out.push({ ...r, row })
  }
  return out
}

function sameKey(given: string, stored: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(stored)
  return a.length === b.length && crypto.timingSafeEqual(a, b)
}

export const photoUrl = (id: number, size: PhotoSize) => `/reports/photos/${id}/${size}.jpg`
const pendingUrl = (id: number, size: PhotoSize, key: string) => `${photoUrl(id, size)}?key=${encodeURIComponent(key)}`

export interface PendingPhoto {
  id: number
  ref: string
  width: number
  height: number
  /** The preview for the person who uploaded it (the key in the URL is what lets them see it). */
  thumbUrl: string
}

/** The photos a form carries as refs that are still waiting for their report (invalid ones are dropped). */
export async function pendingPhotos(refs: readonly string[]): Promise<PendingPhoto[]> {
  const parsed = parseRefs(refs)
  if (parsed.length === 0) return []
  const rows = await database()
    .db.selectFrom('report_photos')
    .select(['id', 'upload_key', 'width', 'height'])
    .where('id', 'in', parsed.map((r) => r.id))
    .where('report_id', 'is', null)
    .execute()
  return validRefs(parsed, rows)
    .slice(0, MAX_PHOTOS)
    .map(({ row, ref, key }) => ({ id: row.id, ref, width: row.width, height: row.height, thumbUrl: pendingUrl(row.id, 'thumb', key) }))
}

/**
 * Attaches pending photos to a report, inside the caller's transaction, after any it already
 * has and up to MAX_PHOTOS in all; keeps reports.photo_count (visible photos) in step.
 * Returns how many were attached.
 */
export async function attachPhotos(trx: Transaction<Database>, reportId: number, refs: readonly string[]): Promise<number> {
  const parsed = parseRefs(refs)
  if (parsed.length === 0) return 0
  const rows = await trx
    .selectFrom('report_photos')
    .select(['id', 'upload_key'])
    .where('id', 'in', parsed.map((r) => r.id))
    .where('report_id', 'is', null)
    .execute()
  const valid = validRefs(parsed, rows)
  const existing = await trx
    .selectFrom('report_photos')
    .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.max('position').as('last')])
    .where('report_id', '=', reportId)
    .executeTakeFirstOrThrow()
  const room = Math.max(0, MAX_PHOTOS - Number(existing.count))
  const start = existing.last === null ? 0 : Number(existing.last) + 1
  let attached = 0
  for (const r of valid.slice(0, room)) {
    const result = await trx
      .updateTable('report_photos')
      .set({ report_id: reportId, position: start + attached })
      .where('id', '=', r.id)
      .where('report_id', 'is', null)
      .executeTakeFirst()
    if (Number(result.numUpdatedRows) === 1) attached++
  }
  if (attached > 0) {
    await trx
      .updateTable('reports')
      .set({
        photo_count: sql<number>`(select count(*) from report_photos where report_id = ${reportId} and hidden = 0)`,
      })
      .where('id', '=', reportId)
      .execute()
  }
  return attached
}

export interface ReportPhoto {
  id: number
  width: number
  height: number
  hidden: boolean
  url: string
  thumbUrl: string
  fullUrl: string
}

/** A report's photos in order; hidden ones only when asked (staff and moderators). */
export async function photosOf(reportId: number, options: { includeHidden?: boolean } = {}): Promise<ReportPhoto[]> {
  let query = database()
    .db.selectFrom('report_photos')
    .select(['id', 'width', 'height', 'hidden'])
    .where('report_id', '=', reportId)
  if (!options.includeHidden) query = query.where('hidden', '=', 0)
  const rows = await query.orderBy('position').orderBy('id').execute()
  return rows.map((r) => ({
    id: r.id,
    width: r.width,
    height: r.height,
    hidden: r.hidden !== 0,
    url: photoUrl(r.id, 'medium'),
    thumbUrl: photoUrl(r.id, 'thumb'),
    fullUrl: photoUrl(r.id, 'full'),
  }))
}

export interface PhotoVariant {
  mime: string
  data: Buffer
  width: number
  height: number
  /**
   * 'public': anyone may see it and it never changes (cache it for good); 'pending': the
   * uploader's preview; 'staff': shown only because the viewer is staff (hidden photo or report).
   */
  access: 'public' | 'pending' | 'staff'
}

/**
 * One size of a photo, or null when this viewer may not see it: a pending photo needs its key;
 * an attached one needs to be visible on a public report, unless the viewer is staff.
 */
export async function photoVariant(
  id: number,
  size: string,
  options: { key?: string | null; staff?: boolean } = {},
): Promise<PhotoVariant | null> {
  if (!Number.isSafeInteger(id) || id <= 0 || !isPhotoSize(size)) return null
  const row = await database()
    .db.selectFrom('report_photos as p')
    .innerJoin('report_photo_variants as v', (join) => join.onRef('v.photo_id', '=', 'p.id').on('v.size', '=', size))
    .leftJoin('reports as r', 'r.id', 'p.report_id')
    .select(['p.report_id', 'p.upload_key', 'p.hidden', 'r.state_kind', 'v.mime', 'v.data', 'v.width', 'v.height'])
    .where('p.id', '=', id)
    .executeTakeFirst()
  if (!row) return null
  const variant = { mime: row.mime, data: row.data, width: row.width, height: row.height }
  if (row.report_id === null) return options.key && sameKey(options.key, row.upload_key) ? { ...variant, access: 'pending' } : null
  if (row.hidden === 0 && isPublic(row.state_kind as ReportStateKind)) return { ...variant, access: 'public' }
  return options.staff ? { ...variant, access: 'staff' } : null
}

/** Deletes photos never attached to a report (the form was abandoned); returns how many. */
export async function deleteAbandonedPhotos(olderThanHours = 24): Promise<number> {
  const cutoff = new Date(Date.now() - olderThanHours * 3_600_000).toISOString()
  return database().write(async (trx) => {
    // Variants go with their photo (on delete cascade).
    const result = await trx.deleteFrom('report_photos').where('report_id', 'is', null).where('created_at', '<', cutoff).executeTakeFirst()
    return Number(result.numDeletedRows)
  })
}

export type ReportFormResult =
  | {
      kind: 'ok'
      /** Text fields, the first value of each (as formFields does). */
      fields: Record<string, string>
      /** Every PHOTO_REF_FIELD value: photos stored by an earlier submission of the same form. */
      photoRefs: string[]
      /** One entry per chosen file named PHOTO_FIELD, in form order. */
      photos: PhotoUpload[]
    }
  | {
      kind: 'tooLarge'
      /** The per-photo limit, for the message. */
      maxBytes: number
      /** The text fields read before the upload was refused (possibly none or only some). */
      fields: Record<string, string>
      /** Send these with the 413: see UNREAD_BODY_HEADERS. */
      headers: typeof UNREAD_BODY_HEADERS
    }
  | { kind: 'malformed'; headers: typeof UNREAD_BODY_HEADERS }

/**
 * A refused form leaves the rest of its body unread on the connection. Kept alive, that
 * connection stalls: the browser keeps uploading into a server that no longer reads, and never
 * shows the answer (Chromium, measured). Closing it after the answer lets the browser show it.
 */
export const UNREAD_BODY_HEADERS = { Connection: 'close' } as const

class BodyTooLarge extends Error {}

/**
 * Reads a report form (multipart/form-data with photos, or urlencoded without). Each file is
 * counted as it streams in and the read stops the moment one passes photoMaxBytes(), so an
 * oversized upload is refused without being read whole; a Content-Length over what a full form
 * can need is refused before reading anything. Files are stored (storePhoto) only once the whole
 * form has been read. 'malformed' is the sender's fault: answer 400 (t('errors.malformedForm')),
 * as readForm does; 'tooLarge' is a 413. Both answers must carry the result's `headers`.
 */
export async function readReportForm(request: Request): Promise<ReportFormResult> {
  const maxBytes = photoMaxBytes()
  const bodyLimit = MAX_PHOTOS * maxBytes + TEXT_LIMIT
  const declared = Number(request.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > bodyLimit) return { kind: 'tooLarge', maxBytes, fields: {}, headers: UNREAD_BODY_HEADERS }

  const fields: Record<string, string> = Object.create(null)
  const photoRefs: string[] = []
  const addField = (name: string, value: string) => {
    if (!(name in fields)) fields[name] = value
    if (name === PHOTO_REF_FIELD) photoRefs.push(value)
  }

  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (type === 'application/x-www-form-urlencoded') {
    let body: string
    try {
      body = await readText(request.body, TEXT_LIMIT)
    } catch (error) {
      if (error instanceof BodyTooLarge) return { kind: 'tooLarge', maxBytes, fields: {}, headers: UNREAD_BODY_HEADERS }
      return { kind: 'malformed', headers: UNREAD_BODY_HEADERS }
    }
    for (const [name, value] of new URLSearchParams(body)) addField(name, value)
    return { kind: 'ok', fields, photoRefs, photos: [] }
  }
  if (type !== 'multipart/form-data') return { kind: 'malformed', headers: UNREAD_BODY_HEADERS }

  const files: Array<{ name: string; data: Buffer } | { name: string; tooMany: true }> = []
  let accepted = 0
  let textBytes = 0
  let totalBytes = 0
  const decoder = new TextDecoder()
  const handler: UploadHandler = async (part) => {
    // A photo part is a file even without a filename (fetch's FormData drops an empty one).
    if (part.filename === undefined && part.name !== PHOTO_FIELD) {
      const chunks: Uint8Array[] = []
      for await (const chunk of part.data) {
        textBytes += chunk.length
        if (textBytes > TEXT_LIMIT) throw new BodyTooLarge()
        chunks.push(chunk)
      }
      addField(part.name, decoder.decode(Buffer.concat(chunks)))
      return null
    }
    const wanted = part.name === PHOTO_FIELD && accepted < MAX_PHOTOS
    const chunks: Uint8Array[] = []
    let size = 0
    // The parser buffers a part nobody reads, so even unwanted files are read through (and counted).
    for await (const chunk of part.data) {
      size += chunk.length
      totalBytes += chunk.length
      if (size > maxBytes || totalBytes > bodyLimit) throw new BodyTooLarge()
      if (wanted) chunks.push(chunk)
    }
    const name = part.filename ?? ''
    // A file input left empty still sends a part: no name, no bytes.
    if (name === '' && size === 0) return null
    if (part.name !== PHOTO_FIELD) return null
    if (wanted) {
      accepted++
      files.push({ name, data: Buffer.concat(chunks) })
    } else files.push({ name, tooMany: true })
    return null
  }
  try {
    await unstable_parseMultipartFormData(request, handler)
  } catch (error) {
    if (error instanceof BodyTooLarge) return { kind: 'tooLarge', maxBytes, fields, headers: UNREAD_BODY_HEADERS }
    // Everything else comes from the parser or the body stream: a broken or cut-off form.
    return { kind: 'malformed', headers: UNREAD_BODY_HEADERS }
  }
  const photos = await Promise.all(
    files.map(async (file): Promise<PhotoUpload> => ('tooMany' in file ? { kind: 'tooMany', name: file.name } : { ...(await storePhoto(file.data)), name: file.name })),
  )
  return { kind: 'ok', fields, photoRefs, photos }
}

async function readText(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string> {
  if (!body) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length
    if (size > limit) throw new BodyTooLarge()
    chunks.push(chunk)
  }
  return new TextDecoder().decode(Buffer.concat(chunks))
}

/** The i18n key (namespace-qualified) that explains a refused photo. */
export function photoErrorKey(result: PhotoFailure): string {
  switch (result.kind) {
    case 'notAnImage':
      return 'photos:notAnImage'
    case 'unsupported':
      return 'photos:unsupported'
    case 'tooLarge':
      return 'photos:tooLarge'
    case 'tooMany':
      return 'photos:tooMany'
  }
}

/** The values photoErrorKey's message needs. */
export function photoErrorValues(result: PhotoFailure): Record<string, string | number> {
  return {
    format: 'format' in result ? result.format.toUpperCase() : '',
    mb: Math.round((photoMaxBytes() / MiB) * 10) / 10,
    max: MAX_PHOTOS,
  }
}

type Translate = (key: string, values?: Record<string, unknown>) => string

/** The sentence a person reads about a refused photo; `position` (1-based) names which one. */
export function photoErrorMessage(t: Translate, result: PhotoFailure & { name?: string }, position?: number): string {
  const message = t(photoErrorKey(result), photoErrorValues(result))
  if (position === undefined) return message
  return result.name ? t('photos:numberedNamed', { n: position, name: result.name, message }) : t('photos:numbered', { n: position, message })
}

/** The HTTP answer for a stored image variant (report photos, proposal images), or a 404. */
export function imageResponse(variant: { mime: string; data: Buffer; access: string } | null): Response {
  if (!variant) {
    return new Response('Not Found', {
      status: 404,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' },
    })
  }
  // A copy into a plain ArrayBuffer: the DOM's BodyInit type does not take a Node Buffer.
  return new Response(new Uint8Array(variant.data), {
    headers: {
      'Content-Type': variant.mime,
      'Content-Length': String(variant.data.byteLength),
      // An hour, not "immutable": a photo hidden by a moderator must stop being served soon.
      'Cache-Control': variant.access === 'public' ? 'public, max-age=3600' : 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
    },
  })
}
