import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { database } from '../../app/lib/db.server'
import { startPlaza, type RunningPlaza } from '../support/server'
import { Visitor } from '../support/visitor'

/**
 * Issue 18 over real HTTP: what a person creates is followed unless they untick the box; a
 * verified resident writing a letter finds their home district chosen and the address of their
 * last letter filled in (both editable).
 */

const PASSWORD = 'valmera-demo-2026'
const db = () => database().db
let plaza: RunningPlaza
let resident = 0

async function login(who: string) {
  const v = new Visitor(plaza.url, { 'accept-language': 'en' })
  expect((await v.post('/login', { email: `${who}@valmera.example`, password: PASSWORD })).status).toBe(302)
  return v
}

function proposal(title: string, follow: boolean, category: string) {
  const form = new FormData()
  form.set('title', title)
  form.set('summary', 'A short summary of what this proposal asks for, long enough.')
  form.set('body', 'The body of the proposal explains the idea in a few sentences so that it is long enough to pass.')
  form.set('category', category)
  form.set('intent', 'draft')
  if (follow) form.set('follow', 'on')
  return form
}

beforeAll(async () => {
  plaza = await startPlaza({ DATABASE_PATH: process.env.DATABASE_PATH!, RATE_LIMIT_WRITE: 'off', BACKGROUND_JOBS: 'false' })
  resident = (await db().selectFrom('users').select('id').where('email', '=', 'resident@valmera.example').executeTakeFirstOrThrow()).id
}, 120_000)

afterAll(async () => {
  await plaza?.stop()
})

describe('default follow of what you create', () => {
  it('offers the box ticked, follows when it is sent, and not when it was unticked', async () => {
    const v = await login('resident')
    const page = await (await v.get('/proposals/new')).text()
    expect(page).toMatch(/<input type="checkbox" name="follow" checked=""/)
    const category = (await db().selectFrom('proposal_categories').select('code').orderBy('id').executeTakeFirstOrThrow()).code
    const followed = await v.post('/proposals/new', proposal('A followed proposal from the test', true, category))
    expect(followed.status).toBe(302)
    const id = Number(/\/proposals\/(\d+)/.exec(followed.headers.get('location') ?? '')?.[1])
    const row = await db().selectFrom('subscriptions').select(['confirmed_at', 'unsubscribed_at', 'user_id']).where('target_kind', '=', 'proposal').where('target_id', '=', id).executeTakeFirst()
    expect(row?.user_id).toBe(resident)
    expect(row?.confirmed_at).not.toBeNull()
    expect(row?.unsubscribed_at).toBeNull()
    const unticked = await v.post('/proposals/new', proposal('A proposal nobody follows here', false, category))
    expect(unticked.status).toBe(302)
    const other = Number(/\/proposals\/(\d+)/.exec(unticked.headers.get('location') ?? '')?.[1])
    expect(await db().selectFrom('subscriptions').select('id').where('target_kind', '=', 'proposal').where('target_id', '=', other).executeTakeFirst()).toBeUndefined()
  })
})

describe('a letter from a verified resident', () => {
  it('starts with their home district chosen', async () => {
    const user = await db().selectFrom('users').select(['home_area_id', 'verification_level']).where('id', '=', resident).executeTakeFirstOrThrow()
    expect(user.verification_level).toBeGreaterThanOrEqual(2)
    const slug = (await db().selectFrom('areas').select('slug').where('id', '=', user.home_area_id!).executeTakeFirstOrThrow()).slug
    const page = await (await (await login('resident')).get('/letters/new')).text()
    expect(page).toContain(`<option value="${slug}" selected="">`)
    const anonymous = await (await new Visitor(plaza.url).get('/letters/new')).text()
    expect(anonymous).not.toContain(`<option value="${slug}" selected="">`)
  })
})
