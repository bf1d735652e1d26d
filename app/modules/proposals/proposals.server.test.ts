import { beforeAll, describe, expect, it, vi } from 'vitest'

// A fixed threshold for these tests (the default, 1% of the tiny test census, would be 1).
vi.hoisted(() => {
  process.env.PROPOSAL_THRESHOLD = '3'
  process.env.PROPOSAL_MONTHS = '12'
})

import { sql } from 'kysely'
import { database } from '../../lib/db.server'
import { areaId, makeUser, seededDatabase } from '../../../tests/support/fixtures'
import { proposalsStep } from '../../../db/seed/proposals'
import type { Principal } from '../accounts/policy'
import { areaPoint } from '../geo/areas.server'
import { decide, flagContent, moderationQueue } from '../moderation/moderation.server'
import { registerProposalKinds } from './kinds.server'
import {
  answerProposal,
  archiveExpiredProposals,
  attachProcess,
  birthDateCutoff,
  createProposal,
  deleteDraft,
  eligiblePopulation,
  forgetCensusCount,
  listProposals,
  onThresholdReached,
  proposalForViewer,
  publishProposal,
  refreshHotScores,
  supportProposal,
  supportThreshold,
  thresholdOf,
  updateDraft,
  type ProposalInput,
} from './proposals.server'
import { normaliseTags } from './schema'

let point: { lat: number; lng: number }
const DAY = 86_400_000

const input = (overrides: Partial<ProposalInput> = {}): ProposalInput => ({
  title: 'Plant shade trees on the river walk',
  summary: 'Shade for the river walk in summer.',
  body: 'Line **both banks** with native trees.',
  categoryCode: 'environment',
  tags: ['trees', 'river'],
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

async function published(overrides: Partial<ProposalInput> = {}, at?: string) {
  const author = await person(1)
  const result = await createProposal(author, input(overrides), { publish: true, at })
  if (result.kind !== 'saved') throw new Error(result.kind)
  return { id: result.id, author }
}

const row = (id: number) => database().db.selectFrom('proposals').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
const mapItem = (id: number) => database().db.selectFrom('map_items').selectAll().where('kind', '=', 'proposals').where('item_id', '=', id).executeTakeFirst()
const search = async (q: string) => (await listProposals({ q, state: 'all', pageSize: 100 })).items.map((i) => i.id)

beforeAll(async () => {
  await seededDatabase()
  await proposalsStep.run(database(), { seed: 1, scale: 0.01 }, () => {})
  registerProposalKinds()
  const p = await areaPoint('sant-roc')
  point = { lat: p!.lat, lng: p!.lng }
})

describe('the seed', () => {
  it('makes the six categories and, at test scale, two published proposals (and is idempotent)', async () => {
    const categories = await database().db.selectFrom('proposal_categories').select('code').orderBy('position').execute()
    expect(categories.map((c) => c.code)).toEqual(['urbanism', 'mobility', 'environment', 'culture', 'social', 'economy'])
    const before = await database()
      .db.selectFrom('proposals')
      .select(sql<number>`count(*)`.as('n'))
      .executeTakeFirstOrThrow()
    expect(before.n).toBeGreaterThanOrEqual(2)
    expect((await proposalsStep.run(database(), { seed: 1, scale: 0.01 }, () => {})).created).toBe(0)
  })
})

describe('drafts and publishing', () => {
  it('shows a draft to its author only, in no list and no search', async () => {
    const author = await person(1)
    const result = await createProposal(author, input({ title: 'Secret draft about zeppelins' }), { publish: false })
    expect(result).toMatchObject({ kind: 'saved', state: 'draft' })
    const id = (result as { id: number }).id
    expect(await proposalForViewer(id, author)).toMatchObject({ id, state: 'draft' })
    expect(await proposalForViewer(id, await person(2))).toBeNull()
    expect(await proposalForViewer(id, await person(1, 'moderator'))).toBeNull()
    expect(await proposalForViewer(id, await person(1, 'admin'))).toBeNull()
    expect(await proposalForViewer(id, null)).toBeNull()
    expect((await listProposals({ state: 'all', pageSize: 100 })).items.map((i) => i.id)).not.toContain(id)
    expect(await search('zeppelins')).toEqual([])
  })

  it('lets only the author edit a draft, and only while it is one; publishing sets the months', async () => {
    const author = await person(1)
    const id = ((await createProposal(author, input({ location: point }), { publish: false })) as { id: number }).id
    expect((await mapItem(id))?.visible).toBe(0)
    expect(await updateDraft(await person(1), id, input({ title: 'Hijacked' }), { publish: false })).toEqual({ kind: 'notFound' })
    expect(await updateDraft(author, id, input({ title: 'Plant 500 trees', location: point }), { publish: false })).toMatchObject({ kind: 'saved', state: 'draft' })
    expect(await publishProposal(author, id)).toEqual({ kind: 'published' })
    const p = await row(id)
    expect(p.state).toBe('published')
    expect(p.title).toBe('Plant 500 trees')
    const months = (Date.parse(p.expires_at!) - Date.parse(p.published_at!)) / DAY
    expect(months).toBeGreaterThanOrEqual(365)
    expect(months).toBeLessThanOrEqual(366)
    expect(await mapItem(id)).toMatchObject({ visible: 1, status: 'published', category: 'environment' })
    expect(await updateDraft(author, id, input(), { publish: false })).toEqual({ kind: 'notDraft' })
    expect(await publishProposal(author, id)).toEqual({ kind: 'notDraft' })
    expect(await deleteDraft(author, id)).toEqual({ kind: 'notDraft' })
  })

  it('places the proposal in its areas, refuses a point outside the city and an unknown category', async () => {
    const { id } = await published({ location: point })
    const p = await row(id)
    // Sant Roc is a district; the area is the neighbourhood around the point.
    expect(p.district_id).toBe(await areaId('sant-roc'))
    expect(p.area_id).not.toBe(p.district_id)
    const author = await person(1)
    expect(await createProposal(author, input({ location: { lat: 10, lng: 10 } }), { publish: true })).toEqual({ kind: 'outsideCity' })
    expect(await createProposal(author, input({ categoryCode: 'astrology' }), { publish: true })).toEqual({ kind: 'unknownCategory' })
  })

  it('stores normalised tags in the row and the tag table, and filters by them', async () => {
    const { tags } = normaliseTags('Bike Lanes, #Footbridge,bike lanes')
    expect(tags).toEqual(['bike-lanes', 'footbridge'])
    const { id } = await published({ tags, title: 'Cycle lane on the bridge' })
    expect((await row(id)).tags).toBe('bike-lanes footbridge')
    const rows = await database().db.selectFrom('proposal_tags').select('tag').where('proposal_id', '=', id).orderBy('tag').execute()
    expect(rows.map((r) => r.tag)).toEqual(['bike-lanes', 'footbridge'])
    expect((await listProposals({ tag: 'footbridge', pageSize: 100 })).items.map((i) => i.id)).toEqual([id])
  })

  it('throws a draft away on its author’s word', async () => {
    const author = await person(1)
    const id = ((await createProposal(author, input({ location: point }), { publish: false })) as { id: number }).id
    expect(await deleteDraft(await person(1), id)).toEqual({ kind: 'notFound' })
    expect(await deleteDraft(author, id)).toEqual({ kind: 'deleted' })
    expect(await database().db.selectFrom('proposals').select('id').where('id', '=', id).executeTakeFirst()).toBeUndefined()
    expect(await mapItem(id)).toBeUndefined()
  })

  it('refuses a level the installation does not allow, and a blocked person', async () => {
    const author = await person(0)
    expect(await createProposal(author, input(), { publish: true })).toEqual({ kind: 'needsLevel', level: 1 })
    const blocked = await person(1)
    await database().write((trx) => trx.insertInto('user_blocks').values({ user_id: blocked.id, blocked_by: null, reason: 'spam', created_at: new Date().toISOString(), lifted_at: null }).execute())
    expect(await createProposal(blocked, input(), { publish: true })).toEqual({ kind: 'blocked', reason: 'spam' })
  })
})

describe('search (FTS5)', () => {
  it('finds words without their accents, by prefix, in title, summary, body and tags', async () => {
    const { id } = await published({ title: 'Más árboles en la plaza', summary: 'Sombra para el verano en Valmera.', body: 'Plantar **árboles** autóctonos.', tags: ['jardinería'] })
    expect(await search('arboles')).toContain(id)
    expect(await search('ÁRBOLES plaza')).toContain(id)
    expect(await search('arbo')).toContain(id)
    expect(await search('autoctonos')).toContain(id)
    expect(await search('jardineria')).toContain(id)
    expect(await search('arboles submarine')).not.toContain(id)
  })

  it('ranks by relevance when searching, and keeps the filters', async () => {
    const title = await published({ title: 'Hedgehog crossings under the ring road', summary: 'Tunnels for small animals.', body: 'Small tunnels.' })
    const body = await published({ title: 'Wildlife in the parks', summary: 'More nesting boxes.', body: 'Also hedgehog houses.' })
    const result = await listProposals({ q: 'hedgehog', state: 'all' })
    expect(result.sort).toBe('relevance')
    expect(result.items.map((i) => i.id)).toEqual([title.id, body.id])
    expect((await listProposals({ q: 'hedgehog', categoryCode: 'mobility' })).total).toBe(0)
  })

  it('never fails on hostile or odd input', async () => {
    for (const q of ['"', 'AND OR NOT', 'title:foo', '(((', '*', 'NEAR(a b)', '-x', `a' OR 1=1 --`, '\u0000', '🌳🌳', 'x'.repeat(10_000), '{title}: a', '^a', 'a*b', 'ｆｕｌｌｗｉｄｔｈ']) {
      const result = await listProposals({ q, state: 'all' })
      expect(Array.isArray(result.items), q.slice(0, 20)).toBe(true)
    }
    expect((await listProposals({ q: '!!! ???' })).total).toBe(0)
  })
})

describe('ordering', () => {
  it('sorts by hot, most supported and newest', async () => {
    const now = Date.now()
    const category = 'culture'
    const old = await published({ categoryCode: category, title: 'Old and popular' }, new Date(now - 100 * DAY).toISOString())
    const middle = await published({ categoryCode: category, title: 'Middle' }, new Date(now - 20 * DAY).toISOString())
    const fresh = await published({ categoryCode: category, title: 'Brand new' }, new Date(now - 3_600_000).toISOString())
    const supporters = await Promise.all([person(2), person(2)])
    // Two supports long ago for the old one (they count for "most", not for "hot"); one this week for the middle one.
    for (const s of supporters) await supportProposal(s.id, old.id, { at: new Date(now - 50 * DAY).toISOString() })
    await supportProposal(supporters[0]!.id, middle.id)
    await refreshHotScores(now)
    const order = async (sort: 'hot' | 'most' | 'newest') => (await listProposals({ categoryCode: category, sort })).items.map((i) => i.id).filter((id) => [old.id, middle.id, fresh.id].includes(id))
    expect(await order('most')).toEqual([old.id, middle.id, fresh.id])
    expect(await order('newest')).toEqual([fresh.id, middle.id, old.id])
    expect(await order('hot')).toEqual([fresh.id, middle.id, old.id])
  })

  it('pages through several states in one order (each state read from its own index and merged), as one sort of them all would', async () => {
    const made = await Promise.all(Array.from({ length: 8 }, (_, i) => published({ categoryCode: 'mobility', title: `Merged order ${i}` })))
    const states = ['published', 'threshold_reached', 'answered', 'archived'] as const
    // Several states, equal keys across states (ties broken by id), as the seed's own proposals are.
    await database().write(async (trx) => {
      for (const [i, { id }] of made.entries())
        await trx
          .updateTable('proposals')
          .set({ state: states[i % states.length]!, hot_score: (i % 3) * 1.5, supports: i % 2 })
          .where('id', '=', id)
          .execute()
    })
    for (const sort of ['hot', 'most', 'newest'] as const)
      for (const state of ['active', 'all'] as const) {
        const key = sort === 'hot' ? 'hot_score' : sort === 'most' ? 'supports' : 'published_at'
        const inStates = state === 'all' ? ['published', 'threshold_reached', 'voting', 'answered', 'archived'] : ['published', 'threshold_reached', 'voting', 'answered']
        const expected = (
          await database()
            .db.selectFrom('proposals')
            .select('id')
            .where('state', 'in', inStates as never)
            .orderBy(key, 'desc')
            .orderBy('id', 'desc')
            .limit(12)
            .execute()
        ).map((r) => r.id)
        const pages = []
        for (const page of [1, 2, 3]) pages.push(...(await listProposals({ sort, state, page, pageSize: 4 })).items.map((i) => i.id))
        expect(pages, `${sort} ${state}`).toEqual(expected)
      }
  })

  it('filters by area: a district includes its neighbourhoods', async () => {
    const { id } = await published({ location: point, categoryCode: 'economy', title: 'A market in Sant Roc' })
    const p = await row(id)
    expect((await listProposals({ area: { id: p.district_id!, level: 'district' }, categoryCode: 'economy' })).items.map((i) => i.id)).toContain(id)
    expect((await listProposals({ area: { id: p.area_id!, level: 'neighbourhood' }, categoryCode: 'economy' })).items.map((i) => i.id)).toContain(id)
    const elsewhere = await database().db.selectFrom('areas').select('id').where('level', '=', 'district').where('id', '!=', p.district_id!).executeTakeFirstOrThrow()
    expect((await listProposals({ area: { id: elsewhere.id, level: 'district' }, categoryCode: 'economy' })).items.map((i) => i.id)).not.toContain(id)
  })
})

describe('supports', () => {
  it('refuses people below the support level, counts each person once', async () => {
    const { id } = await published()
    const citizen = await person(1)
    expect(await supportProposal(citizen.id, id)).toEqual({ kind: 'needsLevel', level: 2 })
    const resident = await person(2)
    expect(await supportProposal(resident.id, id)).toMatchObject({ kind: 'ok', supports: 1, thresholdReached: false })
    expect(await supportProposal(resident.id, id)).toEqual({ kind: 'already' })
    const p = await row(id)
    expect(p.supports).toBe(1)
    expect(p.hot_score).toBeGreaterThan(0)
    expect(await supportProposal(resident.id, 999_999)).toEqual({ kind: 'notFound' })
  })

  it('lets the author support their own proposal (as CONSUL does)', async () => {
    const author = await person(2)
    const result = await createProposal(author, input(), { publish: true })
    expect(await supportProposal(author.id, (result as { id: number }).id)).toMatchObject({ kind: 'ok' })
  })

  it('refuses supports on drafts and on proposals no longer collecting them', async () => {
    const author = await person(2)
    const draft = ((await createProposal(author, input(), { publish: false })) as { id: number }).id
    expect(await supportProposal(author.id, draft)).toEqual({ kind: 'notFound' })
    const { id } = await published({}, new Date(Date.now() - 400 * DAY).toISOString())
    await archiveExpiredProposals()
    expect((await row(id)).state).toBe('archived')
    expect(await supportProposal((await person(2)).id, id)).toEqual({ kind: 'notOpen' })
  })

  it('moves a proposal to threshold_reached with the support that reaches it, running the listeners in that write', async () => {
    expect(await supportThreshold()).toBe(3)
    const { id } = await published({ location: point })
    const seen: Array<{ id: number; state: string; supports: number }> = []
    const stop = onThresholdReached(async (trx, p) => {
      const now = await trx.selectFrom('proposals').select(['state']).where('id', '=', p.id).executeTakeFirstOrThrow()
      seen.push({ id: p.id, state: now.state, supports: p.supports })
    })
    try {
      const people = await Promise.all([person(2), person(2), person(2), person(3)])
      expect(await supportProposal(people[0]!.id, id)).toMatchObject({ thresholdReached: false })
      expect(await supportProposal(people[1]!.id, id)).toMatchObject({ thresholdReached: false })
      expect(await supportProposal(people[2]!.id, id)).toMatchObject({ kind: 'ok', supports: 3, thresholdReached: true })
      expect(seen).toEqual([{ id, state: 'threshold_reached', supports: 3 }])
      const p = await row(id)
      expect(p.state).toBe('threshold_reached')
      expect(p.threshold_reached_at).not.toBeNull()
      expect((await mapItem(id))?.status).toBe('threshold_reached')
      // Supports stop once the threshold is reached.
      expect(await supportProposal(people[3]!.id, id)).toEqual({ kind: 'notOpen' })
    } finally {
      stop()
    }
  })

  it('undoes the support that reached the threshold when a listener fails', async () => {
    const { id } = await published()
    const people = await Promise.all([person(2), person(2), person(2)])
    await supportProposal(people[0]!.id, id)
    await supportProposal(people[1]!.id, id)
    const stop = onThresholdReached(async () => {
      throw new Error('voting is down')
    })
    try {
      await expect(supportProposal(people[2]!.id, id)).rejects.toThrow('voting is down')
    } finally {
      stop()
    }
    const p = await row(id)
    expect(p.state).toBe('published')
    expect(p.supports).toBe(2)
  })

  it('counts concurrent supports exactly (group commit)', async () => {
    const { id } = await published()
    const people = await Promise.all(Array.from({ length: 2 }, () => person(2)))
    const results = await Promise.all([...people, ...people].map((p) => supportProposal(p.id, id)))
    expect(results.filter((r) => r.kind === 'ok')).toHaveLength(2)
    expect(results.filter((r) => r.kind === 'already')).toHaveLength(2)
    expect((await row(id)).supports).toBe(2)
  })
})

describe('the threshold', () => {
  it('is a number, or a share of the census aged 16 or over, rounded up, at least 1', async () => {
    expect(thresholdOf({ kind: 'supports', supports: 53_726 }, 0)).toBe(53_726)
    expect(thresholdOf({ kind: 'percent', percent: 1 }, 2_687_000)).toBe(26_870)
    expect(thresholdOf({ kind: 'percent', percent: 1.1 }, 1000)).toBe(11)
    expect(thresholdOf({ kind: 'percent', percent: 1 }, 150)).toBe(2)
    expect(thresholdOf({ kind: 'percent', percent: 1 }, 0)).toBe(1)
  })

  it('counts census records of people aged 16 or over only', async () => {
    forgetCensusCount()
    const before = await eligiblePopulation()
    const today = new Date()
    const stamp = today.toISOString()
    const area = await areaId()
    const tooYoung = `${today.getUTCFullYear() - 10}-01-01`
    await database().write((trx) =>
      trx
        .insertInto('census_records')
        .values([
          { document_hash: `test-young-${Date.now()}`, birth_date: tooYoung, area_id: area, imported_at: stamp, updated_at: stamp },
          { document_hash: `test-sixteen-${Date.now()}`, birth_date: birthDateCutoff(today), area_id: area, imported_at: stamp, updated_at: stamp },
        ])
        .execute(),
    )
    forgetCensusCount()
    expect(await eligiblePopulation()).toBe(before + 1)
  })
})

describe('archiving', () => {
  it('archives published proposals past their months, and promotes one that has the supports', async () => {
    const old = await published({ location: point }, new Date(Date.now() - 366 * DAY).toISOString())
    const recent = await published({}, new Date(Date.now() - 300 * DAY).toISOString())
    const enough = await published({}, new Date(Date.now() - 370 * DAY).toISOString())
    // Supports given directly (as if PROPOSAL_THRESHOLD had been higher then).
    await database().write((trx) => trx.updateTable('proposals').set({ supports: 5 }).where('id', '=', enough.id).execute())
    const result = await archiveExpiredProposals()
    expect(result.archived).toBeGreaterThanOrEqual(1)
    expect(result.thresholdReached).toBeGreaterThanOrEqual(1)
    expect((await row(old.id)).state).toBe('archived')
    expect((await row(old.id)).archived_at).not.toBeNull()
    expect(await mapItem(old.id)).toMatchObject({ status: 'archived', visible: 1 })
    expect((await row(recent.id)).state).toBe('published')
    expect((await row(enough.id)).state).toBe('threshold_reached')
    // Archived proposals leave the default list but stay findable.
    expect((await listProposals({ pageSize: 100 })).items.map((i) => i.id)).not.toContain(old.id)
    expect((await listProposals({ state: 'archived', pageSize: 100 })).items.map((i) => i.id)).toContain(old.id)
  })
})

describe('the vote and the council’s answer', () => {
  async function atThreshold() {
    const { id } = await published()
    for (const p of await Promise.all([person(2), person(2), person(2)])) await supportProposal(p.id, id)
    expect((await row(id)).state).toBe('threshold_reached')
    return id
  }

  it('lets only staff and administrators answer, once the threshold is reached', async () => {
    const id = await atThreshold()
    expect(await answerProposal(await person(2), id, 'Yes')).toEqual({ kind: 'forbidden' })
    expect(await answerProposal(await person(1, 'moderator'), id, 'Yes')).toEqual({ kind: 'forbidden' })
    const staff = await person(1, 'staff')
    expect(await answerProposal(staff, id, '   ')).toEqual({ kind: 'empty' })
    const { id: early } = await published()
    expect(await answerProposal(staff, early, 'Too early')).toMatchObject({ kind: 'notAnswerable', state: 'published' })
    expect(await answerProposal(staff, id, 'The council **agrees**.')).toEqual({ kind: 'ok' })
    const p = await row(id)
    expect(p).toMatchObject({ state: 'answered', answered_by: staff.id, answer_md: 'The council **agrees**.' })
    expect(p.answer_html).toContain('<strong>agrees</strong>')
    const audit = await database().db.selectFrom('audit_log').selectAll().where('target_kind', '=', 'proposal').where('target_id', '=', id).execute()
    expect(audit).toHaveLength(1)
    expect(audit[0]).toMatchObject({ action: 'proposal.answer', actor_id: staff.id })
    expect(JSON.parse(audit[0]!.before!)).toEqual({ state: 'threshold_reached', answer: null })
    const view = await proposalForViewer(id, null)
    expect(view?.answer?.html).toContain('agrees')
    // A correction is another audit row.
    expect(await answerProposal(await person(1, 'admin'), id, 'Corrected.')).toEqual({ kind: 'ok' })
    expect(await database().db.selectFrom('audit_log').select('id').where('target_kind', '=', 'proposal').where('target_id', '=', id).execute()).toHaveLength(2)
  })

  it('moves to voting when a process is attached, and waits for the vote to close before the answer', async () => {
    const id = await atThreshold()
    const at = new Date().toISOString()
    const staff = await person(1, 'staff')
    const processId = await database().write(async (trx) => {
      const process = await trx
        .insertInto('voting_processes')
        .values({
          title: 'Vote',
          description_md: '',
          description_html: '',
          proposal_id: id,
          eligible_area_id: null,
          category: null,
          method: 'yesno',
          spec: '{"method":"yesno"}',
          weight_policy: '{}',
          state: 'open',
          opens_at: at,
          closes_at: at,
          created_by: null,
          created_at: at,
          updated_at: at,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      expect(await attachProcess(trx, id, process.id)).toEqual({ kind: 'ok' })
      expect(await attachProcess(trx, id, process.id)).toEqual({ kind: 'badState', state: 'voting' })
      return process.id
    })
    expect(await row(id)).toMatchObject({ state: 'voting', process_id: processId })
    expect((await proposalForViewer(id, null))?.vote).toMatchObject({ id: processId, state: 'open' })
    expect(await answerProposal(staff, id, 'Not yet')).toMatchObject({ kind: 'notAnswerable', voteOpen: true })
    await database().write((trx) => trx.updateTable('voting_processes').set({ state: 'closed' }).where('id', '=', processId).execute())
    expect(await answerProposal(staff, id, 'The vote said yes.')).toEqual({ kind: 'ok' })
  })
})

describe('moderation', () => {
  it('hides a flagged proposal from lists, search and the map, and restores it to where it was', async () => {
    const { id, author } = await published({ location: point, title: 'Unusual quokka sanctuary' })
    const flaggers = await Promise.all([person(1), person(1), person(1)])
    for (const f of flaggers) expect(await flagContent(f.id, { targetKind: 'proposal', targetId: id, reason: 'spam' })).toMatchObject({ kind: 'ok' })
    expect((await row(id)).state).toBe('hidden')
    expect((await mapItem(id))?.visible).toBe(0)
    expect(await search('quokka')).toEqual([])
    expect(await proposalForViewer(id, null)).toBeNull()
    expect(await proposalForViewer(id, author)).toMatchObject({ state: 'hidden' })
    expect(await supportProposal((await person(2)).id, id)).toEqual({ kind: 'notFound' })
    const queue = await moderationQueue()
    const item = queue.find((q) => q.target_kind === 'proposal' && q.target_id === id)!
    const moderator = await person(1, 'moderator')
    await decide(moderator.id, item.id, 'restore', 'Not spam')
    expect((await row(id)).state).toBe('published')
    expect((await mapItem(id))?.visible).toBe(1)
    expect(await search('quokka')).toEqual([id])
  })

  it('does not let drafts be flagged', async () => {
    const author = await person(1)
    const draft = ((await createProposal(author, input(), { publish: false })) as { id: number }).id
    expect(await flagContent((await person(1)).id, { targetKind: 'proposal', targetId: draft, reason: 'spam' })).toEqual({ kind: 'notFound' })
  })
})

describe('hot scores', () => {
  it('recomputes only the scores that changed', async () => {
    const now = Date.now()
    await refreshHotScores(now)
    expect(await refreshHotScores(now)).toBe(0)
    // A day later the young proposals' boost has faded.
    expect(await refreshHotScores(now + DAY)).toBeGreaterThan(0)
  })
})
