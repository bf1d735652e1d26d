import crypto from 'node:crypto'
import sharp, { type Metadata, type Sharp } from 'sharp'
// exifr's package has no "exports" map: Node loads its UMD build, where only the default export is certain.
import exifr from 'exifr'

/**
 * The one image pipeline (sharp, ADR 040 and 115): read an upload, judge it by its content (never
 * its name or declared type), refuse what is too large in bytes or pixels, read its GPS position
 * (to offer it for a pin), then decode once and re-encode from the pixels alone, so no byte of the
 * input's metadata (EXIF GPS, camera owner) is kept. Report photos, proposal images,
 * representatives' portraits and the city's logo use it; each capability stores the result in its
 * own tables. The HTTP answer for a stored image is here too.
 */

export const MiB = 1024 * 1024
export const DEFAULT_PHOTO_MAX_BYTES = 10 * MiB
// Decompression bombs: a 50 KB PNG can declare 100,000 × 100,000 pixels. 50 Mpx still admits the
// 48–50 Mpx modes of current phones (8160 × 6120); a 200 Mpx photo is over the byte limit anyway.
export const MAX_PIXELS = 50_000_000

/** PHOTO_MAX_BYTES: the largest photo accepted, in bytes (default 10 MiB). */
export function photoMaxBytes(): number {
  const raw = process.env.PHOTO_MAX_BYTES?.trim()
  const value = raw ? Number(raw) : NaN
  return Number.isSafeInteger(value) && value > 0 ? value : DEFAULT_PHOTO_MAX_BYTES
}

export type PhotoFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'heic'
export interface GpsPosition {
  lat: number
  lng: number
}

export type Inspection = { kind: 'ok'; format: PhotoFormat; width: number; height: number; gps: GpsPosition | null } | { kind: 'notAnImage' } | { kind: 'unsupported'; format: string }

export type ImageFormat = PhotoFormat
export type ImageSize = 'full' | 'medium' | 'thumb'
export type ImageRefusal = { kind: 'notAnImage' } | { kind: 'unsupported'; format: string } | { kind: 'tooLarge' }

/** Upload keys (the secret half of an "id.key" ref) compared in constant time. */
export function sameUploadKey(given: string, stored: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(stored)
  return a.length === b.length && crypto.timingSafeEqual(a, b)
}

/**
 * An already metadata-free JPEG resized to fit a square of `side` pixels (never enlarged),
 * re-encoded as JPEG: resizing writes no metadata either.
 */
export async function resizeJpeg(data: Buffer, side: number): Promise<Buffer> {
  return sharp(data).resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true }).jpeg({ quality: JPEG.quality }).toBuffer()
}

/**
 * An upload re-encoded as PNG (transparency kept) in a box of `side` pixels: 'inside' keeps the
 * proportions (a logo), 'contain' pads to a square (a favicon). Throws when the bytes are not an
 * image sharp can read.
 */
export async function renderPng(bytes: Buffer, side: number, fit: 'inside' | 'contain', maxPixels = 40_000_000): Promise<Buffer> {
  return sharp(bytes, { limitInputPixels: maxPixels })
    .rotate()
    .resize(side, side, { fit, withoutEnlargement: fit === 'inside', background: { r: 0, g: 0, b: 0, alpha: 0 } })
    .png()
    .toBuffer()
}

// The prebuilt libvips decodes AVIF (AV1) but usually not HEIC (HEVC is patent-encumbered);
// sharp lists the suffixes its heif loader really reads.
const heicDecodable = () => sharp.format.heif?.input.fileSuffix?.includes('.heic') ?? false

/** What an upload really is, from its bytes, and where it was taken (EXIF GPS), if it says. */
export async function inspectImage(buffer: Buffer): Promise<Inspection> {
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
const LONG_SIDE: Record<'full' | 'medium', number> = { full: 1600, medium: 800 }
const THUMB_SIDE = 240

export interface Variant {
  size: ImageSize
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
  const encode = async (size: ImageSize, image: Sharp): Promise<Variant> => {
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
 * key: the part report photos, proposal images and representatives' portraits share before each
 * stores them in its own tables.
 */
export async function prepareImage(
  buffer: Buffer,
  // Square thumbnails keep report lists and timelines on one grid.
  thumb: { width: number; height: number; position: 'centre' | 'attention' } = { width: THUMB_SIDE, height: THUMB_SIDE, position: 'centre' },
): Promise<PreparedImage | ImageRefusal> {
  if (buffer.length > photoMaxBytes()) return { kind: 'tooLarge' }
  const inspection = await inspectImage(buffer)
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

/**
 * A refused form leaves the rest of its body unread on the connection. Kept alive, that
 * connection stalls: the browser keeps uploading into a server that no longer reads, and never
 * shows the answer (Chromium, measured). Closing it after the answer lets the browser show it.
 */
export const UNREAD_BODY_HEADERS = { Connection: 'close' } as const

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
