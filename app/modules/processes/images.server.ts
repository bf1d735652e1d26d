import type { Transaction } from 'kysely'
import type { Database } from '../../../db/schema'
import { database, nowIso } from '../../lib/db.server'
import { MiB, photoMaxBytes, prepareImage, sameUploadKey, UNREAD_BODY_HEADERS, type ImageRefusal } from '../../lib/images.server'
import { readUploadForm } from '../../lib/uploads.server'
import { IMAGE_ALT_MAX, MAX_PROCESS_IMAGES, PROCESS_IMAGE_SIZES, type ProcessImageSize } from './phases'

/**
 * Images of processes (an administrator gives a process its image, with its alt text per language
 * kept on the process), of projects (residents submit them with the project) and of result
 * milestones (staff post photos with the text), through the shared pipeline (app/lib/uploads.server.ts and
 * images.server.ts), as report photos and proposal images: the form is read as it streams and a
 * file over PHOTO_MAX_BYTES stops the read; each file is judged by its content, decoded once and
 * re-encoded as JPEG variants from the pixels alone (no EXIF, no GPS, no camera owner). An image is
 * stored as pending before its form is saved and travels in the form as an "id.key" ref, so a form
 * refused for another field keeps it; a save attaches it. Never-attached images go after a day.
 * The only code that writes process_images and process_image_variants.
 */

export type ImageOwnerKind = 'process' | 'project' | 'milestone'
export const IMAGES_FIELD = 'images'
export const IMAGE_REF_FIELD = 'imageRef'
export const IMAGE_ALT_FIELD = 'imageAlt'

// Cards and timelines show 4:3 thumbnails; the page links each to its full size.
const THUMB = { width: 320, height: 240, position: 'attention' as const }

export const processImageUrl = (id: number, size: ProcessImageSize) => `/processes/images/${id}/${size}.jpg`

const REF = /^(\d{1,15})\.([A-Za-z0-9_-]{16,64})$/

export interface PendingImage {
  ref: string
  thumbUrl: string
}

export type ImageFailure = ImageRefusal | { kind: 'tooMany' }

export type ImageForm =
  | {
      kind: 'ok'
      fields: Record<string, string>
      /** Stored now or carried from an earlier answer of the same form (at most MAX_PROCESS_IMAGES). */
      images: PendingImage[]
      /** What went wrong with each refused file, by its name. */
      failures: Array<ImageFailure & { name: string }>
    }
  | { kind: 'tooLarge'; fields: Record<string, string>; headers: typeof UNREAD_BODY_HEADERS }
  | { kind: 'malformed'; headers: typeof UNREAD_BODY_HEADERS }

async function storeImage(kind: ImageOwnerKind, buffer: Buffer): Promise<PendingImage | ImageRefusal> {
  const image = await prepareImage(buffer, THUMB)
  if (image.kind !== 'ok') return image
  const id = await database().write(async (trx) => {
    const row = await trx
      .insertInto('process_images')
      .values({ owner_kind: kind, owner_id: null, upload_key: image.key, width: image.width, height: image.height, created_at: nowIso() })
      .returning('id')
      .executeTakeFirstOrThrow()
    await trx
      .insertInto('process_image_variants')
      .values(image.variants.map((v) => ({ image_id: row.id, size: v.size, mime: 'image/jpeg', width: v.width, height: v.height, data: v.data })))
      .execute()
    return row.id
  })
  return pendingView(id, image.key)
}

const pendingView = (id: number, key: string): PendingImage => ({ ref: `${id}.${key}`, thumbUrl: `${processImageUrl(id, 'thumb')}?key=${encodeURIComponent(key)}` })

/** The refs of a form that are pending images of this kind (a forged or attached ref is dropped). */
export async function pendingImages(kind: ImageOwnerKind, refs: readonly string[]): Promise<PendingImage[]> {
  const parsed = refs.map((r) => REF.exec(r)).filter((m): m is RegExpExecArray => m !== null)
  if (parsed.length === 0) return []
  const rows = await database()
    .db.selectFrom('process_images')
    .select(['id', 'upload_key'])
    .where(
      'id',
      'in',
      parsed.map((m) => Number(m[1])),
    )
    .where('owner_kind', '=', kind)
    .where('owner_id', 'is', null)
    .execute()
  const out: PendingImage[] = []
  for (const m of parsed) {
    const row = rows.find((r) => r.id === Number(m[1]))
    if (row && sameUploadKey(m[2]!, row.upload_key) && !out.some((p) => p.ref === m[0])) out.push(pendingView(row.id, m[2]!))
  }
  return out
}

/**
 * Reads a process form (multipart with up to MAX_PROCESS_IMAGES files in `images`, or urlencoded)
 * with the shared upload reader; stores each good file as a pending image; keeps the images carried
 * from an earlier answer (`imageRef`). 'malformed' → 400; 'tooLarge' → 413 (both with `headers`).
 */
export async function readImageForm(request: Request, kind: ImageOwnerKind): Promise<ImageForm> {
  const form = await readUploadForm(request, { fileField: IMAGES_FIELD, maxFiles: MAX_PROCESS_IMAGES, maxFileBytes: photoMaxBytes() })
  if (form.kind !== 'ok') return form
  const carried = await pendingImages(
    kind,
    form.values.filter(([name]) => name === IMAGE_REF_FIELD).map(([, value]) => value),
  )
  const images = [...carried]
  const failures: Array<ImageFailure & { name: string }> = []
  for (const file of form.files) {
    if ('tooMany' in file || images.length >= MAX_PROCESS_IMAGES) {
      failures.push({ kind: 'tooMany', name: file.name })
      continue
    }
    const stored = await storeImage(kind, file.data)
    if ('ref' in stored) images.push(stored)
    else failures.push({ ...stored, name: file.name })
  }
  return { kind: 'ok', fields: form.fields, images, failures }
}

/** The alt text a form gives its images (trimmed, at most IMAGE_ALT_MAX characters). */
export const altOf = (fields: Record<string, string>) => (fields[IMAGE_ALT_FIELD] ?? '').replace(/\s+/g, ' ').trim().slice(0, IMAGE_ALT_MAX)

/** Pending images a save attaches: their refs and the alt text the form gave them. */
export interface ImagesToAttach {
  refs: readonly string[]
  alt: string
}

/** Inside the caller's write: attaches one pending image (by its ref) to its owner; its id, or null for a forged or attached ref. */
export async function attachImage(trx: Transaction<Database>, kind: ImageOwnerKind, ownerId: number, ref: string, alt: string): Promise<number | null> {
  const m = REF.exec(ref)
  if (!m) return null
  const row = await trx.selectFrom('process_images').select(['upload_key']).where('id', '=', Number(m[1])).where('owner_kind', '=', kind).where('owner_id', 'is', null).executeTakeFirst()
  if (!row || !sameUploadKey(m[2]!, row.upload_key)) return null
  await trx.updateTable('process_images').set({ owner_id: ownerId, alt }).where('id', '=', Number(m[1])).execute()
  return Number(m[1])
}

/** Inside the caller's write: attaches pending images (by their refs) to their owner, with the alt text. */
export async function attachImages(trx: Transaction<Database>, kind: ImageOwnerKind, ownerId: number, refs: readonly string[], alt: string): Promise<number> {
  let attached = 0
  for (const ref of refs.slice(0, MAX_PROCESS_IMAGES)) if ((await attachImage(trx, kind, ownerId, ref, alt)) !== null) attached++
  return attached
}

/** Inside the caller's write: deletes an owner's attached images (a process's image replaced or removed). */
export async function deleteOwnerImages(trx: Transaction<Database>, kind: ImageOwnerKind, ownerId: number, keep: number | null = null): Promise<void> {
  let q = trx.selectFrom('process_images').select('id').where('owner_kind', '=', kind).where('owner_id', '=', ownerId)
  if (keep !== null) q = q.where('id', '!=', keep)
  const ids = (await q.execute()).map((r) => r.id)
  if (ids.length === 0) return
  await trx.deleteFrom('process_image_variants').where('image_id', 'in', ids).execute()
  await trx.deleteFrom('process_images').where('id', 'in', ids).execute()
}

export interface ShownImage {
  id: number
  alt: string
  width: number
  height: number
}

/** The attached images of some owners, in upload order, by owner id. */
export async function imagesOf(kind: ImageOwnerKind, ownerIds: readonly number[]): Promise<Map<number, ShownImage[]>> {
  const out = new Map<number, ShownImage[]>()
  if (ownerIds.length === 0) return out
  const rows = await database()
    .db.selectFrom('process_images')
    .select(['id', 'owner_id', 'alt', 'width', 'height'])
    .where('owner_kind', '=', kind)
    .where('owner_id', 'in', [...ownerIds])
    .orderBy('id')
    .execute()
  for (const r of rows) {
    const list = out.get(r.owner_id!) ?? []
    list.push({ id: r.id, alt: r.alt, width: r.width, height: r.height })
    out.set(r.owner_id!, list)
  }
  return out
}

/**
 * One size of an image, or null when it may not be seen: a pending image needs its key; a
 * process's image a published process whose image it is; a project's image a published process
 * and a project not withdrawn; a milestone's is public.
 */
export async function processImageVariant(id: number, size: string, key: string | null): Promise<{ mime: string; data: Buffer; access: 'public' | 'private' } | null> {
  if (!Number.isSafeInteger(id) || id <= 0 || !(PROCESS_IMAGE_SIZES as readonly string[]).includes(size)) return null
  const { db } = database()
  const row = await db
    .selectFrom('process_images as i')
    .innerJoin('process_image_variants as v', (join) => join.onRef('v.image_id', '=', 'i.id').on('v.size', '=', size))
    .select(['i.owner_kind', 'i.owner_id', 'i.upload_key', 'v.mime', 'v.data'])
    .where('i.id', '=', id)
    .executeTakeFirst()
  if (!row) return null
  if (row.owner_id === null) return key && sameUploadKey(key, row.upload_key) ? { mime: row.mime, data: row.data, access: 'private' } : null
  if (row.owner_kind === 'process') {
    const p = await db.selectFrom('participatory_processes').select(['published', 'image_id']).where('id', '=', row.owner_id).executeTakeFirst()
    if (!p || p.published !== 1 || p.image_id !== id) return null
  }
  if (row.owner_kind === 'project') {
    const project = await db
      .selectFrom('process_projects as j')
      .innerJoin('participatory_processes as p', 'p.id', 'j.process_id')
      .select(['j.state', 'p.published'])
      .where('j.id', '=', row.owner_id)
      .executeTakeFirst()
    if (!project || project.published !== 1 || project.state === 'withdrawn') return null
  }
  return { mime: row.mime, data: row.data, access: 'public' }
}

/** Deletes images never attached (their form was abandoned); returns how many. */
export async function deleteAbandonedProcessImages(olderThanHours = 24): Promise<number> {
  const cutoff = new Date(Date.now() - olderThanHours * 3_600_000).toISOString()
  return database().write(async (trx) => {
    const ids = (await trx.selectFrom('process_images').select('id').where('owner_id', 'is', null).where('created_at', '<', cutoff).execute()).map((r) => r.id)
    if (ids.length === 0) return 0
    // Variants first: PostgreSQL and SQLite both cascade, but SQLite only with foreign keys on.
    await trx.deleteFrom('process_image_variants').where('image_id', 'in', ids).execute()
    await trx.deleteFrom('process_images').where('id', 'in', ids).execute()
    return ids.length
  })
}

type Translate = (key: string, values?: Record<string, unknown>) => string

/** The sentence next to the images field: each refused file, by its name, and why. */
export function imageFailureMessage(t: Translate, failures: ReadonlyArray<ImageFailure & { name?: string }>): string {
  const values = (f: ImageFailure) => ({ format: 'format' in f ? f.format.toUpperCase() : '', mb: Math.round((photoMaxBytes() / MiB) * 10) / 10, max: MAX_PROCESS_IMAGES })
  return failures
    .map((f) => {
      const message = t(`photos:${f.kind}`, values(f))
      return f.name ? t('processes:images.named', { name: f.name, message }) : message
    })
    .join(' ')
}
