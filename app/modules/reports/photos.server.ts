import { sql, type Transaction } from 'kysely'
import type { Database, ReportStateKind } from '../../../db/schema'
import { database, nowIso } from '../../lib/db.server'
import { MiB, photoMaxBytes, prepareImage, sameUploadKey as sameKey, UNREAD_BODY_HEADERS, type GpsPosition, type ImageRefusal } from '../../lib/images.server'
import { readUploadForm } from '../../lib/uploads.server'
import { isPublic } from './states'

/**
 * Photos of street-issue reports (issue 6). An upload is judged by its content, never its name;
 * its GPS position is read (to offer it for the pin) and then every byte of metadata is dropped:
 * what is stored and served are JPEG variants re-encoded from the pixels alone. A photo is stored
 * before its report exists and carries an "id.key" ref until the report attaches it; unattached
 * photos are deleted after a day (deleteAbandonedPhotos). The reading, checking and re-encoding is
 * the shared pipeline's (app/lib/images.server.ts, uploads.server.ts); this module stores the
 * result in its tables. See docs/decisions/040-sharp-for-photos.md and 115.
 */

// The limit lives in schema.ts: pages read it while rendering, and a .server module is empty in the browser.
import { MAX_PHOTOS } from './schema'
export { MAX_PHOTOS }
/** The multipart field of the file inputs, and of the hidden inputs that carry pending refs. */
export const PHOTO_FIELD = 'photo'
export const PHOTO_REF_FIELD = 'photoRef'

export const PHOTO_SIZES = ['full', 'medium', 'thumb'] as const
export type PhotoSize = (typeof PHOTO_SIZES)[number]
export const isPhotoSize = (s: string): s is PhotoSize => (PHOTO_SIZES as readonly string[]).includes(s)

/** One file of a report form: stored, or why not (`name` is the file's name as the browser sent it). */
export type StoreResult = { kind: 'stored'; id: number; key: string; ref: string; width: number; height: number; gps: GpsPosition | null } | ImageRefusal

export type PhotoUpload = (StoreResult | { kind: 'tooMany' }) & { name: string }
export type PhotoFailure = Exclude<PhotoUpload, { kind: 'stored' }> | ImageRefusal

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
    .where(
      'id',
      'in',
      parsed.map((r) => r.id),
    )
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
    .where(
      'id',
      'in',
      parsed.map((r) => r.id),
    )
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
  let query = database().db.selectFrom('report_photos').select(['id', 'width', 'height', 'hidden']).where('report_id', '=', reportId)
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
export async function photoVariant(id: number, size: string, options: { key?: string | null; staff?: boolean } = {}): Promise<PhotoVariant | null> {
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
 * Reads a report form (multipart/form-data with photos, or urlencoded without) with the shared
 * upload reader: each file counted as it streams in, refused the moment one passes photoMaxBytes().
 * Files are stored (storePhoto) only once the whole form has been read. 'malformed' is the
 * sender's fault: answer 400 (t('errors.malformedForm')), as readForm does; 'tooLarge' is a 413.
 * Both answers must carry the result's `headers`.
 */
export async function readReportForm(request: Request): Promise<ReportFormResult> {
  const maxBytes = photoMaxBytes()
  const form = await readUploadForm(request, { fileField: PHOTO_FIELD, maxFiles: MAX_PHOTOS, maxFileBytes: maxBytes })
  if (form.kind === 'malformed') return form
  if (form.kind === 'tooLarge') return { ...form, maxBytes }
  const photoRefs = form.values.filter(([name]) => name === PHOTO_REF_FIELD).map(([, value]) => value)
  const photos = await Promise.all(
    form.files.map(async (file): Promise<PhotoUpload> => ('tooMany' in file ? { kind: 'tooMany', name: file.name } : { ...(await storePhoto(file.data)), name: file.name })),
  )
  return { kind: 'ok', fields: form.fields, photoRefs, photos }
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
