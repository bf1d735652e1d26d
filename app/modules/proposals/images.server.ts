import crypto from 'node:crypto'
import { unstable_parseMultipartFormData, type UploadHandler } from '@remix-run/node'
import type { Transaction } from 'kysely'
import type { Database } from '../../../db/schema'
import { database, nowIso } from '../../lib/db.server'
import { prepareImage, photoMaxBytes, UNREAD_BODY_HEADERS, type PhotoFailure } from '../reports/photos.server'
import { isPublicState } from './states'

/**
 * A proposal's image (one per proposal). As report photos (app/modules/reports/photos.server.ts,
 * whose inspectPhoto and limits this reuses): judged by its content, never its name; refused while
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

const TEXT_LIMIT = 1024 * 1024
// Lists show 16:9 cards; the page shows the medium size, the link opens the full one.
const THUMB = { width: 320, height: 180 } as const

export type StoreResult =
  | { kind: 'stored'; id: number; ref: string; width: number; height: number }
  | { kind: 'notAnImage' }
  | { kind: 'unsupported'; format: string }
  | { kind: 'tooLarge' }

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

function sameKey(given: string, stored: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(stored)
  return a.length === b.length && crypto.timingSafeEqual(a, b)
}

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

class BodyTooLarge extends Error {}

/**
 * Reads the proposal form (multipart with an optional image, or urlencoded). The image is counted
 * as it streams and the read stops the moment it passes photoMaxBytes(); a declared length over
 * what the form can need is refused before reading. 'malformed' → 400, 'tooLarge' → 413, both
 * with `headers` (the connection is closed: the unread body would stall it).
 */
export async function readProposalForm(request: Request): Promise<ProposalFormResult> {
  const maxBytes = photoMaxBytes()
  const bodyLimit = maxBytes + TEXT_LIMIT
  const declared = Number(request.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > bodyLimit) return { kind: 'tooLarge', fields: {}, headers: UNREAD_BODY_HEADERS }
  const fields: Record<string, string> = Object.create(null)
  const addField = (name: string, value: string) => {
    if (!(name in fields)) fields[name] = value
  }
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (type === 'application/x-www-form-urlencoded') {
    try {
      const body = await readText(request.body, TEXT_LIMIT)
      for (const [name, value] of new URLSearchParams(body)) addField(name, value)
    } catch (error) {
      if (error instanceof BodyTooLarge) return { kind: 'tooLarge', fields: {}, headers: UNREAD_BODY_HEADERS }
      return { kind: 'malformed', headers: UNREAD_BODY_HEADERS }
    }
    return { kind: 'ok', fields, image: null }
  }
  if (type !== 'multipart/form-data') return { kind: 'malformed', headers: UNREAD_BODY_HEADERS }

  let file: { name: string; data: Buffer } | null = null
  let textBytes = 0
  let totalBytes = 0
  const decoder = new TextDecoder()
  const handler: UploadHandler = async (part) => {
    if (part.filename === undefined && part.name !== IMAGE_FIELD) {
      const chunks: Uint8Array[] = []
      for await (const chunk of part.data) {
        textBytes += chunk.length
        if (textBytes > TEXT_LIMIT) throw new BodyTooLarge()
        chunks.push(chunk)
      }
      addField(part.name, decoder.decode(Buffer.concat(chunks)))
      return null
    }
    // Only the first image is wanted; any other file is read through (and counted), not kept.
    const wanted = part.name === IMAGE_FIELD && file === null
    const chunks: Uint8Array[] = []
    let size = 0
    for await (const chunk of part.data) {
      size += chunk.length
      totalBytes += chunk.length
      if (size > maxBytes || totalBytes > bodyLimit) throw new BodyTooLarge()
      if (wanted) chunks.push(chunk)
    }
    // An empty file input still sends a part: no name, no bytes.
    if (wanted && !(size === 0 && !part.filename)) file = { name: part.filename ?? '', data: Buffer.concat(chunks) }
    return null
  }
  try {
    await unstable_parseMultipartFormData(request, handler)
  } catch (error) {
    if (error instanceof BodyTooLarge) return { kind: 'tooLarge', fields, headers: UNREAD_BODY_HEADERS }
    return { kind: 'malformed', headers: UNREAD_BODY_HEADERS }
  }
  const chosen = file as { name: string; data: Buffer } | null
  return { kind: 'ok', fields, image: chosen ? { ...(await storeProposalImage(chosen.data)), name: chosen.name } : null }
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

/** For photoErrorMessage (app/modules/reports/photos.server.ts): the same sentences as report photos. */
export const imageFailure = (result: Exclude<StoreResult, { kind: 'stored' }>): PhotoFailure => result
