import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testClock } from '../support/clock'
import { startPlaza, type RunningPlaza } from '../support/server'
import { Visitor } from '../support/visitor'

/**
 * A process's own image (issue 21: "a title, description and image per language"): an
 * administrator uploads it in /admin/processes (multipart, no JavaScript) with its alt text per
 * language; it is shown on /processes and /processes/:slug in the reader's language; a refused file
 * is said next to the field with everything typed kept; replacing or removing it stops serving the
 * old one; an unpublished process's image is not served. Also the process page's keyset pages (20
 * projects a page, "More projects"). Runs on either engine.
 */
let plaza: RunningPlaza
const { clockFile, setClock, local } = testClock('2033-04-01T00:00:00.000Z')

beforeAll(async () => {
  setClock(0)
  plaza = await startPlaza({ RATE_LIMIT_WRITE: 'off', BACKGROUND_JOBS: 'false', PLAZA_TEST_CLOCK_FILE: clockFile })
})
afterAll(async () => {
  await plaza?.stop()
})

async function as(who: string, language = 'en') {
  const v = new Visitor(plaza.url, { 'accept-language': language })
  expect((await v.post('/login', { email: `${who}@valmera.example`, password: 'valmera-demo-2026' })).status).toBe(302)
  return v
}

const photo = (colour = '#2d6a4f') =>
  sharp({ create: { width: 900, height: 600, channels: 3, background: colour } })
    .withExif({ IFD0: { Artist: 'Secret Owner' } })
    .jpeg()
    .toBuffer()

const base = (slug: string, extra: Record<string, string> = {}) => ({
  slug,
  title_en: 'Greener squares',
  title_es: 'Plazas más verdes',
  description_en: 'Which squares get trees.',
  published: 'on',
  currency: 'EUR',
  'phase.0.title_en': 'Submit',
  'phase.0.startsAt': local(-1),
  'phase.0.endsAt': local(5),
  'phase.0.submit': 'on',
  ...extra,
})

function processForm(fields: Record<string, string>, file?: { name: string; type: string; data: Buffer }, ref?: string) {
  const form = new FormData()
  for (const [k, v] of Object.entries(fields)) form.set(k, v)
  if (ref) form.set('imageRef', ref)
  if (file) form.append('images', new Blob([new Uint8Array(file.data)], { type: file.type }), file.name)
  return form
}

const imageSrc = (html: string, testId: string) => /<img[^>]*>/.exec(html.slice(html.indexOf(`data-testid="${testId}"`) - 400))?.[0] ?? ''

describe("a process's own image", () => {
  let adminUrl = ''
  let firstSrc = ''

  it('a file that is not an image: 400 next to the image field, what was typed kept, nothing saved', async () => {
    const admin = await as('admin')
    const bad = await admin.post(
      '/admin/processes/new',
      processForm(base('greener-squares', { imageAlt_en: 'A square' }), { name: 'notes.jpg', type: 'image/jpeg', data: Buffer.from('not a picture') }),
    )
    expect(bad.status).toBe(400)
    const html = await bad.text()
    expect(html).toMatch(/id="field-images-error"[^>]*>notes\.jpg: This file is not an image/)
    expect(html).toContain('value="Greener squares"')
    expect(html).toContain('value="A square"')
    expect((await admin.get('/processes/greener-squares')).status).toBe(404)
  })

  it('an administrator uploads it with its alt text per language; /processes and the page show it in the reader’s language', async () => {
    const admin = await as('admin')
    const made = await admin.post(
      '/admin/processes/new',
      processForm(base('greener-squares', { imageAlt_en: 'Plane trees on Mill Square', imageAlt_es: 'Plátanos en la plaza del Molino' }), {
        name: 'square.jpg',
        type: 'image/jpeg',
        data: await photo(),
      }),
    )
    expect(made.status).toBe(302)
    adminUrl = made.headers.get('location')!.replace(/\?.*$/, '')
    const anonymous = new Visitor(plaza.url, { 'accept-language': 'en' })
    const page = await (await anonymous.get('/processes/greener-squares')).text()
    const img = imageSrc(page, 'process-image')
    expect(img).toContain('alt="Plane trees on Mill Square"')
    firstSrc = /src="([^"]+)"/.exec(img)![1]!
    expect(firstSrc).toMatch(/^\/processes\/images\/\d+\/medium\.jpg$/)
    const served = await fetch(`${plaza.url}${firstSrc}`)
    expect(served.status).toBe(200)
    expect(served.headers.get('content-type')).toBe('image/jpeg')
    // The pipeline re-encoded it: no EXIF left.
    expect((await sharp(Buffer.from(await served.arrayBuffer())).metadata()).exif).toBeUndefined()
    const spanish = await (await new Visitor(plaza.url, { 'accept-language': 'es' }).get('/processes')).text()
    expect(spanish).toMatch(
      /<img[^>]*src="\/processes\/images\/\d+\/thumb\.jpg"[^>]*alt="Plátanos en la plaza del Molino"|<img[^>]*alt="Plátanos en la plaza del Molino"[^>]*src="\/processes\/images\/\d+\/thumb\.jpg"/,
    )
    // The admin form shows the current image and keeps the alt texts.
    const form = await (await admin.get(adminUrl)).text()
    expect(form).toContain('value="Plátanos en la plaza del Molino"')
    expect(form).toContain('name="removeImage"')
  })

  it('saving without a new file keeps it; a new one replaces it (the old is no longer served); removing it drops it', async () => {
    const admin = await as('admin')
    expect((await admin.post(adminUrl, processForm(base('greener-squares', { imageAlt_en: 'Plane trees on Mill Square' })))).status).toBe(302)
    expect(imageSrc(await (await new Visitor(plaza.url).get('/processes/greener-squares')).text(), 'process-image')).toContain(firstSrc)
    expect((await admin.post(adminUrl, processForm(base('greener-squares'), { name: 'new.jpg', type: 'image/jpeg', data: await photo('#884422') }))).status).toBe(302)
    const page = await (await new Visitor(plaza.url, { 'accept-language': 'en' }).get('/processes/greener-squares')).text()
    const img = imageSrc(page, 'process-image')
    expect(img).not.toContain(firstSrc)
    // No alt text given: the page names the image by its process.
    expect(img).toContain('alt="Image of the process “Greener squares”"')
    expect((await fetch(`${plaza.url}${firstSrc}`)).status).toBe(404)
    const secondSrc = /src="([^"]+)"/.exec(img)![1]!
    // Unpublished: its image is not served either.
    expect((await admin.post(adminUrl, processForm({ ...base('greener-squares'), published: '' }))).status).toBe(302)
    expect((await fetch(`${plaza.url}${secondSrc}`)).status).toBe(404)
    expect((await admin.post(adminUrl, processForm({ ...base('greener-squares'), removeImage: 'on' }))).status).toBe(302)
    expect((await admin.post(adminUrl, processForm(base('greener-squares')))).status).toBe(302)
    expect(await (await new Visitor(plaza.url).get('/processes/greener-squares')).text()).not.toContain('data-testid="process-image"')
  })

  it('only an administrator may change it', async () => {
    const resident = await as('resident')
    const r = await resident.post(adminUrl, processForm(base('greener-squares'), { name: 'x.jpg', type: 'image/jpeg', data: await photo() }))
    expect([403, 404]).toContain(r.status)
  })
})

describe("the process page's projects, 20 a page", () => {
  it('"More projects" leads to the next page without JavaScript; a malformed cursor is the first page', async () => {
    const admin = await as('admin')
    expect((await admin.post('/admin/processes/new', processForm(base('many-projects')))).status).toBe(302)
    const resident = await as('resident')
    for (let i = 0; i < 23; i++)
      expect(
        (await resident.post('/processes/many-projects', processForm({ intent: 'submit', title: `Bench number ${i}`, description: 'A bench for the square.', estimatedCost: '1000' }))).status,
      ).toBe(302)
    const anonymous = new Visitor(plaza.url, { 'accept-language': 'en' })
    const first = await (await anonymous.get('/processes/many-projects')).text()
    const items = (html: string) => [...html.matchAll(/href="\/processes\/projects\/(\d+)"/g)].map((m) => m[1])
    expect(items(first)).toHaveLength(20)
    // Not hydrated for an anonymous visitor: HTML and CSS only.
    expect(first).not.toContain('<script')
    const more = /href="(\/processes\/many-projects\?after=[^"]+)"[^>]*>More projects/.exec(first)?.[1]
    expect(more).toBeTruthy()
    const second = await (await anonymous.get(more!.replace(/&amp;/g, '&'))).text()
    expect(items(second)).toHaveLength(3)
    expect(items(second).some((id) => items(first).includes(id))).toBe(false)
    expect(second).not.toContain('More projects')
    const bad = await anonymous.get('/processes/many-projects?after=nonsense')
    expect(bad.status).toBe(200)
    expect(items(await bad.text())).toEqual(items(first))
    // A signed-in person gets the hydrated page (support and follow forms).
    expect(await (await resident.get('/processes/many-projects')).text()).toContain('<script')
  })
})
