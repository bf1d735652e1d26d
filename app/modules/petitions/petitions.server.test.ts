import { beforeAll, describe, expect, it, vi } from 'vitest'

// Real signatures go through the signing queue; on a shared, loaded machine a test may take a while.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

// Small numbers so the lifecycle runs through real signatures.
vi.hoisted(() => {
  process.env.PETITION_SPONSORS = '2'
  process.env.PETITION_RESPONSE_THRESHOLD = '3'
  process.env.PETITION_DEBATE_THRESHOLD = '4'
  process.env.PETITION_MONTHS = '6'
})

import { config } from '../../lib/config.server'
import { database } from '../../lib/db.server'
import { makeUser, seededDatabase } from '../../../tests/support/fixtures'
import type { Principal } from '../accounts/policy'
import { areaPoint } from '../geo/areas.server'
import { decide, flagContent, moderationQueue } from '../moderation/moderation.server'
import { choroplethClasses, classOf } from './choropleth'
import {
  closeExpiredPetitions,
  createPetition,
  deletePetitionDraft,
  gatherSponsors,
  getPetition,
  listPetitions,
  petitionForViewer,
  petitionJson,
  petitionJsonResponse,
  publishDebateOutcome,
  publishPetition,
  rejectPetition,
  respondToPetition,
  scheduleDebate,
  sendPetitionMailings,
  settleMailings,
  sponsorToken,
  stopPetitionUpdates,
  updatePetitionDraft,
  updatesSubscription,
  updatesToken,
  verifySponsorToken,
  type PetitionInput,
} from './petitions.server'
import { signPetition } from './signatures.server'
import { addMonths, canTransition, nextThreshold, restoredState } from './states'

const input = (overrides: Partial<PetitionInput> = {}): PetitionInput => ({
  title: 'Keep the Lume library open on Sundays',
  action: 'Open the central library on Sunday afternoons.',
  background: 'Students **need** a quiet place.',
  target: 'council',
  departmentId: null,
  representativeId: null,
  areaSlug: null,
  location: null,
  ...overrides,
})

async function person(level = 1, role?: 'staff' | 'moderator' | 'admin'): Promise<Principal> {
  const user = await makeUser(level)
  if (role) {
    const department = role === 'staff' ? ((await database().db.selectFrom('departments').select('id').executeTakeFirst())?.id ?? null) : null
    await database().write((trx) => trx.insertInto('user_roles').values({ user_id: user.id, role, department_id: department, granted_by: null, granted_at: new Date().toISOString() }).execute())
    return { id: user.id, verificationLevel: level, roles: [{ role, departmentId: department }] }
  }
  return { id: user.id, verificationLevel: level, roles: [] }
}

let point: { lat: number; lng: number }
let seq = 0
/** A logged-in resident at the sign level signs: counted at once (PETITION_COUNT_LOGGED_IN). */
async function sign(petitionId: number, options: { sponsor?: boolean; updates?: boolean } = {}) {
  const user = await makeUser(2)
  const n = ++seq
  return signPetition(
    petitionId,
    { name: `Signer ${n}`, email: `signer${n}@example.org`, lat: String(point.lat), lng: String(point.lng), updates: options.updates ?? true },
    { ip: `10.0.${Math.floor(n / 200)}.${n % 200}`, account: user, locale: 'en', sponsor: options.sponsor ?? false },
  )
}

const row = (id: number) => getPetition(id).then((p) => p!)
const outbox = (kind: string) => database().db.selectFrom('outbox').selectAll().where('kind', '=', kind).execute()

let author: Principal
let moderator: Principal
let staff: Principal

beforeAll(async () => {
  await seededDatabase()
  const p = await areaPoint('sant-roc')
  point = { lat: p!.lat, lng: p!.lng }
  author = await person(1)
  moderator = await person(1, 'moderator')
  staff = await person(1, 'staff')
})

async function openPetition(overrides: Partial<PetitionInput> = {}) {
  const created = await createPetition(author, input(overrides), { gather: false })
  if (created.kind !== 'saved') throw new Error(created.kind)
  await gatherSponsors(author, created.id)
  for (let i = 0; i < 2; i++) await sign(created.id, { sponsor: true })
  expect((await row(created.id)).state).toBe('pending')
  expect(await publishPetition(moderator, created.id)).toEqual({ kind: 'ok' })
  return created.id
}

describe('the demo seed', () => {
  it('has petitions in every state, counts rebuilt from their signatures', async () => {
    const rows = await database()
      .db.selectFrom('petitions')
      .select(['id', 'state', 'title', 'signature_count', 'response_threshold_reached_at', 'responded_at', 'debated_at'])
      .where('author_id', 'in', (eb) => eb.selectFrom('users').select('id').where('email', 'like', '%@valmera.example'))
      .execute()
    expect(new Set(rows.map((r) => r.state))).toEqual(new Set(['draft', 'sponsoring', 'pending', 'open', 'closed', 'rejected']))
    expect(rows.some((r) => r.response_threshold_reached_at && !r.responded_at)).toBe(true)
    expect(rows.some((r) => r.responded_at)).toBe(true)
    expect(rows.some((r) => r.debated_at)).toBe(true)
    const { countMismatches } = await import('./signatures.server')
    for (const r of rows) expect(await countMismatches(database().db, r.id)).toEqual([])
    const popular = rows.find((r) => r.title.startsWith('Keep the Lume library'))!
    expect(popular.signature_count).toBeGreaterThan(5)
    const daily = await database().db.selectFrom('petition_hourly_counts').select('hour').where('petition_id', '=', popular.id).execute()
    expect(new Set(daily.map((d) => d.hour.slice(0, 10))).size).toBeGreaterThan(1)
  })
})

describe('states (pure)', () => {
  it('lets only the right actor move a petition', () => {
    expect(canTransition('draft', 'sponsoring', 'author')).toBe(true)
    expect(canTransition('sponsoring', 'open', 'author')).toBe(false)
    expect(canTransition('pending', 'open', 'moderator')).toBe(true)
    expect(canTransition('draft', 'open', 'moderator')).toBe(false)
    expect(canTransition('open', 'closed', 'system')).toBe(true)
    expect(canTransition('closed', 'open', 'system')).toBe(false)
    expect(restoredState({ closed_at: null, closes_at: '2099-01-01T00:00:00Z' }, '2026-11-22T00:00:00Z')).toBe('open')
    expect(restoredState({ closed_at: null, closes_at: '2026-01-01T00:00:00Z' }, '2026-11-22T00:00:00Z')).toBe('closed')
  })
  it('aims the progress at the next threshold', () => {
    expect(nextThreshold(10, { response: 1000, debate: 10000 })).toEqual({ kind: 'response', at: 1000 })
    expect(nextThreshold(1000, { response: 1000, debate: 10000 })).toEqual({ kind: 'debate', at: 10000 })
    expect(nextThreshold(10000, { response: 1000, debate: 10000 })).toBeNull()
    expect(addMonths('2026-08-31T10:00:00.000Z', 6)).toBe('2027-02-28T10:00:00.000Z')
  })
  it('sorts counts into the choropleth classes', () => {
    expect(choroplethClasses(0)).toEqual([{ index: 0, from: 0, to: 0 }])
    const classes = choroplethClasses(100)
    expect(classes.map((c) => [c.from, c.to])).toEqual([
      [0, 0],
      [1, 25],
      [26, 50],
      [51, 75],
      [76, 100],
    ])
    expect([0, 1, 25, 26, 100].map((n) => classOf(n, classes))).toEqual([0, 1, 1, 2, 4])
    // Fewer distinct counts than classes: no empty or overlapping class.
    expect(choroplethClasses(2).map((c) => [c.from, c.to])).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
    ])
  })
})

describe('sponsor tokens', () => {
  it('are derived, stable and specific to one petition', async () => {
    const a = await sponsorToken(41)
    expect(a).toMatch(/^[a-z2-7]{32}$/)
    expect(await sponsorToken(41)).toBe(a)
    expect(await verifySponsorToken(41, a)).toBe(true)
    expect(await verifySponsorToken(42, a)).toBe(false)
    expect(await verifySponsorToken(41, 'x'.repeat(32))).toBe(false)
    expect(await verifySponsorToken(41, '')).toBe(false)
  })
})

describe('drafting', () => {
  it('saves a draft with rendered Markdown, only its author edits or deletes it', async () => {
    const created = await createPetition(author, input(), { gather: false })
    expect(created).toMatchObject({ kind: 'saved', state: 'draft' })
    const id = (created as { id: number }).id
    const p = await row(id)
    expect(p.background_html).toContain('<strong>need</strong>')
    expect(p.sponsors_required).toBe(2)
    const other = await person(1)
    expect(await updatePetitionDraft(other, id, input({ title: 'Mine now' }), { gather: false })).toEqual({ kind: 'notFound' })
    expect(await deletePetitionDraft(other, id)).toEqual({ kind: 'notFound' })
    expect(await petitionForViewer(id, other)).toBeNull()
    expect(await petitionForViewer(id, null)).toBeNull()
    expect((await petitionForViewer(id, author))?.state).toBe('draft')
    expect(await updatePetitionDraft(author, id, input({ title: 'Keep the library open' }), { gather: false })).toMatchObject({ kind: 'saved' })
    expect((await row(id)).title).toBe('Keep the library open')
    expect(await deletePetitionDraft(author, id)).toEqual({ kind: 'deleted' })
    expect(await getPetition(id)).toBeNull()
  })

  it('refuses bad input with field keys, and an unverified author', async () => {
    const long = await createPetition(author, input({ title: 'x'.repeat(101), action: '', background: 'y'.repeat(5001) }), { gather: false })
    expect(long).toEqual({ kind: 'invalid', errors: { title: 'petitions:errors.titleTooLong', action: 'petitions:errors.actionRequired', background: 'petitions:errors.backgroundTooLong' } })
    expect(await createPetition(author, input({ target: 'department', departmentId: 99999 }), { gather: false })).toEqual({
      kind: 'invalid',
      errors: { department: 'petitions:errors.departmentRequired' },
    })
    expect(await createPetition(author, input({ areaSlug: 'atlantis' }), { gather: false })).toEqual({ kind: 'invalid', errors: { restriction: 'petitions:errors.areaUnknown' } })
    expect(await createPetition(author, input({ location: { lat: 0, lng: 0 } }), { gather: false })).toEqual({ kind: 'outsideCity' })
    const unverified = await person(0)
    expect(await createPetition(unverified, input(), { gather: false })).toEqual({ kind: 'needsLevel', level: 1 })
  })

  it('targets a department, restricts to an area and places the petition at the area when no point is given', async () => {
    const department = await database().db.selectFrom('departments').select('id').executeTakeFirstOrThrow()
    const created = await createPetition(author, input({ target: 'department', departmentId: department.id, areaSlug: 'sant-roc' }), { gather: false })
    const p = await row((created as { id: number }).id)
    expect(p.target_department_id).toBe(department.id)
    expect(p.area_id).not.toBeNull()
    expect([p.lat, p.lng]).toEqual([point.lat, point.lng])
  })
})

describe('the lifecycle', () => {
  it('draft → sponsoring → pending → open → thresholds → response, debate → closed', async () => {
    const created = await createPetition(author, input({ location: point, title: 'Benches along the riverbank walk' }), { gather: true })
    expect(created).toMatchObject({ kind: 'saved', state: 'sponsoring' })
    const id = (created as { id: number }).id
    // Not public while sponsoring; not signable without the sponsor link.
    expect(await petitionJson(id)).toBeNull()
    expect((await sign(id)).kind).toBe('notOpen')
    // The author sees the sponsor link.
    const view = await petitionForViewer(id, author)
    expect(view?.sponsorLink).toContain(`/petitions/${id}/sponsor/${await sponsorToken(id)}`)
    expect((await petitionForViewer(id, moderator))?.sponsorLink).toBeNull()

    for (let i = 0; i < 2; i++) expect((await sign(id, { sponsor: true })).kind).toBe('counted')
    expect((await row(id)).state).toBe('pending')
    // Publishing needs a moderator.
    expect(await publishPetition(author, id)).toEqual({ kind: 'forbidden' })
    expect(await publishPetition(staff, id)).toEqual({ kind: 'forbidden' })
    expect(await publishPetition(moderator, id)).toEqual({ kind: 'ok' })
    expect(await publishPetition(moderator, id)).toEqual({ kind: 'badState', state: 'open' })
    const opened = await row(id)
    expect(opened.state).toBe('open')
    expect(opened.closes_at).toBe(addMonths(opened.opened_at!, 6))
    expect([opened.response_threshold, opened.debate_threshold]).toEqual([3, 4])
    expect(await database().db.selectFrom('map_items').select(['status', 'visible']).where('kind', '=', 'petitions').where('item_id', '=', id).executeTakeFirst()).toEqual({
      status: 'open',
      visible: 1,
    })
    expect(await outbox('petition.published')).toEqual(expect.arrayContaining([expect.objectContaining({ subject: expect.stringContaining('Benches along the riverbank walk') })]))
    expect(await database().db.selectFrom('audit_log').select('action').where('target_kind', '=', 'petition').where('target_id', '=', id).execute()).toEqual([{ action: 'petition.publish' }])

    // The council cannot respond before the response threshold.
    expect(await respondToPetition(staff, id, 'Too early')).toEqual({ kind: 'notReached', threshold: 'response' })
    // Sponsors count: two more signatures reach the response threshold (3), then the debate (4).
    await sign(id, { updates: false })
    expect((await row(id)).response_threshold_reached_at).not.toBeNull()
    expect((await listPetitions({ state: 'awaiting_response' })).items.map((i) => i.id)).toContain(id)
    expect((await petitionForViewer(id, null))?.awaitingResponse).toBe(true)
    await sign(id)
    expect((await row(id)).debate_threshold_reached_at).not.toBeNull()

    // Only staff with petition:respond respond.
    expect(await respondToPetition(author, id, 'We agree')).toEqual({ kind: 'forbidden' })
    expect(await respondToPetition(moderator, id, 'We agree')).toEqual({ kind: 'forbidden' })
    expect(await respondToPetition(staff, id, '   ')).toEqual({ kind: 'empty' })
    expect(await respondToPetition(staff, id, 'x'.repeat(10_001))).toEqual({ kind: 'tooLong' })
    const responded = await respondToPetition(staff, id, 'We **agree**: benches in spring.')
    expect(responded.kind).toBe('ok')
    await settleMailings()
    // Every counted signer who asked for updates (2 sponsors + 1; one said no) gets the response.
    const mails = (await outbox('petition.response')).filter((m) => m.subject.includes('Benches along the riverbank walk'))
    expect(mails).toHaveLength(3)
    expect(JSON.parse(mails[0]!.headers)).toMatchObject({ 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', 'List-Unsubscribe': expect.stringContaining(`/petitions/${id}/unsubscribe/`) })
    expect(mails[0]!.text_body).toContain('We **agree**')
    expect((await listPetitions({ state: 'responded' })).items.map((i) => i.id)).toContain(id)
    expect((await listPetitions({ state: 'awaiting_response' })).items.map((i) => i.id)).not.toContain(id)
    // A correction is audited, not mailed again.
    expect((await respondToPetition(staff, id, 'We agree: benches in April.')).kind).toBe('ok')
    await settleMailings()
    expect(await sendPetitionMailings()).toBe(0)
    expect((await outbox('petition.response')).filter((m) => m.subject.includes('Benches along the riverbank walk'))).toHaveLength(3)

    // The debate: outcome before a date is refused; a bad date too.
    expect(await publishDebateOutcome(staff, id, 'Agreed')).toEqual({ kind: 'notScheduled' })
    expect(await scheduleDebate(staff, id, '2026-02-30')).toEqual({ kind: 'badDate' })
    expect((await scheduleDebate(staff, id, '2026-12-15')).kind).toBe('ok')
    expect((await publishDebateOutcome(staff, id, 'The council **agreed**.')).kind).toBe('ok')
    await settleMailings()
    expect((await outbox('petition.debate-outcome')).filter((m) => m.subject.includes('Benches'))).toHaveLength(3)
    expect((await listPetitions({ state: 'debated' })).items.map((i) => i.id)).toContain(id)
    const actions = await database().db.selectFrom('audit_log').select('action').where('target_kind', '=', 'petition').where('target_id', '=', id).orderBy('id').execute()
    expect(actions.map((a) => a.action)).toEqual(['petition.publish', 'petition.respond', 'petition.respond', 'petition.schedule-debate', 'petition.debate-outcome'])

    // The JSON.
    const json = await petitionJson(id)
    expect(json).toMatchObject({ id, state: 'open', signature_count: 4, thresholds: { response: 3, debate: 4 }, response: { markdown: 'We agree: benches in April.' } })
    // Signers live at Sant Roc's inside point: its district and the neighbourhood there.
    expect(json!.signatures_by_district).toEqual([expect.objectContaining({ slug: 'sant-roc', name: expect.any(String), id: expect.any(Number), signatures: 4 })])
    expect(json!.signatures_by_neighbourhood).toEqual([expect.objectContaining({ slug: expect.any(String), signatures: 4 })])

    // The close: nothing before closes_at; after it, closed once (a second run changes nothing).
    expect(await closeExpiredPetitions(new Date())).not.toContain(id)
    const later = new Date(Date.parse(opened.closes_at!) + 1000)
    expect(await closeExpiredPetitions(later)).toContain(id)
    expect(await closeExpiredPetitions(later)).not.toContain(id)
    const closed = await row(id)
    expect(closed.state).toBe('closed')
    expect((await sign(id)).kind).toBe('closed')
    expect((await listPetitions({ state: 'closed' })).items.map((i) => i.id)).toContain(id)
    expect((await listPetitions({ state: 'open' })).items.map((i) => i.id)).not.toContain(id)
  })

  it('rejects a pending petition with a reason its author sees and is mailed', async () => {
    const created = await createPetition(author, input({ title: 'Paint the town hall pink' }), { gather: true })
    const id = (created as { id: number }).id
    for (let i = 0; i < 2; i++) await sign(id, { sponsor: true })
    expect(await rejectPetition(staff, id, 'nonsense', '')).toEqual({ kind: 'forbidden' })
    expect(await rejectPetition(moderator, id, 'nonsense', 'x'.repeat(2001))).toEqual({ kind: 'invalid', field: 'details' })
    expect(await rejectPetition(moderator, id, 'not_council_business', 'Paint is a matter for the heritage office.')).toEqual({ kind: 'ok' })
    expect(await publishPetition(moderator, id)).toEqual({ kind: 'badState', state: 'rejected' })
    const view = await petitionForViewer(id, author)
    expect(view?.rejection).toEqual({ reason: 'not_council_business', details: 'Paint is a matter for the heritage office.' })
    expect(await petitionForViewer(id, null)).toBeNull()
    const mail = (await outbox('petition.rejected')).find((m) => m.subject.includes('Paint the town hall pink'))
    expect(mail?.text_body).toContain('heritage office')
  })

  it('with PETITION_SPONSORS = 0 a draft goes straight to moderation', async () => {
    // The configuration object is read at each call: change it for this test only.
    const c = config() as { PETITION_SPONSORS: number }
    c.PETITION_SPONSORS = 0
    try {
      const created = await createPetition(author, input({ title: 'No sponsors needed' }), { gather: false })
      const id = (created as { id: number }).id
      expect(await gatherSponsors(author, id)).toEqual({ kind: 'ok', state: 'pending' })
      const p = await row(id)
      expect([p.state, p.sponsors_required, p.submitted_at !== null]).toEqual(['pending', 0, true])
      expect(await gatherSponsors(author, id)).toEqual({ kind: 'notDraft' })
    } finally {
      c.PETITION_SPONSORS = 2
    }
  })
})

describe('moderation hides and restores', () => {
  it('hides an open petition from lists, JSON and the map on flags, and restores it', async () => {
    const id = await openPetition({ title: 'Hide me petition', location: point })
    const flagger = await person(1)
    expect((await flagContent(flagger.id, { targetKind: 'petition', targetId: id, reason: 'spam', note: '' })).kind).toBe('ok')
    const item = (await moderationQueue()).find((q) => q.target_kind === 'petition' && q.target_id === id)
    expect(item).toBeDefined()
    await decide(moderator.id, item!.id, 'hide', 'Spam')
    expect((await row(id)).state).toBe('hidden')
    expect(await petitionJson(id)).toBeNull()
    expect((await listPetitions({ state: 'all' })).items.map((i) => i.id)).not.toContain(id)
    expect((await sign(id)).kind).not.toBe('counted')
    await decide(moderator.id, item!.id, 'restore', 'Not spam after all')
    expect((await row(id)).state).toBe('open')
  })
})

describe('lists and search', () => {
  it('searches the text (accents folded), sorts by signatures or newest, pages by 20', async () => {
    const a = await openPetition({ title: 'Árboles frutales en Xirivella' })
    const b = await openPetition({ title: 'More trees for the main square' })
    await sign(b)
    expect((await listPetitions({ q: 'arboles xirivella', state: 'all' })).items.map((i) => i.id)).toEqual([a])
    expect((await listPetitions({ q: '"; drop table petitions; --', state: 'all' })).items).toEqual([])
    expect((await listPetitions({ q: '***', state: 'all' })).total).toBe(0)
    const bySignatures = (await listPetitions({ state: 'open', sort: 'signatures', pageSize: 100 })).items.map((i) => i.id)
    expect(bySignatures.indexOf(b)).toBeLessThan(bySignatures.indexOf(a))
    const newest = (await listPetitions({ state: 'open', sort: 'newest', pageSize: 100 })).items.map((i) => i.id)
    expect(newest.indexOf(b)).toBeLessThan(newest.indexOf(a))
    const page = await listPetitions({ state: 'all' })
    expect(page.items.length).toBeLessThanOrEqual(20)
    expect(page.pages).toBe(Math.max(1, Math.ceil(page.total / 20)))
  })
})

describe('the JSON response', () => {
  it('answers published petitions with CORS and cache headers, 404 otherwise', async () => {
    const id = await openPetition({ title: 'JSON petition' })
    const ok = await petitionJsonResponse(new Request(`http://x/petitions/${id}.json`))
    expect(ok.status).toBe(200)
    expect(ok.headers.get('access-control-allow-origin')).toBe('*')
    expect(ok.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/)
    expect(((await ok.json()) as { title: string }).title).toBe('JSON petition')
    const draft = await createPetition(author, input(), { gather: false })
    expect((await petitionJsonResponse(new Request(`http://x/petitions/${(draft as { id: number }).id}.json`))).status).toBe(404)
    expect((await petitionJsonResponse(new Request('http://x/petitions/abc.json'))).status).toBe(404)
  })
})

describe('unsubscribe from updates', () => {
  it('one signed link per signature sets notify_updates = 0; forged links do nothing', async () => {
    const id = await openPetition({ title: 'Unsubscribe petition' })
    const signed = await sign(id)
    const sigId = (signed as { id: number }).id
    const token = await updatesToken(sigId)
    expect(await updatesSubscription(id, token)).toEqual({ kind: 'ok', title: 'Unsubscribe petition' })
    expect(await stopPetitionUpdates(id, `${sigId}-${'a'.repeat(32)}`)).toEqual({ kind: 'invalid' })
    expect(await stopPetitionUpdates(id + 1, token)).toEqual({ kind: 'invalid' })
    expect(await stopPetitionUpdates(id, token)).toEqual({ kind: 'ok', title: 'Unsubscribe petition' })
    expect(await stopPetitionUpdates(id, token)).toEqual({ kind: 'already', title: 'Unsubscribe petition' })
    const s = await database().db.selectFrom('petition_signatures').select('notify_updates').where('id', '=', sigId).executeTakeFirstOrThrow()
    expect(s.notify_updates).toBe(0)
  })
})
