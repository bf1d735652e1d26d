import type { Transaction } from 'kysely'
import type { Database } from '../../../db/schema'
import { database, nowIso } from '../../lib/db.server'
import { photoMaxBytes, prepareImage, sameUploadKey as sameKey, UNREAD_BODY_HEADERS, type ImageRefusal } from '../../lib/images.server'
import { readUploadForm } from '../../lib/uploads.server'
import type { PhotoFailure } from '../reports/photos.server'
import { isPublicState } from './states'

/**
 * A proposal's image (one per proposal), through the shared pipeline (app/lib/images.server.ts and
 * uploads.server.ts), as report photos: judged by its content, never its name; refused while
 * streaming once over PHOTO_MAX_BYTES; decoded once and re-encoded as JPEG variants from the pixels
 * alone, so no byte of metadata (EXIF GPS, camera owner) is kept. An image is stored before its
 * proposal is saved and travels in the form as an "id.key" ref until a save attaches it; images
 * never attached are deleted after a day (deleteAbandonedProposalImages).
 */

export const IMAGE_FIELD = 'image'
export const IMAGE_REF_FIELD = 'imageRef'
export const IMAGE_SIZES = ['full', 'medium', 'thumb'] as const
export type ImageSize = (typeof IMAGE_SIZES)[number]
export const isImageSize = (s: string): s is ImageSize => (IMAGE_SIZES as readonly string[]).includes(s)

// Lists show 16:9 cards; the page shows the medium size, the link opens the full one.
const THUMB = { width: 320, height: 180 } as const

export type StoreResult = { kind: 'stored'; id: number; ref: string; width: number; height: number } | ImageRefusal

/** Stores an upload as a pending image (no proposal yet); the form carries the returned ref. */
export async function storeProposalImage(buffer: Buffer): Promise<StoreResult> {
  const image = await prepareImage(buffer, { ...THUMB, position: 'attention' })
  if (image.kind !== 'ok') return image
  const { variants, key } = image
  const full = { width: image.width, height: image.height }
  const id = await database().write(async (trx) => {
    const row = await trx
      .insertInto('proposal_images')
      .values({ proposal_id: null, upload_key: key, width: full.width, height: full.height, created_at: nowIso() })
      .returning('id')
      .executeTakeFirstOrThrow()
    await trx
      .insertInto('proposal_image_variants')
      .values(variants.map((v) => ({ image_id: row.id, size: v.size, mime: 'image/jpeg', width: v.width, height: v.height, data: v.data })))
      .execute()
    return row.id
  })
  return { kind: 'stored', id, ref: `${id}.${key}`, width: full.width, height: full.height }
}

const REF = /^(\d{1,15})\.([A-Za-z0-9_-]{16,64})$/
export const isImageRef = (ref: unknown): ref is string => typeof ref === 'string' && REF.test(ref)

export const imageUrl = (id: number, size: ImageSize) => `/proposals/images/${id}/${size}.jpg`

/** A pending image the form carries (its preview URL holds the key), or null if the ref is not one. */
export async function pendingImage(ref: string | null | undefined): Promise<{ ref: string; thumbUrl: string; width: number; height: number } | null> {
  const match = ref ? REF.exec(ref) : null
  if (!match) return null
  const id = Number(match[1])
  const row = await database().db.selectFrom('proposal_images').select(['upload_key', 'width', 'height']).where('id', '=', id).where('proposal_id', 'is', null).executeTakeFirst()
  if (!row || !sameKey(match[2]!, row.upload_key)) return null
  return { ref: `${id}.${match[2]}`, thumbUrl: `${imageUrl(id, 'thumb')}?key=${encodeURIComponent(match[2]!)}`, width: row.width, height: row.height }
}

/**
 * Inside the caller's write: attaches a pending image to a proposal (replacing and deleting the one
 * it had); returns the image id, or null when the ref is not a pending image's.
 */
export async function attachImage(trx: Transaction<Database>, proposalId: number, ref: string): Promise<number | null> {
  const match = REF.exec(ref)
  if (!match) return null
  const id = Number(match[1])
  const row = await trx.selectFrom('proposal_images').select(['upload_key']).where('id', '=', id).where('proposal_id', 'is', null).executeTakeFirst()
  if (!row || !sameKey(match[2]!, row.upload_key)) return null
  await trx.updateTable('proposal_images').set({ proposal_id: proposalId }).where('id', '=', id).execute()
  // A proposal has one image: the one it had goes (its variants with it, on delete cascade).
  await trx.deleteFrom('proposal_images').where('proposal_id', '=', proposalId).where('id', '!=', id).execute()
  return id
}

/** Inside the caller's write: removes a proposal's image. */
export async function detachImages(trx: Transaction<Database>, proposalId: number): Promise<void> {
  await trx.deleteFrom('proposal_images').where('proposal_id', '=', proposalId).execute()
}

export interface ImageVariant {
  mime: string
  data: Buffer
  /** 'public': anyone, forever the same bytes; 'private': the uploader, author or a moderator only. */
  access: 'public' | 'private'
}

/**
 * One size of an image, or null when this viewer may not see it: a pending image needs its key;
 * an attached one a public proposal, unless the viewer is its author (a draft) or a moderator.
 */
export async function imageVariant(id: number, size: string, options: { key?: string | null; viewerId?: number | null; moderator?: boolean } = {}): Promise<ImageVariant | null> {
  if (!Number.isSafeInteger(id) || id <= 0 || !isImageSize(size)) return null
  const row = await database()
    .db.selectFrom('proposal_images as i')
    .innerJoin('proposal_image_variants as v', (join) => join.onRef('v.image_id', '=', 'i.id').on('v.size', '=', size))
    .leftJoin('proposals as p', 'p.id', 'i.proposal_id')
    .select(['i.proposal_id', 'i.upload_key', 'p.state', 'p.author_id', 'v.mime', 'v.data'])
    .where('i.id', '=', id)
    .executeTakeFirst()
  if (!row) return null
  const variant = { mime: row.mime, data: row.data }
  if (row.proposal_id === null) return options.key && sameKey(options.key, row.upload_key) ? { ...variant, access: 'private' } : null
  if (row.state && isPublicState(row.state)) return { ...variant, access: 'public' }
  const author = options.viewerId != null && row.author_id === options.viewerId
  if (author || (options.moderator && row.state === 'hidden')) return { ...variant, access: 'private' }
  return null
}

/** Deletes images never attached to a proposal (the form was abandoned); returns how many. */
export async function deleteAbandonedProposalImages(olderThanHours = 24): Promise<number> {
  const cutoff = new Date(Date.now() - olderThanHours * 3_600_000).toISOString()
  return database().write(async (trx) => {
    const result = await trx.deleteFrom('proposal_images').where('proposal_id', 'is', null).where('created_at', '<', cutoff).executeTakeFirst()
    return Number(result.numDeletedRows)
  })
}

export type ImageUpload = StoreResult & { name: string }

export type ProposalFormResult =
  | { kind: 'ok'; fields: Record<string, string>; image: ImageUpload | null }
  | { kind: 'tooLarge'; fields: Record<string, string>; headers: typeof UNREAD_BODY_HEADERS }
  | { kind: 'malformed'; headers: typeof UNREAD_BODY_HEADERS }

/**
 * Reads the proposal form (multipart with an optional image, or urlencoded) with the shared upload
 * reader: the image is counted as it streams and the read stops the moment it passes
 * photoMaxBytes(). 'malformed' → 400, 'tooLarge' → 413, both with `headers`.
 */
export async function readProposalForm(request: Request): Promise<ProposalFormResult> {
  const form = await readUploadForm(request, { fileField: IMAGE_FIELD, maxFiles: 1, maxFileBytes: photoMaxBytes() })
  if (form.kind !== 'ok') return form
  // Only the first image is wanted; any other file was read through (and counted), not kept.
  const chosen = form.files[0]
  return { kind: 'ok', fields: form.fields, image: chosen && !('tooMany' in chosen) ? { ...(await storeProposalImage(chosen.data)), name: chosen.name } : null }
}

/** For photoErrorMessage (app/modules/reports/photos.server.ts): the same sentences as report photos. */
export const imageFailure = (result: Exclude<StoreResult, { kind: 'stored' }>): PhotoFailure => result
