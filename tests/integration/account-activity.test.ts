import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { database } from '../../app/lib/db.server'
import { startPlaza, type RunningPlaza } from '../support/server'
import { Visitor } from '../support/visitor'

/**
 * /account/activity over real HTTP (issue 18): a person sees what they filed and signed, one kind
 * at a time, 20 to a page; never another person's; anonymous visitors are sent to log in; a
 * fraud hold on a signature is not revealed to its signer.
 */

const PASSWORD = 'valmera-demo-2026'
const db = () => database().db
let plaza: RunningPlaza
let resident = 0
let citizen = 0
const reportIds: number[] = []
let petitionId = 0
let proposalId = 0
let supportedId = 0

async function login(who: string) {
  const v = new Visitor(plaza.url, { 'accept-language': 'en' })
  expect((await v.post('/login', { email: `${who}@valmera.example`, password: PASSWORD })).status).toBe(302)
  return v
}

beforeAll(async () => {
  plaza = await startPlaza({ DATABASE_PATH: process.env.DATABASE_PATH!, RATE_LIMIT_WRITE: 'off', BACKGROUND_JOBS: 'false' })
  resident = (await db().selectFrom('users').select('id').where('email', '=', 'resident@valmera.example').executeTakeFirstOrThrow()).id
  citizen = (await db().selectFrom('users').select('id').where('email', '=', 'citizen@valmera.example').executeTakeFirstOrThrow()).id
  // The demo city's items, given to the resident here (the test owns this database file).
  const reports = await db().selectFrom('reports').select('id').where('state_kind', 'in', ['open', 'fixed', 'closed']).orderBy('id').limit(23).execute()
  reportIds.push(...reports.map((r) => r.id))
  const petition = await db().selectFrom('petitions').select('id').where('state', '=', 'open').orderBy('id').executeTakeFirstOrThrow()
  petitionId = petition.id
  const proposals = await db().selectFrom('proposals').select('id').where('state', '=', 'published').orderBy('id').limit(2).execute()
  proposalId = proposals[0]!.id
  supportedId = proposals[1]!.id
  await database().write(async (trx) => {
    await trx.updateTable('reports').set({ reporter_id: null }).where('reporter_id', 'in', [resident, citizen]).execute()
    await trx.updateTable('reports').set({ reporter_id: resident }).where('id', 'in', reportIds).execute()
    await trx.updateTable('reports').set({ reporter_id: citizen }).where('id', '=', reportIds[0]!).execute()
    await trx.updateTable('petitions').set({ author_id: resident }).where('id', '=', petitionId).execute()
    await trx.updateTable('proposals').set({ author_id: resident }).where('id', '=', proposalId).execute()
    await trx.deleteFrom('proposal_supports').where('user_id', '=', resident).execute()
    await trx.insertInto('proposal_supports').values({ proposal_id: supportedId, user_id: resident, created_at: new Date().toISOString() }).execute()
    await trx.deleteFrom('petition_signatures').where('user_id', '=', resident).execute()
    await trx
      .insertInto('petition_signatures')
      .values({
        petition_id: petitionId,
        status: 'held',
        reason: 'same network as many others',
        decision: 'hold',
        name: 'Resident',
        email: 'resident@valmera.example',
        email_key: 'resident@valmera.example',
        email_domain: 'valmera.example',
        user_id: resident,
        lat: null,
        lng: null,
        area_id: null,
        district_id: null,
        ip: null,
        ip_key: null,
        confirm_token_hash: null,
        locale: 'en',
        created_at: new Date().toISOString(),
        confirmed_at: new Date().toISOString(),
        invalidated_at: null,
        invalidation_id: null,
        reviewed_by: null,
      })
      .execute()
  })
}, 120_000)

afterAll(async () => {
  await plaza?.stop()
})

describe('/account/activity', () => {
  it('sends an anonymous visitor to log in', async () => {
    const res = await new Visitor(plaza.url).get('/account/activity?show=letters')
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toMatch(/^\/login/)
  })

  it('lists the person’s own reports, 20 to a page, and not another person’s', async () => {
    const v = await login('resident')
    const first = await (await v.get('/account/activity')).text()
    expect(first).toContain('22 reports')
    expect(first).toContain('Page 1 of 2')
    expect(first.match(/<li class="queue__item">/g)).toHaveLength(20)
    expect(first).not.toContain(`href="/reports/${reportIds[0]}"`)
    const second = await (await v.get('/account/activity?show=reports&page=2')).text()
    expect(second.match(/<li class="queue__item">/g)).toHaveLength(2)
    // A page number that is not one is page 1, an unknown kind is the reports; never a 500.
    expect((await v.get('/account/activity?show=nonsense&page=-3')).status).toBe(200)
    const other = await (await (await login('citizen')).get('/account/activity?show=reports')).text()
    expect(other).toContain('1 report')
    expect(other).toContain(`href="/reports/${reportIds[0]}"`)
    expect(other).not.toContain(`href="/reports/${reportIds[1]}"`)
  })

  it('shows petitions, proposals, supports and signatures with where each stands; a hold reads as signed', async () => {
    const v = await login('resident')
    const petitions = await (await v.get('/account/activity?show=petitions')).text()
    expect(petitions).toContain(`href="/petitions/${petitionId}"`)
    expect(petitions).toContain('Open')
    const proposals = await (await v.get('/account/activity?show=proposals')).text()
    expect(proposals).toContain(`href="/proposals/${proposalId}"`)
    expect(proposals).not.toContain(`href="/proposals/${supportedId}"`)
    const supports = await (await v.get('/account/activity?show=supports')).text()
    expect(supports).toContain(`href="/proposals/${supportedId}"`)
    const signatures = await (await v.get('/account/activity?show=signatures')).text()
    expect(signatures).toContain(`href="/petitions/${petitionId}"`)
    expect(signatures).toContain('Signed')
    expect(signatures).not.toMatch(/held|same network/i)
    const citizenSignatures = await (await (await login('citizen')).get('/account/activity?show=signatures')).text()
    expect(citizenSignatures).not.toContain(`href="/petitions/${petitionId}"`)
  })

  it('links each letter to its status page', async () => {
    const v = await login('resident')
    const empty = await (await v.get('/account/activity?show=letters')).text()
    const letter = await db().selectFrom('letters').select('id').orderBy('id').executeTakeFirst()
    if (!letter) {
      expect(empty).toContain('You have not written to a representative')
      return
    }
    await database().write((trx) => trx.updateTable('letters').set({ sender_user_id: resident }).where('id', '=', letter.id).execute())
    const page = await (await v.get('/account/activity?show=letters')).text()
    const href = /href="(\/letters\/[a-z2-7]{32})"/.exec(page)?.[1]
    expect(href).toBeTruthy()
    expect((await v.get(href!)).status).toBe(200)
  })
})
