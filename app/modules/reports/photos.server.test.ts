import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import sharp from 'sharp'
import exifr from 'exifr'
import type { ReportStateKind } from '../../../db/schema'
import { database, nowIso } from '../../lib/db.server'
import { inspectImage as inspectPhoto, photoMaxBytes } from '../../lib/images.server'
import { translator } from '../../lib/i18n.server'
import { createSession, sessionSetCookie } from '../accounts/sessions.server'
import { makeUser, seededDatabase } from '../../../tests/support/fixtures'
import { startPlaza, type RunningPlaza } from '../../../tests/support/server'
import { loader } from '../../routes/reports.photos.$id.$size'
import { MAX_PHOTOS, PHOTO_FIELD, attachPhotos, deleteAbandonedPhotos, pendingPhotos, photoErrorKey, photoErrorMessage, photoVariant, photosOf, readReportForm, storePhoto } from './photos.server'

beforeAll(async () => {
  await seededDatabase()
})

const originalMax = process.env.PHOTO_MAX_BYTES
afterEach(() => {
  if (originalMax === undefined) delete process.env.PHOTO_MAX_BYTES
  else process.env.PHOTO_MAX_BYTES = originalMax
})

// Plaça de Catalunya, as a phone writes it: degrees, minutes, seconds as rationals.
const GPS = { lat: 41 + 23 / 60 + 18.9 / 3600, lng: 2 + 10 / 60 + 48 / 3600 }

/** A 3000 × 2000 JPEG taken "on its side" (EXIF orientation 6) with GPS, camera and copyright tags. */
async function phoneJpeg(): Promise<Buffer> {
  return sharp({ create: { width: 3000, height: 2000, channels: 3, background: { r: 180, g: 120, b: 60 } } })
    .jpeg({ quality: 90 })
    .withMetadata({ orientation: 6 })
    .withExif({
      IFD0: { Make: 'PlazaPhone', Model: 'Test 1', Copyright: 'A. Reporter' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '41/1 23/1 1890/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 10/1 4800/100' },
    })
    .toBuffer()
}

const solid = (format: 'png' | 'webp' | 'avif' | 'gif' | 'jpeg', width = 320, height = 200) =>
  sharp({ create: { width, height, channels: 4, background: { r: 10, g: 120, b: 200, alpha: 0.6 } } })
    .toFormat(format)
    .toBuffer()

/** A PNG whose header claims 100,000 × 100,000 pixels: a decompression bomb in 60 bytes. */
function pngBomb(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
    const length = Buffer.alloc(4)
    length.writeUInt32BE(data.length)
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(zlib.crc32(body))
    return Buffer.concat([length, body, crc])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(100_000, 0)
  ihdr.writeUInt32BE(100_000, 4)
  ihdr.set([8, 2, 0, 0, 0], 8) // 8-bit RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.alloc(64))), chunk('IEND', Buffer.alloc(0))])
}

const variantsOf = (photoId: number) => database().db.selectFrom('report_photo_variants').selectAll().where('photo_id', '=', photoId).orderBy('size').execute()

async function stored(buffer: Buffer) {
  const result = await storePhoto(buffer)
  if (result.kind !== 'stored') throw new Error(`expected stored, got ${result.kind}`)
  return result
}

async function makeReport(state = 'confirmed', kind: ReportStateKind = 'open') {
  const { db } = database()
  const category = await db.selectFrom('report_categories').select('id').orderBy('id').executeTakeFirstOrThrow()
  const department = await db.selectFrom('departments').select('id').orderBy('id').executeTakeFirstOrThrow()
  const now = nowIso()
  return database().write(async (trx) => {
    const row = await trx
      .insertInto('reports')
      .values({
        category_id: category.id,
        department_id: department.id,
        state,
        state_kind: kind,
        title: 'Pothole',
        description: 'A deep one',
        lat: GPS.lat,
        lng: GPS.lng,
        address: null,
        area_id: null,
        district_id: null,
        reporter_id: null,
        reporter_email: null,
        reporter_name: 'A. Reporter',
        assignee_id: null,
        duplicate_of: null,
        api_key_id: null,
        confirm_token_hash: null,
        open311_token: null,
        locale: 'en',
        created_at: now,
        confirmed_at: null,
        first_response_at: null,
        fixed_at: null,
        closed_at: null,
        updated_at: now,
        questionnaire_due_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    return row.id
  })
}

const attach = (reportId: number, refs: string[]) => database().write((trx) => attachPhotos(trx, reportId, refs))

function formRequest(form: FormData): Request {
  return new Request('http://localhost/reports/new', { method: 'POST', body: form })
}

describe('inspectPhoto and storePhoto', () => {
  it('reads the GPS position of a phone photo, then stores variants without any metadata', async () => {
    const jpeg = await phoneJpeg()
    // The fixture really carries what a phone writes.
    expect(jpeg.includes(Buffer.from('Exif\0\0'))).toBe(true)
    const gps = await exifr.gps(jpeg)
    expect(gps.latitude).toBeCloseTo(GPS.lat, 5)
    expect(gps.longitude).toBeCloseTo(GPS.lng, 5)
    expect((await sharp(jpeg).metadata()).orientation).toBe(6)

    const inspection = await inspectPhoto(jpeg)
    expect(inspection).toMatchObject({ kind: 'ok', format: 'jpeg', width: 2000, height: 3000 })
    if (inspection.kind !== 'ok') throw new Error('unreachable')
    expect(inspection.gps!.lat).toBeCloseTo(GPS.lat, 5)
    expect(inspection.gps!.lng).toBeCloseTo(GPS.lng, 5)

    const result = await stored(jpeg)
    expect(result.gps!.lat).toBeCloseTo(GPS.lat, 5)
    expect(result.ref).toBe(`${result.id}.${result.key}`)
    expect(result.key).toMatch(/^[A-Za-z0-9_-]{24}$/)
    // Turned upright, then fitted in 1600 px.
    expect([result.width, result.height]).toEqual([1067, 1600])

    const variants = await variantsOf(result.id)
    expect(variants.map((v) => [v.size, v.width, v.height, v.mime])).toEqual([
      ['full', 1067, 1600, 'image/jpeg'],
      ['medium', 534, 800, 'image/jpeg'],
      ['thumb', 240, 240, 'image/jpeg'],
    ])
    for (const v of variants) {
      const meta = await sharp(v.data).metadata()
      expect(meta.format).toBe('jpeg')
      expect(meta.exif).toBeUndefined()
      expect(meta.xmp).toBeUndefined()
      expect(meta.icc).toBeUndefined()
      expect(meta.orientation).toBeUndefined()
      expect(await exifr.parse(v.data, true)).toBeUndefined()
      expect(await exifr.gps(v.data)).toBeUndefined()
      for (const needle of ['Exif', 'PlazaPhone', 'A. Reporter', 'http://ns.adobe.com/xap']) expect(v.data.includes(Buffer.from(needle))).toBe(false)
    }
  })

  it.each(['png', 'webp', 'avif'] as const)('accepts %s (judged by content) and stores JPEG variants', async (format) => {
    const buffer = await solid(format)
    expect(await inspectPhoto(buffer)).toEqual({ kind: 'ok', format, width: 320, height: 200, gps: null })
    const result = await stored(buffer)
    expect([result.width, result.height]).toEqual([320, 200])
    const variants = await variantsOf(result.id)
    // Small photos are not enlarged; thumbnails are always the square.
    expect(variants.map((v) => [v.size, v.width, v.height])).toEqual([
      ['full', 320, 200],
      ['medium', 320, 200],
      ['thumb', 240, 240],
    ])
    // Transparency lands on white, not black.
    const { data } = await sharp(variants[0]!.data).raw().toBuffer({ resolveWithObject: true })
    expect(data[0]).toBeGreaterThan(80)
  })

  it('refuses what is not an image, whatever it is called', async () => {
    expect(await inspectPhoto(Buffer.from('Dear council, there is a pothole.\n'))).toEqual({ kind: 'notAnImage' })
    expect(await inspectPhoto(Buffer.alloc(0))).toEqual({ kind: 'notAnImage' })
    expect(await storePhoto(Buffer.from('%PDF-1.4 not really'))).toEqual({ kind: 'notAnImage' })
    // A JPEG cut short after its header is not a photo either.
    const jpeg = await phoneJpeg()
    expect(await storePhoto(jpeg.subarray(0, 700))).toEqual({ kind: 'notAnImage' })
  })

  it('refuses images in formats it does not take', async () => {
    expect(await inspectPhoto(await solid('gif'))).toEqual({ kind: 'unsupported', format: 'gif' })
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>')
    expect(await storePhoto(svg)).toEqual({ kind: 'unsupported', format: 'svg' })
  })

  it('refuses a decompression bomb without decoding it, and a file over the byte limit', async () => {
    const bomb = pngBomb()
    expect(bomb.length).toBeLessThan(200)
    expect(await inspectPhoto(bomb)).toMatchObject({ kind: 'ok', width: 100_000, height: 100_000 })
    expect(await storePhoto(bomb)).toEqual({ kind: 'tooLarge' })
    process.env.PHOTO_MAX_BYTES = '1000'
    expect(photoMaxBytes()).toBe(1000)
    expect(await storePhoto(await phoneJpeg())).toEqual({ kind: 'tooLarge' })
  })

  it('reads PHOTO_MAX_BYTES, 10 MiB by default', () => {
    delete process.env.PHOTO_MAX_BYTES
    expect(photoMaxBytes()).toBe(10 * 1024 * 1024)
    process.env.PHOTO_MAX_BYTES = '2097152'
    expect(photoMaxBytes()).toBe(2 * 1024 * 1024)
  })
})

describe('readReportForm', () => {
  it('stores each chosen photo, skips empty file inputs and returns the text fields', async () => {
    const form = new FormData()
    form.append('title', 'Pothole on Carrer Major')
    form.append('photoRef', '12.abcdefghijklmnopqrstuvwx')
    form.append(PHOTO_FIELD, new File([new Uint8Array(await solid('png'))], 'IMG_0001.png', { type: 'image/png' }))
    // What a browser sends for a file input with nothing chosen.
    form.append(PHOTO_FIELD, new File([], '', { type: 'application/octet-stream' }))
    form.append(PHOTO_FIELD, new File(['just some text'], 'x.jpg', { type: 'image/jpeg' }))
    form.append('description', 'Deep, near the school')
    form.append('photoRef', '13.abcdefghijklmnopqrstuvwx')
    const result = await readReportForm(formRequest(form))
    if (result.kind !== 'ok') throw new Error(result.kind)
    expect(result.fields).toEqual({ title: 'Pothole on Carrer Major', photoRef: '12.abcdefghijklmnopqrstuvwx', description: 'Deep, near the school' })
    expect(result.photoRefs).toEqual(['12.abcdefghijklmnopqrstuvwx', '13.abcdefghijklmnopqrstuvwx'])
    expect(result.photos.map((p) => [p.kind, p.name])).toEqual([
      ['stored', 'IMG_0001.png'],
      ['notAnImage', 'x.jpg'],
    ])

    const refused = result.photos[1]!
    if (refused.kind === 'stored') throw new Error('unreachable')
    expect(photoErrorKey(refused)).toBe('photos:notAnImage')
    expect(photoErrorMessage(translator('en'), refused, 2)).toBe('Photo 2 (x.jpg): This file is not an image. Please choose a photo (JPEG, PNG or WebP).')
    expect(photoErrorMessage(translator('es'), refused, 2)).toBe('Foto 2 (x.jpg): Este archivo no es una imagen. Elige una foto (JPEG, PNG o WebP).')
    expect(photoErrorMessage(translator('fr'), { kind: 'tooLarge' })).toBe('Cette photo est trop lourde : chaque photo peut faire au plus 10 Mo.')
    expect(photoErrorMessage(translator('en'), { kind: 'unsupported', format: 'gif' })).toBe('GIF files cannot be used here. Please choose a JPEG, PNG or WebP photo.')
  })

  it('skips the empty part a browser sends for a file input with nothing chosen', async () => {
    const body =
      '--XyZ\r\nContent-Disposition: form-data; name="photo"; filename=""\r\nContent-Type: application/octet-stream\r\n\r\n\r\n' +
      '--XyZ\r\nContent-Disposition: form-data; name="title"\r\n\r\nLamp out\r\n--XyZ--\r\n'
    const request = new Request('http://localhost/reports/new', { method: 'POST', body, headers: { 'content-type': 'multipart/form-data; boundary=XyZ' } })
    expect(await readReportForm(request)).toEqual({ kind: 'ok', fields: { title: 'Lamp out' }, photoRefs: [], photos: [] })
  })

  it(`takes at most ${MAX_PHOTOS} photos and says which ones were left out`, async () => {
    const png = new Uint8Array(await solid('png', 40, 30))
    const form = new FormData()
    for (let i = 1; i <= 5; i++) form.append(PHOTO_FIELD, new File([png], `p${i}.png`, { type: 'image/png' }))
    const result = await readReportForm(formRequest(form))
    if (result.kind !== 'ok') throw new Error(result.kind)
    expect(result.photos.map((p) => [p.kind, p.name])).toEqual([
      ['stored', 'p1.png'],
      ['stored', 'p2.png'],
      ['stored', 'p3.png'],
      ['tooMany', 'p4.png'],
      ['tooMany', 'p5.png'],
    ])
    const extra = result.photos[3]!
    if (extra.kind === 'stored') throw new Error('unreachable')
    expect(photoErrorKey(extra)).toBe('photos:tooMany')
    expect(photoErrorMessage(translator('en'), extra, 4)).toBe('Photo 4 (p4.png): You can attach at most 3 photos, so this one was left out.')
  })

  it('refuses an oversized photo while it streams in, long before the end of the body', async () => {
    process.env.PHOTO_MAX_BYTES = String(256 * 1024)
    const total = 8 * 1024 * 1024
    const chunk = new Uint8Array(64 * 1024).fill(0xab)
    const head = new TextEncoder().encode(
      '--XyZ\r\nContent-Disposition: form-data; name="title"\r\n\r\nPothole\r\n' + '--XyZ\r\nContent-Disposition: form-data; name="photo"; filename="huge.jpg"\r\nContent-Type: image/jpeg\r\n\r\n',
    )
    const tail = new TextEncoder().encode('\r\n--XyZ--\r\n')
    let pulled = 0
    let sentHead = false
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (!sentHead) {
          sentHead = true
          controller.enqueue(head)
        } else if (pulled < total) {
          pulled += chunk.length
          controller.enqueue(chunk)
        } else {
          controller.enqueue(tail)
          controller.close()
        }
      },
    })
    // Streamed (no Content-Length), as a browser's chunked upload or a lying client would send it.
    const init: RequestInit & { duplex: 'half' } = { method: 'POST', body, duplex: 'half', headers: { 'content-type': 'multipart/form-data; boundary=XyZ' } }
    const result = await readReportForm(new Request('http://localhost/reports/new', init))
    expect(result).toEqual({ kind: 'tooLarge', maxBytes: 256 * 1024, fields: { title: 'Pothole' }, headers: { Connection: 'close' } })
    expect(pulled).toBeGreaterThan(256 * 1024)
    expect(pulled).toBeLessThan(512 * 1024)
    expect(pulled).toBeLessThan(total / 10)
  })

  it('refuses a body whose Content-Length is over what a full form may need without reading it', async () => {
    process.env.PHOTO_MAX_BYTES = String(1024 * 1024)
    let pulled = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++
        controller.enqueue(new Uint8Array(1024))
      },
    })
    const init: RequestInit & { duplex: 'half' } = {
      method: 'POST',
      body,
      duplex: 'half',
      headers: { 'content-type': 'multipart/form-data; boundary=XyZ', 'content-length': String(5 * 1024 * 1024) },
    }
    expect(await readReportForm(new Request('http://localhost/reports/new', init))).toEqual({
      kind: 'tooLarge',
      maxBytes: 1024 * 1024,
      fields: {},
      headers: { Connection: 'close' },
    })
    expect(pulled).toBeLessThanOrEqual(1)
  })

  it('reads urlencoded forms (no photos) and calls a broken body malformed', async () => {
    const urlencoded = new Request('http://localhost/reports/new', {
      method: 'POST',
      body: new URLSearchParams([
        ['title', 'Bin'],
        ['photoRef', '1.aaaaaaaaaaaaaaaaaaaaaaaa'],
        ['photoRef', '2.bbbbbbbbbbbbbbbbbbbbbbbb'],
      ]),
    })
    expect(await readReportForm(urlencoded)).toEqual({
      kind: 'ok',
      fields: { title: 'Bin', photoRef: '1.aaaaaaaaaaaaaaaaaaaaaaaa' },
      photoRefs: ['1.aaaaaaaaaaaaaaaaaaaaaaaa', '2.bbbbbbbbbbbbbbbbbbbbbbbb'],
      photos: [],
    })
    const broken = new Request('http://localhost/reports/new', {
      method: 'POST',
      body: '--XyZ\r\nContent-Disposition: form-data; name="title"\r\n\r\nno end',
      headers: { 'content-type': 'multipart/form-data; boundary=XyZ' },
    })
    expect(await readReportForm(broken)).toEqual({ kind: 'malformed', headers: { Connection: 'close' } })
    const noBoundary = new Request('http://localhost/reports/new', { method: 'POST', body: 'x', headers: { 'content-type': 'multipart/form-data' } })
    expect(await readReportForm(noBoundary)).toEqual({ kind: 'malformed', headers: { Connection: 'close' } })
    const plain = new Request('http://localhost/reports/new', { method: 'POST', body: 'title=x', headers: { 'content-type': 'text/plain' } })
    expect(await readReportForm(plain)).toEqual({ kind: 'malformed', headers: { Connection: 'close' } })
  })
})

describe('pending, attached and hidden photos', () => {
  it('keeps pending photos to the holder of their ref, then attaches them to one report only', async () => {
    const a = await stored(await solid('png'))
    const b = await stored(await solid('webp'))
    const forged = `${a.id}.${'x'.repeat(24)}`

    const pending = await pendingPhotos([a.ref, 'garbage', forged, `${b.ref}`, a.ref])
    expect(pending).toEqual([
      { id: a.id, ref: a.ref, width: 320, height: 200, thumbUrl: `/reports/photos/${a.id}/thumb.jpg?key=${a.key}` },
      { id: b.id, ref: b.ref, width: 320, height: 200, thumbUrl: `/reports/photos/${b.id}/thumb.jpg?key=${b.key}` },
    ])
    // The uploader's preview needs the key; nobody else sees a pending photo.
    expect(await photoVariant(a.id, 'thumb')).toBeNull()
    expect(await photoVariant(a.id, 'thumb', { key: 'x'.repeat(24) })).toBeNull()
    expect(await photoVariant(a.id, 'thumb', { key: a.key })).toMatchObject({ access: 'pending', mime: 'image/jpeg', width: 240 })

    const reportId = await makeReport()
    expect(await attach(reportId, [forged, b.ref, a.ref, 'nonsense'])).toBe(2)
    const report = await database().db.selectFrom('reports').select('photo_count').where('id', '=', reportId).executeTakeFirstOrThrow()
    expect(report.photo_count).toBe(2)
    // Once attached, a ref is spent: it neither shows as pending nor attaches elsewhere.
    expect(await pendingPhotos([a.ref, b.ref])).toEqual([])
    expect(await attach(await makeReport(), [a.ref])).toBe(0)

    expect(await photosOf(reportId)).toEqual([
      { id: b.id, width: 320, height: 200, hidden: false, url: `/reports/photos/${b.id}/medium.jpg`, thumbUrl: `/reports/photos/${b.id}/thumb.jpg`, fullUrl: `/reports/photos/${b.id}/full.jpg` },
      { id: a.id, width: 320, height: 200, hidden: false, url: `/reports/photos/${a.id}/medium.jpg`, thumbUrl: `/reports/photos/${a.id}/thumb.jpg`, fullUrl: `/reports/photos/${a.id}/full.jpg` },
    ])
    expect(await photoVariant(a.id, 'medium')).toMatchObject({ access: 'public' })
    expect(await photoVariant(a.id, 'huge')).toBeNull()
  })

  it(`never attaches more than ${MAX_PHOTOS} photos to a report`, async () => {
    const reportId = await makeReport()
    const first = await Promise.all([solid('png'), solid('png')].map(async (p) => stored(await p)))
    expect(
      await attach(
        reportId,
        first.map((p) => p.ref),
      ),
    ).toBe(2)
    const more = await Promise.all([solid('png'), solid('png')].map(async (p) => stored(await p)))
    expect(
      await attach(
        reportId,
        more.map((p) => p.ref),
      ),
    ).toBe(1)
    const positions = await database().db.selectFrom('report_photos').select(['id', 'position']).where('report_id', '=', reportId).orderBy('position').execute()
    expect(positions).toEqual([
      { id: first[0]!.id, position: 0 },
      { id: first[1]!.id, position: 1 },
      { id: more[0]!.id, position: 2 },
    ])
    // The one left over is still the uploader's, pending.
    expect(await pendingPhotos([more[1]!.ref])).toHaveLength(1)
  })

  it('serves a hidden photo, or any photo of an unconfirmed or hidden report, to staff only', async () => {
    const shown = await stored(await solid('png'))
    const hidden = await stored(await solid('png'))
    const reportId = await makeReport()
    await attach(reportId, [shown.ref, hidden.ref])
    await database().write((trx) => trx.updateTable('report_photos').set({ hidden: 1 }).where('id', '=', hidden.id).execute())

    expect(await photoVariant(hidden.id, 'medium')).toBeNull()
    expect(await photoVariant(hidden.id, 'medium', { staff: true })).toMatchObject({ access: 'staff' })
    expect((await photosOf(reportId)).map((p) => p.id)).toEqual([shown.id])
    expect((await photosOf(reportId, { includeHidden: true })).map((p) => [p.id, p.hidden])).toEqual([
      [shown.id, false],
      [hidden.id, true],
    ])

    for (const [state, kind] of [
      ['unconfirmed', 'unconfirmed'],
      ['hidden', 'hidden'],
    ] as const) {
      const other = await stored(await solid('png'))
      const otherReport = await makeReport(state, kind)
      await attach(otherReport, [other.ref])
      expect(await photoVariant(other.id, 'thumb')).toBeNull()
      expect(await photoVariant(other.id, 'thumb', { key: other.key })).toBeNull()
      expect(await photoVariant(other.id, 'thumb', { staff: true })).toMatchObject({ access: 'staff' })
    }
    // Fixed and closed reports stay public.
    const closed = await stored(await solid('png'))
    const closedReport = await makeReport('closed', 'closed')
    await attach(closedReport, [closed.ref])
    expect(await photoVariant(closed.id, 'full')).toMatchObject({ access: 'public' })
  })

  it('deletes photos abandoned for a day, with their variants', async () => {
    const old = await stored(await solid('png'))
    const fresh = await stored(await solid('png'))
    const attachedOld = await stored(await solid('png'))
    await attach(await makeReport(), [attachedOld.ref])
    const twoDaysAgo = new Date(Date.now() - 48 * 3_600_000).toISOString()
    await database().write((trx) => trx.updateTable('report_photos').set({ created_at: twoDaysAgo }).where('id', 'in', [old.id, attachedOld.id]).execute())
    expect(await deleteAbandonedPhotos()).toBeGreaterThanOrEqual(1)
    expect(await variantsOf(old.id)).toEqual([])
    expect(await variantsOf(fresh.id)).toHaveLength(3)
    expect(await variantsOf(attachedOld.id)).toHaveLength(3)
  })
})

describe('the photo route loader', () => {
  const get = (id: number | string, size: string, query = '', headers: Record<string, string> = {}) =>
    loader({
      request: new Request(`http://localhost/reports/photos/${id}/${size}${query}`, { headers }),
      params: { id: String(id), size },
      context: { requestId: 'test', cspNonce: 'test' },
    })

  it('serves public photos for good, pending previews privately, and 404s the rest', async () => {
    const photo = await stored(await solid('png'))
    let res = await get(photo.id, 'thumb.jpg', `?key=${photo.key}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('private, no-store')
    expect((await get(photo.id, 'thumb.jpg')).status).toBe(404)

    await attach(await makeReport(), [photo.ref])
    res = await get(photo.id, 'medium.jpg')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/jpeg')
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    const bytes = Buffer.from(await res.arrayBuffer())
    expect(Number(res.headers.get('content-length'))).toBe(bytes.length)
    expect((await sharp(bytes).metadata()).width).toBe(320)

    for (const [id, size] of [
      [photo.id, 'medium.png'],
      [photo.id, 'huge.jpg'],
      [photo.id, 'medium'],
      ['abc', 'thumb.jpg'],
      [999_999_999, 'thumb.jpg'],
    ] as const) {
      expect((await get(id, size)).status, `${id}/${size}`).toBe(404)
    }
  })

  it('shows a hidden photo to logged-in staff, privately', async () => {
    const photo = await stored(await solid('png'))
    await attach(await makeReport('unconfirmed', 'unconfirmed'), [photo.ref])
    const staff = await makeUser(1)
    const citizen = await makeUser(1)
    const department = await database().db.selectFrom('departments').select('id').orderBy('id').executeTakeFirstOrThrow()
    const [staffCookie, citizenCookie] = await database().write(async (trx) => {
      await trx.insertInto('user_roles').values({ user_id: staff.id, role: 'staff', department_id: department.id, granted_by: null, granted_at: nowIso() }).execute()
      const cookie = async (userId: number) => (await sessionSetCookie(await createSession(trx, userId))).split(';')[0]!
      return [await cookie(staff.id), await cookie(citizen.id)]
    })
    expect((await get(photo.id, 'full.jpg')).status).toBe(404)
    expect((await get(photo.id, 'full.jpg', '', { cookie: citizenCookie })).status).toBe(404)
    const res = await get(photo.id, 'full.jpg', '', { cookie: staffCookie })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('private, no-store')
  })
})

// Through the real server (Express: CSP, compression, page cache), when the build has this route.
const buildFile = path.resolve(import.meta.dirname, '../../../build/index.js')
const built = fs.existsSync(buildFile) && fs.readFileSync(buildFile, 'utf8').includes('routes/reports.photos.$id.$size')

describe.skipIf(!built)('the photo route over HTTP', () => {
  let plaza: RunningPlaza
  beforeAll(async () => {
    // The server shares this test's database file (WAL: two processes may read and write it).
    plaza = await startPlaza({ DATABASE_PATH: process.env.DATABASE_PATH! })
  })
  afterAll(() => plaza?.stop())

  it('answers the JPEG bytes with the cache and type headers intact', async () => {
    const photo = await stored(await phoneJpeg())
    const pending = await fetch(`${plaza.url}/reports/photos/${photo.id}/thumb.jpg?key=${photo.key}`, { headers: { accept: 'image/avif,image/webp,*/*' } })
    expect(pending.status).toBe(200)
    expect(pending.headers.get('cache-control')).toBe('private, no-store')
    await pending.arrayBuffer()
    await attach(await makeReport(), [photo.ref])

    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${plaza.url}/reports/photos/${photo.id}/medium.jpg`, { headers: { accept: 'image/avif,image/webp,*/*', 'accept-encoding': 'gzip' } })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('image/jpeg')
      expect(res.headers.get('content-encoding')).toBeNull()
      expect(res.headers.get('cache-control')).toBe('public, max-age=3600')
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      expect(res.headers.get('x-plaza-cache')).toBeNull()
      const bytes = Buffer.from(await res.arrayBuffer())
      expect(Number(res.headers.get('content-length'))).toBe(bytes.length)
      const meta = await sharp(bytes).metadata()
      expect([meta.width, meta.height, meta.exif]).toEqual([534, 800, undefined])
    }
    expect((await fetch(`${plaza.url}/reports/photos/${photo.id}/medium.gif`)).status).toBe(404)
  })
})
