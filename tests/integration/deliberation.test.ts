import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPlaza, type RunningPlaza } from '../support/server'
import { Visitor } from '../support/visitor'
import { sqlOf } from '../support/sql'

let plaza: RunningPlaza
let premoderated: RunningPlaza
beforeAll(async () => {
  ;[plaza, premoderated] = await Promise.all([startPlaza({ RATE_LIMIT_WRITE: 'off' }), startPlaza({ RATE_LIMIT_WRITE: 'off', PREMODERATION: 'true' })])
})
afterAll(async () => {
  await Promise.all([plaza?.stop(), premoderated?.stop()])
})

const PASSWORD = 'valmera-demo-2026'
async function as(who: string, server = plaza) {
  const v = new Visitor(server.url, { 'accept-language': 'en' })
  if (who !== 'anonymous') expect((await v.post('/login', { email: `${who}@valmera.example`, password: PASSWORD })).status).toBe(302)
  return v
}
async function query<T>(server: RunningPlaza, text: string, ...params: unknown[]): Promise<T | undefined> {
  const sql = sqlOf(server)
  try {
    return await sql.get<T>(text, ...params)
  } finally {
    await sql.close()
  }
}
const areaIdOf = async (server: RunningPlaza, slug: string) => (await query<{ id: number }>(server, 'select id from areas where slug = ?', slug))!.id
async function postComment(v: Visitor, area: number, body: string, extra: Record<string, string> = {}) {
  const res = await v.post(`/discussions/area/${area}`, { body, stance: 'neutral', returnTo: `/discussions/area/${area}`, ...extra })
  const id = /#comment-(\d+)/.exec(res.headers.get('location') ?? '')?.[1]
  return { res, id: id ? Number(id) : undefined }
}

describe('discussion over HTTP', () => {
  it('posts safely rendered Markdown, threads a reply, and shows both to anonymous readers', async () => {
    const area = await areaIdOf(plaza, 'ribera-nord')
    const citizen = await as('citizen')
    const { res, id } = await postComment(citizen, area, 'More **trees** on the avenue <img src=x onerror=alert(1)>', { stance: 'for' })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toMatch(/posted=visible#comment-\d+$/)
    const resident = await as('resident')
    expect((await postComment(resident, area, 'Roots would lift the pavement.', { parentId: String(id), stance: 'against' })).res.status).toBe(302)
    const html = await (await new Visitor(plaza.url).get(`/discussions/area/${area}`)).text()
    expect(html).toContain('More <strong>trees</strong> on the avenue')
    expect(html).not.toContain('onerror')
    expect(html).toContain('Roots would lift the pavement.')
    expect(html).toContain('Log in to join the discussion.')
    // The neighbourhood's own page carries the same discussion.
    const areaPage = await (await new Visitor(plaza.url).get('/areas/ribera-nord')).text()
    expect(areaPage).toContain('Discussion: Ribera Nord')
    expect(areaPage).toContain('Roots would lift the pavement.')
  })

  it('answers 400 next to the text for an empty comment, keeping the stance; 302 to login for anonymous posts', async () => {
    const area = await areaIdOf(plaza, 'ribera-nord')
    const res = await (await as('citizen')).post(`/discussions/area/${area}`, { body: '   ', stance: 'against' })
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('Write your comment.')
    const anon = await new Visitor(plaza.url).post(`/discussions/area/${area}`, { body: 'hi' })
    expect(anon.status).toBe(302)
    expect(anon.headers.get('location')).toMatch(/^\/login/)
    expect((await new Visitor(plaza.url).get('/discussions/area/999999')).status).toBe(404)
    expect((await new Visitor(plaza.url).get('/discussions/nothing/1')).status).toBe(404)
  })

  it('never answers 500 to whatever a form sends', async () => {
    const area = await areaIdOf(plaza, 'sant-roc')
    const citizen = await as('moderator')
    const field = fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom('', '-1', '0', '1e309', 'NaN', '99999999999999999999', '<script>', 'for', 'against', 'hide'))
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom('body', 'stance', 'parentId', 'returnTo', 'intent', 'value', 'reason', 'note'), field, { maxKeys: 6 }),
        fc.constantFrom(`/discussions/area/${area}`, '/comments/1', '/comments/abc', '/moderation'),
        async (fields, path) => {
          const res = await citizen.post(path, fields)
          expect(res.status).toBeLessThan(500)
        },
      ),
      { numRuns: 120 },
    )
  })
})

describe('moderation over HTTP', () => {
  it.each([
    ['anonymous', 302],
    ['citizen', 403],
    ['roads', 403],
    ['moderator', 200],
    ['admin', 200],
  ])('%s asking for the queue gets %i', async (who, status) => {
    const v = await as(who)
    for (const path of ['/moderation', '/moderation/log', '/moderation/blocks']) expect((await v.get(path)).status).toBe(status)
  })

  it('refuses decisions from people who are not moderators', async () => {
    for (const who of ['citizen', 'roads']) {
      const res = await (await as(who)).post('/moderation', { intent: 'hide', queueId: '1', reason: 'because' })
      expect(res.status).toBe(403)
    }
  })

  it('flag → moderator hides with a reason → hidden from readers, logged, author e-mailed', async () => {
    const area = await areaIdOf(plaza, 'puigverd')
    const author = await as('citizen')
    const { id } = await postComment(author, area, 'Call me on 600 000 000 about the noise.')
    const flagger = await as('resident')
    const flag = await flagger.post(`/comments/${id}`, { intent: 'flag', reason: 'personal_data', returnTo: `/discussions/area/${area}` })
    expect(flag.headers.get('location')).toMatch(/notice=flagged/)
    expect((await flagger.post(`/comments/${id}`, { intent: 'flag', reason: 'spam' })).status).toBe(409)
    const moderator = await as('moderator')
    const queue = await (await moderator.get('/moderation')).text()
    expect(queue).toContain('Call me on 600 000 000')
    const queueId = new RegExp(`id="queue-(\\d+)"[\\s\\S]*?600 000 000`).exec(queue)![1]!
    expect((await moderator.post('/moderation', { intent: 'hide', queueId, reason: 'x' })).status).toBe(400)
    expect((await moderator.post('/moderation', { intent: 'hide', queueId, reason: 'Personal data (a phone number)' })).status).toBe(200)
    const page = await (await new Visitor(plaza.url).get(`/discussions/area/${area}`)).text()
    expect(page).not.toContain('600 000 000')
    expect(await (await moderator.get('/moderation/log')).text()).toContain('Personal data (a phone number)')
    const mail = await query<{ text_body: string }>(plaza, `select text_body from outbox where to_address = 'citizen@valmera.example' and kind = 'moderation.hidden'`)
    expect(mail?.text_body).toContain('Personal data (a phone number)')
  })
})

describe('review findings stay fixed', () => {
  it('unconfirmed accounts cannot report or rate comments', async () => {
    const area = await areaIdOf(plaza, 'montclar')
    const { id } = await postComment(await as('citizen'), area, 'A fine idea.')
    const fresh = new Visitor(plaza.url, { 'accept-language': 'en' })
    await fresh.post('/signup', { email: 'throwaway@example.org', displayName: 'Throwaway', password: 'a long enough passphrase' })
    // Sign-up only mails a link (the same answer for any address); the new person then logs in.
    expect((await fresh.post('/login', { email: 'throwaway@example.org', password: 'a long enough passphrase' })).status).toBe(302)
    expect((await fresh.post(`/comments/${id}`, { intent: 'flag', reason: 'spam' })).status).toBe(403)
    expect((await fresh.post(`/comments/${id}`, { intent: 'vote', value: '-1' })).status).toBe(403)
  })

  it('a moderator blocks the author of the queue item only, and never someone with a role', async () => {
    const area = await areaIdOf(plaza, 'montclar')
    const staff = await as('lighting')
    const { id } = await postComment(staff, area, 'Staff comment that gets flagged.')
    await (await as('resident')).post(`/comments/${id}`, { intent: 'flag', reason: 'other' })
    const moderator = await as('moderator')
    const queue = await (await moderator.get('/moderation')).text()
    const queueId = new RegExp(`id="queue-(\\d+)"[\\s\\S]*?Staff comment that gets flagged`).exec(queue)![1]!
    // An authorId in the form is ignored: the queue item's author (staff) is the one considered.
    const res = await moderator.post('/moderation', { intent: 'block', queueId, authorId: '1', reason: 'Trying to block the admin' })
    expect(res.status).toBe(409)
    expect(await res.text()).toContain('This person has a role')
    expect(await (await moderator.get('/moderation/blocks')).text()).toContain('Nobody is blocked.')
  })
})

describe('pre-moderation (PREMODERATION=true)', () => {
  it('holds a new person’s first comment until a moderator approves it', async () => {
    const area = await areaIdOf(premoderated, 'ribera-sud')
    const newcomer = new Visitor(premoderated.url, { 'accept-language': 'en' })
    await newcomer.post('/signup', { email: 'first@example.org', displayName: 'First Timer', password: 'a long enough passphrase' })
    expect((await newcomer.post('/login', { email: 'first@example.org', password: 'a long enough passphrase' })).status).toBe(302)
    const sql = sqlOf(premoderated)
    expect(await sql.run(`update users set verification_level = 1, email_confirmed_at = created_at where email = 'first@example.org'`)).toBe(1)
    await sql.close()
    const { res } = await postComment(newcomer, area, 'Hello, new here.')
    expect(res.headers.get('location')).toMatch(/posted=pending/)
    expect(await (await new Visitor(premoderated.url).get(`/discussions/area/${area}`)).text()).not.toContain('Hello, new here.')
    expect(await (await newcomer.get(`/discussions/area/${area}`)).text()).toContain('Waiting for a moderator’s approval')
    const moderator = await as('moderator', premoderated)
    const queue = await (await moderator.get('/moderation')).text()
    expect(queue).toContain('First post, waiting for approval')
    const queueId = /id="queue-(\d+)"/.exec(queue)![1]!
    expect((await moderator.post('/moderation', { intent: 'approve', queueId, reason: 'Welcome' })).status).toBe(200)
    // Seen by someone other than its author (logged in, so never an anonymous cached copy).
    expect(await (await moderator.get(`/discussions/area/${area}`)).text()).toContain('Hello, new here.')
  })
})
