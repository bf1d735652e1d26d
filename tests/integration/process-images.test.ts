import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testClock } from '../support/clock'
import { onPostgres } from '../support/engine'
import { startPlaza, type RunningPlaza } from '../support/server'
import { sqlOf, type TestSql } from '../support/sql'
import { Visitor } from '../support/visitor'

/**
 * Images of projects and milestones over real HTTP, without JavaScript (multipart POST): through the
 * shared pipeline (judged by content, resized, metadata removed); a file that is not an image or is
 * too large is answered next to the images field with a 4xx and nothing typed is lost (an image
 * already accepted is carried in the form); the located result shows on /results?view=map and on
 * the /map "Results" layer. Runs on either engine.
 */
let plaza: RunningPlaza
let sql: TestSql
const { clockFile, setClock, local } = testClock('2033-03-01T00:00:00.000Z')
const MAX_BYTES = 200_000

beforeAll(async () => {
  setClock(0)
  plaza = await startPlaza({ RATE_LIMIT_WRITE: 'off', BACKGROUND_JOBS: 'false', PLAZA_TEST_CLOCK_FILE: clockFile, PHOTO_MAX_BYTES: String(MAX_BYTES) })
  sql = sqlOf(plaza)
})
afterAll(async () => {
  await sql?.close()
  await plaza?.stop()
})

async function as(who: string) {
  const v = new Visitor(plaza.url, { 'accept-language': 'en' })
  expect((await v.post('/login', { email: `${who}@valmera.example`, password: 'valmera-demo-2026' })).status).toBe(302)
  return v
}

/** A JPEG with EXIF (a camera owner and a GPS position) that the pipeline must drop. */
const photo = (width = 800, height = 600) =>
  sharp({ create: { width, height, channels: 3, background: '#3a7d44' } })
    .withExif({ IFD0: { Artist: 'Secret Owner', Copyright: 'Secret Owner' } })
    .jpeg()
    .toBuffer()

function projectForm(fields: Record<string, string>, files: Array<{ name: string; type: string; data: Buffer }> = [], refs: string[] = []) {
  const form = new FormData()
  for (const [k, v] of Object.entries({ intent: 'submit', title: 'Shade for the square', description: 'Twelve trees along the south side of the square.', estimatedCost: '30000', ...fields }))
    form.set(k, v)
  for (const ref of refs) form.append('imageRef', ref)
  for (const f of files) form.append('images', new Blob([new Uint8Array(f.data)], { type: f.type }), f.name)
  return form
}

describe('images of projects and milestones; results on the map', () => {
  let projectId = 0
  it('an administrator makes a process with a submit phase', async () => {
    const admin = await as('admin')
    const made = await admin.post('/admin/processes/new', {
      slug: 'images-budget',
      title_en: 'Budget with images',
      description_en: 'Decided by the residents.',
      cityBudget: '100000',
      currency: 'EUR',
      published: 'on',
      'phase.0.title_en': 'Submit',
      'phase.0.startsAt': local(-1),
      'phase.0.endsAt': local(3),
      'phase.0.submit': 'on',
    })
    expect(made.status).toBe(302)
  })

  it('a file that is not an image: 400 next to the images field, every field kept; a good image is then carried and attached', async () => {
    const resident = await as('resident')
    const text = Buffer.from('this is not a picture at all')
    const bad = await resident.post('/processes/images-budget', projectForm({ imageAlt: 'The square at noon' }, [{ name: 'notes.jpg', type: 'image/jpeg', data: text }]))
    expect(bad.status).toBe(400)
    let html = await bad.text()
    expect(html).toMatch(/id="field-images-error"[^>]*>notes\.jpg: This file is not an image/)
    expect(html).toContain('value="Shade for the square"')
    expect(html).toContain('Twelve trees along the south side of the square.')
    expect(html).toContain('value="The square at noon"')
    expect(await sql.value<number>(`select count(*) from process_projects where title = 'Shade for the square'`)).toBe(0)

    // A good image with a missing title: 400 for the title, the image stored as pending and carried.
    const missing = await resident.post('/processes/images-budget', projectForm({ title: '', imageAlt: 'The square at noon' }, [{ name: 'square.jpg', type: 'image/jpeg', data: await photo() }]))
    expect(missing.status).toBe(400)
    html = await missing.text()
    expect(html).toContain('Write a title (at least 3 characters).')
    const ref = /name="imageRef" value="([^"]+)"/.exec(html)?.[1]
    expect(ref).toMatch(/^\d+\.[A-Za-z0-9_-]+$/)
    // The preview is the uploader's only (its URL holds the key).
    const id = ref!.split('.')[0]
    expect((await fetch(`${plaza.url}/processes/images/${id}/thumb.jpg`)).status).toBe(404)
    expect((await fetch(`${plaza.url}/processes/images/${id}/thumb.jpg?key=${ref!.split('.')[1]}`)).status).toBe(200)

    // Sent again with the title and the carried ref (no new file): saved with its image, at a place.
    const ok = await resident.post('/processes/images-budget', projectForm({ imageAlt: 'The square at noon', lat: '41.3502', lng: '-1.5195' }, [], [ref!]))
    expect(ok.status).toBe(302)
    projectId = Number(/\/processes\/projects\/(\d+)/.exec(ok.headers.get('location') ?? '')?.[1])
    const page = await (await fetch(`${plaza.url}/processes/projects/${projectId}`)).text()
    expect(page).toContain(`src="/processes/images/${id}/thumb.jpg"`)
    expect(page).toContain('alt="The square at noon"')

    // Public now, resized, re-encoded without the camera's metadata.
    const full = await fetch(`${plaza.url}/processes/images/${id}/full.jpg`)
    expect(full.status).toBe(200)
    expect(full.headers.get('content-type')).toBe('image/jpeg')
    const bytes = Buffer.from(await full.arrayBuffer())
    expect(bytes.includes(Buffer.from('Secret Owner'))).toBe(false)
    const meta = await sharp(bytes).metadata()
    expect([meta.width, meta.height]).toEqual([800, 600])
    expect(meta.exif).toBeUndefined()
    const thumb = await sharp(Buffer.from(await (await fetch(`${plaza.url}/processes/images/${id}/thumb.jpg`)).arrayBuffer())).metadata()
    expect([thumb.width, thumb.height]).toEqual([320, 240])
  })

  it('a file over PHOTO_MAX_BYTES: 413 next to the images field, the fields kept, nothing saved', async () => {
    const resident = await as('resident')
    const big = Buffer.concat([await photo(), Buffer.alloc(MAX_BYTES)])
    const res = await resident.post('/processes/images-budget', projectForm({ title: 'A too large picture' }, [{ name: 'huge.jpg', type: 'image/jpeg', data: big }]))
    expect(res.status).toBe(413)
    const html = await res.text()
    expect(html).toMatch(/id="field-images-error"[^>]*>This photo is too large/)
    expect(html).toContain('value="A too large picture"')
    expect(await sql.value<number>(`select count(*) from process_projects where title = 'A too large picture'`)).toBe(0)
  })

  it('staff post a milestone with a photo; others are refused; the result is on the results map and the /map layer', async () => {
    const staff = await as('roads')
    const resident = await as('resident')
    // A result with a place: an answered proposal (here made answered and located in SQL) turned
    // into a result by the administrator's form.
    const proposal = await sql.value<number>(`select id from proposals order by id limit 1`)
    await sql.run(`update proposals set state = 'answered', answer_md = 'We will do it.', lat = 41.3502, lng = -1.5195 where id = ?`, proposal)
    const made = await (await as('admin')).post('/admin/processes', { sourceKind: 'proposal', sourceId: String(proposal) })
    expect(made.status).toBe(302)
    const resultId = Number(/\/results\/(\d+)/.exec(made.headers.get('location') ?? '')?.[1])
    expect(resultId).toBeGreaterThan(0)

    const form = (files: Array<{ name: string; type: string; data: Buffer }>, text = 'The trees were planted.') => {
      const f = new FormData()
      f.set('intent', 'milestone')
      f.set('happenedOn', '2033-04-01')
      f.set('text', text)
      f.set('imageAlt', 'Young trees along the wall')
      for (const file of files) f.append('images', new Blob([new Uint8Array(file.data)], { type: file.type }), file.name)
      return f
    }
    expect((await resident.post(`/results/${resultId}`, form([]))).status).toBe(403)
    const gif = Buffer.from('GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;', 'binary')
    const refused = await staff.post(`/results/${resultId}`, form([{ name: 'anim.gif', type: 'image/gif', data: gif }], 'Kept after the refusal.'))
    expect(refused.status).toBe(400)
    const refusedHtml = await refused.text()
    expect(refusedHtml).toMatch(/anim\.gif: GIF files cannot be used here/)
    expect(refusedHtml).toContain('Kept after the refusal.')
    expect(await sql.value<number>(`select count(*) from result_milestones where result_id = ?`, resultId)).toBe(0)

    const png = await sharp({ create: { width: 400, height: 300, channels: 4, background: '#2d6a4f' } })
      .png()
      .toBuffer()
    expect((await staff.post(`/results/${resultId}`, form([{ name: 'planted.png', type: 'image/png', data: png }]))).status).toBe(200)
    const page = await (await fetch(`${plaza.url}/results/${resultId}`)).text()
    expect(page).toContain('alt="Young trees along the wall"')
    expect(page).toContain('1 photo')
    const image = await sql.get<{ id: number; alt: string }>(
      `select i.id, i.alt from process_images i join result_milestones m on m.id = i.owner_id where i.owner_kind = 'milestone' and m.result_id = ?`,
      resultId,
    )
    expect(image?.alt).toBe('Young trees along the wall')
    const served = await fetch(`${plaza.url}/processes/images/${image!.id}/full.jpg`)
    expect(served.headers.get('content-type')).toBe('image/jpeg')

    // On the results map (the filters apply) and the /map layer.
    const map = await (await fetch(`${plaza.url}/results?view=map&status=planned`)).text()
    expect(map).toContain(`data-result="${resultId}"`)
    expect(map).toMatch(/located results? shown/)
    const otherStatus = await (await fetch(`${plaza.url}/results?view=map&status=done`)).text()
    expect(otherStatus).not.toContain(`data-result="${resultId}"`)
    // The /map layer (the map index's features API; its tests run on SQLite only so far, map.test.ts).
    const update = () => staff.post(`/results/${resultId}`, { intent: 'update', status: 'in_progress', progress: '40', budget: '30000', spent: '1000' })
    if (onPostgres) {
      // The status change still moves the item in the index inside the same write.
      expect((await update()).status).toBe(200)
      return
    }
    const features = (await (await fetch(`${plaza.url}/api/map/features?bbox=-1.5205,41.3495,-1.5185,41.3510&zoom=17&layers=results`)).json()) as {
      features: Array<{ properties: { itemId?: number; status?: string } }>
    }
    expect(features.features.some((f) => f.properties.itemId === resultId && f.properties.status === 'planned')).toBe(true)
    // A status change moves it in the layer too.
    expect((await update()).status).toBe(200)
    const after = (await (await fetch(`${plaza.url}/api/map/features?bbox=-1.5205,41.3495,-1.5185,41.3510&zoom=17&layers=results&status=in_progress`)).json()) as {
      features: Array<{ properties: { itemId?: number } }>
    }
    expect(after.features.some((f) => f.properties.itemId === resultId)).toBe(true)
  })
})
