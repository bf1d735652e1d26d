import fc from 'fast-check'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../app/lib/db.server'
import { proposalsStep } from '../../db/seed/proposals'
import { startPlaza, type RunningPlaza } from '../support/server'
import { Visitor } from '../support/visitor'
import { sqlOf, type TestSql } from '../support/sql'

/** Proposals over real HTTP, as people without JavaScript use them. */

let plaza: RunningPlaza
let sql: TestSql
beforeAll(async () => {
  plaza = await startPlaza({ RATE_LIMIT_WRITE: 'off' })
  // The demo seed makes the categories and demo proposals once its step is in db/seed/index.ts;
  // until then (and idempotently after) run the step against the server's database here.
  const seeded = openDatabase({ path: plaza.databasePath, url: plaza.databaseUrl, synchronous: 'NORMAL', busyTimeoutMs: 10_000 })
  try {
    await proposalsStep.run(seeded, { seed: 1, scale: 1 }, () => {})
  } finally {
    await seeded.close()
  }
  sql = sqlOf(plaza)
})
afterAll(async () => {
  await sql?.close()
  await plaza?.stop()
})

const PASSWORD = 'valmera-demo-2026'
const one = async <T>(query: string, ...params: unknown[]) => (await sql.get(query, ...params)) as T

async function as(who: string) {
  const v = new Visitor(plaza.url, { 'accept-language': 'en' })
  expect((await v.post('/login', { email: `${who}@valmera.example`, password: PASSWORD })).status).toBe(302)
  return v
}
const anonymous = () => new Visitor(plaza.url, { 'accept-language': 'en' })

function proposalForm(fields: Record<string, string>, image?: { name: string; type: string; data: Buffer }) {
  const form = new FormData()
  const all = {
    intent: 'publish',
    title: 'More benches in the park',
    summary: 'Benches every hundred metres along the main path.',
    body: 'Older people cannot walk the whole path **without a rest**.',
    category: 'urbanism',
    tags: 'Benches, parks',
    ...fields,
  }
  for (const [k, v] of Object.entries(all)) form.append(k, v)
  if (image) form.append('image', new Blob([new Uint8Array(image.data)], { type: image.type }), image.name)
  return form
}

const idFrom = (res: Response) => Number(/\/proposals\/(\d+)/.exec(res.headers.get('location') ?? '')?.[1])

describe('writing a proposal', () => {
  it('asks logged-out people to log in', async () => {
    const res = await anonymous().get('/proposals/new')
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toMatch(/^\/login\?redirectTo=%2Fproposals%2Fnew/)
  })

  it('previews the Markdown on the server without saving anything', async () => {
    const v = await as('citizen')
    const before = (await one<{ n: number }>('select count(*) as n from proposals')).n
    const res = await v.post('/proposals/new', proposalForm({ intent: 'preview', title: 'Preview only', body: 'Some **bold** words and <script>alert(1)</script>' }))
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('data-testid="proposal-preview"')
    expect(html).toContain('<strong>bold</strong>')
    expect(html).not.toContain('<script>alert(1)')
    expect(html).toContain('value="Preview only"')
    expect((await one<{ n: number }>('select count(*) as n from proposals')).n).toBe(before)
  })

  it('refuses bad fields with a 400, the messages next to them, nothing typed lost', async () => {
    const v = await as('citizen')
    const res = await v.post('/proposals/new', proposalForm({ title: 'ab', summary: 's'.repeat(201), category: 'astrology', tags: 'a,b,c,d,e,f', lat: '10', lng: '10' }))
    expect(res.status).toBe(400)
    const html = await res.text()
    expect(html).toContain('Give your proposal a title')
    expect(html).toContain('The summary can have at most 200 characters.')
    expect(html).toContain('Choose a category.')
    expect(html).toContain('At most 5 tags')
    expect(html).toMatch(/outside/i)
    expect(html).toContain('value="a,b,c,d,e,f"')
    expect(html).toContain('without a rest')
  })

  it('saves a draft only its author sees, then publishes it', async () => {
    const author = await as('citizen')
    const res = await author.post('/proposals/new', proposalForm({ intent: 'draft', title: 'A draft about quiet streets', area: 'sant-roc' }))
    expect(res.status).toBe(302)
    const id = idFrom(res)
    expect(res.headers.get('location')).toBe(`/proposals/${id}?done=saved`)
    expect((await author.get(`/proposals/${id}`)).status).toBe(200)
    expect((await author.get(`/proposals/${id}/edit`)).status).toBe(200)
    // Everyone else: as if it did not exist.
    const resident = await as('resident')
    for (const path of [`/proposals/${id}`, `/proposals/${id}/edit`]) expect((await resident.get(path)).status).toBe(404)
    expect((await anonymous().get(`/proposals/${id}`)).status).toBe(404)
    // The edit page asks logged-out people to log in first (and then answers 404).
    expect((await anonymous().get(`/proposals/${id}/edit`)).status).toBe(302)
    expect((await (await as('moderator')).get(`/proposals/${id}`)).status).toBe(404)
    expect((await resident.post(`/proposals/${id}`, { intent: 'publish' })).status).toBe(404)
    expect((await resident.post(`/proposals/${id}/edit`, proposalForm({ intent: 'publish' }))).status).toBe(404)
    expect(await (await anonymous().get('/proposals?q=quiet+streets&state=all')).text()).not.toContain('A draft about quiet streets')
    // The author edits it and publishes it.
    const edited = await author.post(`/proposals/${id}/edit`, proposalForm({ intent: 'draft', title: 'Quiet streets around schools', area: 'sant-roc' }))
    expect(edited.headers.get('location')).toBe(`/proposals/${id}?done=saved`)
    expect((await author.post(`/proposals/${id}`, { intent: 'publish' })).headers.get('location')).toBe(`/proposals/${id}?done=published`)
    const page = await anonymous().get(`/proposals/${id}`)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('Quiet streets around schools')
    expect(html).toContain('Carles Citizen')
    expect(html).toContain('#benches')
    expect(html).toMatch(/Archived in 36[4-6] days/)
    // Published: no more editing.
    const again = await author.get(`/proposals/${id}/edit`)
    expect(again.status).toBe(302)
    expect(await one<{ state: string; district_id: number | null }>('select state, district_id from proposals where id = ?', id)).toMatchObject({ state: 'published' })
    expect((await one<{ district_id: number | null }>('select district_id from proposals where id = ?', id)).district_id).not.toBeNull()
  })

  it('publishes with an image judged by its content and stripped of its metadata', async () => {
    const v = await as('citizen')
    const jpeg = await sharp({ create: { width: 120, height: 80, channels: 3, background: '#3a7d44' } })
      .jpeg()
      .withExif({ IFD0: { Copyright: 'secret-camera-owner' } })
      .toBuffer()
    const res = await v.post('/proposals/new', proposalForm({ title: 'A park with an image' }, { name: 'park.jpg', type: 'image/jpeg', data: jpeg }))
    expect(res.status).toBe(302)
    const html = await (await anonymous().get(`/proposals/${idFrom(res)}`)).text()
    const src = /src="(\/proposals\/images\/\d+\/medium\.jpg)"/.exec(html)![1]!
    const image = Buffer.from(await (await fetch(plaza.url + src)).arrayBuffer())
    expect((await sharp(image).metadata()).format).toBe('jpeg')
    expect(image.includes(Buffer.from('secret-camera-owner'))).toBe(false)
    const fake = await v.post('/proposals/new', proposalForm({ title: 'Not an image' }, { name: 'evil.jpg', type: 'image/jpeg', data: Buffer.from('this is not an image') }))
    expect(fake.status).toBe(400)
    const text = await fake.text()
    expect(text).toContain('evil.jpg')
    expect(text).toContain('value="Not an image"')
  })
})

describe('supporting', () => {
  async function published(title: string) {
    const res = await (await as('citizen')).post('/proposals/new', proposalForm({ title }))
    expect(res.status).toBe(302)
    return idFrom(res)
  }

  it('counts a resident’s support once and shows it against the threshold', async () => {
    const id = await published('Support me once')
    const resident = await as('resident')
    expect((await resident.post(`/proposals/${id}`, { intent: 'support' })).headers.get('location')).toBe(`/proposals/${id}?done=supported`)
    expect((await resident.post(`/proposals/${id}`, { intent: 'support' })).headers.get('location')).toBe(`/proposals/${id}?done=alreadySupported`)
    expect((await one<{ supports: number }>('select supports from proposals where id = ?', id)).supports).toBe(1)
    const html = await (await resident.get(`/proposals/${id}`)).text()
    expect(html).toContain('You support this proposal.')
    expect(html).toMatch(/<progress[^>]*max="5"[^>]*value="1"/)
    expect(html).toContain('1 support of the 5 needed')
  })

  it('refuses a citizen below the level with the reason and the way to verify', async () => {
    const id = await published('Support needs residence')
    const citizen = await as('citizen')
    const page = await (await citizen.get(`/proposals/${id}`)).text()
    expect(page).toContain('href="/account/verify"')
    const res = await citizen.post(`/proposals/${id}`, { intent: 'support' })
    expect(res.status).toBe(403)
    const html = await res.text()
    expect(html).toContain('Supporting a proposal needs verification level 2')
    expect(html).toContain('href="/account/verify"')
    expect((await one<{ supports: number }>('select supports from proposals where id = ?', id)).supports).toBe(0)
  })

  it('sends logged-out people to log in', async () => {
    const id = await published('Log in to support')
    const res = await anonymous().post(`/proposals/${id}`, { intent: 'support' })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toMatch(/^\/login/)
  })
})

describe('browsing and searching', () => {
  it('lists, filters and finds the demo proposals', async () => {
    const list = await anonymous().get('/proposals')
    expect(list.status).toBe(200)
    const html = await list.text()
    expect(html).toContain('Proposals')
    expect(html).toContain('data-testid="proposals-total"')
    const found = await (await anonymous().get('/proposals?q=arboles&state=all')).text()
    expect(found).toContain('Plant 1,000 shade trees along the Lume')
    const tagged = await (await anonymous().get('/proposals?tag=bike-lanes&state=all')).text()
    expect(tagged).toContain('A protected cycle lane across the old bridge')
    const mobility = await (await anonymous().get('/proposals?category=mobility&sort=most')).text()
    expect(mobility).not.toContain('Plant 1,000 shade trees')
  })

  it('answers 200 to odd and hostile searches and filters', async () => {
    const odd = ['"', 'AND OR', 'title:x', '(((', '*', 'NEAR(a b)', "' OR 1=1 --", '%00', '<script>', '🌳', 'x'.repeat(3000), '\\', '^', '{a}']
    for (const q of odd) {
      const res = await anonymous().get(`/proposals?q=${encodeURIComponent(q)}`)
      expect(res.status, q.slice(0, 20)).toBe(200)
      await res.arrayBuffer()
    }
    const res = await anonymous().get('/proposals?area=%3Cscript%3E&tag=..%2F&category=..&state=hidden&sort=evil&page=-3')
    expect(res.status).toBe(200)
    await fc.assert(
      fc.asyncProperty(fc.record({ q: fc.string({ maxLength: 60 }), sort: fc.string({ maxLength: 10 }), page: fc.string({ maxLength: 5 }), tag: fc.string({ maxLength: 30 }) }), async (params) => {
        const r = await anonymous().get(`/proposals?${new URLSearchParams(params)}`)
        expect(r.status).toBe(200)
        await r.arrayBuffer()
      }),
      { numRuns: 40 },
    )
  })

  it('answers 404 for what does not exist', async () => {
    for (const path of ['/proposals/0', '/proposals/99999999', '/proposals/abc', '/proposals/1e3', '/proposals/99999999/edit', '/proposals/images/1/huge.jpg', '/proposals/images/99999/thumb.jpg']) {
      const res = await anonymous().get(path)
      expect([302, 404], path).toContain(res.status)
      if (!path.endsWith('/edit')) expect(res.status, path).toBe(404)
    }
  })
})

describe('fuzzing the new-proposal form', () => {
  it('answers 200, 302, 400 or 413 to anything, never a 5xx', async () => {
    const v = await as('citizen')
    const text = fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom('', ' ', '\u0000', '<script>', '1e999', 'NaN', '-91', '41,3', 'x'.repeat(6000), 'sant-roc', 'urbanism'))
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          intent: fc.constantFrom('preview', 'draft', 'publish', 'delete', 'other', ''),
          title: text,
          summary: text,
          body: text,
          category: text,
          tags: text,
          lat: text,
          lng: text,
          area: text,
          imageRef: text,
          noPlace: fc.constantFrom('', 'on', 'x'),
        }),
        fc.boolean(),
        async (fields, multipart) => {
          const body = multipart ? new FormData() : new URLSearchParams()
          for (const [k, value] of Object.entries(fields)) body.append(k, value)
          const res = await fetch(`${plaza.url}/proposals/new`, { method: 'POST', body, headers: { origin: plaza.url, cookie: v.cookieHeader() }, redirect: 'manual' })
          expect([200, 302, 400, 413]).toContain(res.status)
          await res.arrayBuffer()
        },
      ),
      { numRuns: 60 },
    )
  })
})

describe('the council’s answer', () => {
  const waiting = () => one<{ id: number } | undefined>("select id from proposals where state = 'threshold_reached' order by id limit 1")

  it('refuses citizens and moderators (403) and sends logged-out people to log in', async () => {
    const target = await waiting()
    expect(target).toBeDefined()
    for (const who of ['citizen', 'resident', 'moderator']) {
      const v = await as(who)
      expect((await v.get('/council/proposals')).status, who).toBe(403)
      expect((await v.get(`/council/proposals/${target!.id}`)).status, who).toBe(403)
      expect((await v.post(`/council/proposals/${target!.id}`, { intent: 'answer', answer: 'No.' })).status, who).toBe(403)
    }
    expect((await anonymous().get('/council/proposals')).status).toBe(302)
    expect((await one<{ state: string }>('select state from proposals where id = ?', target!.id)).state).toBe('threshold_reached')
  })

  it('lets staff publish the answer, shown on the proposal’s page and in the audit log', async () => {
    const target = (await waiting())!
    const staff = await as('roads')
    const list = await staff.get('/council/proposals')
    expect(list.status).toBe(200)
    expect(await list.text()).toContain(`/council/proposals/${target.id}`)
    expect((await staff.post(`/council/proposals/${target.id}`, { intent: 'answer', answer: '   ' })).status).toBe(400)
    const preview = await staff.post(`/council/proposals/${target.id}`, { intent: 'preview', answer: 'We **agree**.' })
    expect(preview.status).toBe(200)
    expect(await preview.text()).toContain('<strong>agree</strong>')
    const res = await staff.post(`/council/proposals/${target.id}`, { intent: 'answer', answer: 'The council **agrees** and will do it next spring.' })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe(`/proposals/${target.id}?done=answered`)
    const page = await (await anonymous().get(`/proposals/${target.id}`)).text()
    expect(page).toContain('data-testid="council-answer"')
    expect(page).toContain('<strong>agrees</strong>')
    expect((await one<{ state: string }>('select state from proposals where id = ?', target.id)).state).toBe('answered')
    expect((await one<{ n: number }>("select count(*) as n from audit_log where target_kind = 'proposal' and target_id = ? and action = 'proposal.answer'", target.id)).n).toBeGreaterThanOrEqual(1)
  })

  it('refuses to answer a proposal that has not reached its threshold (409)', async () => {
    const early = await one<{ id: number }>("select id from proposals where state = 'published' order by id limit 1")
    const res = await (await as('admin')).post(`/council/proposals/${early.id}`, { intent: 'answer', answer: 'Too early.' })
    expect(res.status).toBe(409)
  })
})
