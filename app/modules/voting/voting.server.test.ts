import { beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { database } from '../../lib/db.server'
import { statements } from '../../lib/db/statements'
import { makeUser, seededDatabase } from '../../../tests/support/fixtures'
import { countBallots, type MethodSpec } from './methods'
import type { WeightPolicy } from './weights'
import { createSession, sessionSetCookie } from '../accounts/sessions.server'
import {
  castBallot,
  checkReceipt,
  countProcess,
  delegate,
  delegationsOf,
  isOpen,
  liveTally,
  processForVoter,
  resultFromTallies,
  revokeDelegation,
  snapshotDelegations,
  tallyRows,
  verifyProcess,
  type CastResult,
} from './voting.server'
// The fast form post is HTTP, outside the module; tested here beside the casts it makes.
import { castBallotFast } from '../../http/votes.server'
import { castingStats } from './cast.server'

const HOUR = 3_600_000
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString()

// The brief's example: level 2+ resident 1, level 1 resident 0.5, non-resident 0.25.
const briefPolicy: WeightPolicy = {
  rules: [
    { minLevel: 2, residence: 'inside', weight: 1000 },
    { minLevel: 1, residence: 'inside', weight: 500 },
    { residence: 'outside', weight: 250 },
  ],
  default: 0,
}
const flat: WeightPolicy = { rules: [], default: 1000 }

let district: { id: number; name: string }
let neighbourhood: number
let elsewhere: number

beforeAll(async () => {
  await seededDatabase()
  const { db } = database()
  const d = await db.selectFrom('areas').select(['id', 'name']).where('level', '=', 'district').orderBy('slug').executeTakeFirstOrThrow()
  district = d
  neighbourhood = (await db.selectFrom('areas').select('id').where('parent_id', '=', d.id).orderBy('slug').executeTakeFirstOrThrow()).id
  elsewhere = (await db.selectFrom('areas').select('id').where('level', '=', 'neighbourhood').where('parent_id', '!=', d.id).orderBy('slug').executeTakeFirstOrThrow()).id
})

interface ProcessOptions {
  spec?: MethodSpec & Record<string, unknown>
  policy?: WeightPolicy
  opensAt?: string
  closesAt?: string
  state?: 'draft' | 'scheduled' | 'open' | 'closed' | 'published'
  area?: number | null
  residentsOnly?: boolean
  requiredLevel?: number
  delegation?: boolean
  category?: string | null
}

async function makeProcess(o: ProcessOptions = {}) {
  const at = new Date().toISOString()
  return database().write(async (trx) => {
    const row = await trx
      .insertInto('voting_processes')
      .values({
        title: 'Test vote',
        description_md: 'Test',
        description_html: '<p>Test</p>',
        eligible_area_id: o.area === undefined ? null : o.area,
        residents_only: o.residentsOnly ? 1 : 0,
        category: o.category ?? null,
        method: (o.spec ?? { method: 'yesno' }).method,
        spec: JSON.stringify(o.spec ?? { method: 'yesno' }),
        weight_policy: JSON.stringify(o.policy ?? flat),
        required_level: o.requiredLevel ?? 1,
        delegation: o.delegation === false ? 0 : 1,
        state: o.state ?? 'open',
        opens_at: o.opensAt ?? iso(-HOUR),
        closes_at: o.closesAt ?? iso(HOUR),
        created_at: at,
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    return row.id
  })
}

async function person(level: number, home: number | null = null) {
  const u = await makeUser(level)
  if (home !== null) await database().write((trx) => trx.updateTable('users').set({ home_area_id: home }).where('id', '=', u.id).execute())
  return { id: u.id }
}

const cast = (result: CastResult) => {
  if (result.kind !== 'cast') throw new Error(`not cast: ${JSON.stringify(result)}`)
  return result
}
const refusal = (result: CastResult) => (result.kind === 'refused' ? result.refusals.map((r) => r.code) : [result.kind])

const ballotsOf = (processId: number) => database().db.selectFrom('ballots').selectAll().where('process_id', '=', processId).orderBy('id').execute()

describe('open', () => {
  it('is open from opens_at until closes_at, also while still "scheduled"', () => {
    const now = new Date('2026-05-01T12:00:00.000Z')
    const base = { opensAt: '2026-05-01T00:00:00.000Z', closesAt: '2026-05-02T00:00:00.000Z' }
    expect(isOpen({ ...base, state: 'open' }, now)).toBe(true)
    expect(isOpen({ ...base, state: 'scheduled' }, now)).toBe(true)
    expect(isOpen({ ...base, state: 'closed' }, now)).toBe(false)
    expect(isOpen({ ...base, state: 'open' }, new Date('2026-05-02T00:00:00.000Z'))).toBe(false)
    expect(isOpen({ ...base, state: 'open' }, new Date('2026-04-30T23:59:59.999Z'))).toBe(false)
  })
})

describe('weights at cast time', () => {
  it('stores the policy weight for the voter’s level and residence when cast, and keeps it', async () => {
    const id = await makeProcess({ area: district.id, policy: briefPolicy })
    const resident2 = await person(2, neighbourhood)
    const resident1 = await person(1, neighbourhood)
    const outsider = await person(2, elsewhere)
    const nobody = await person(1, null)
    for (const voter of [resident2, resident1, outsider, nobody]) cast(await castBallot(voter, id, { answer: 'yes' }))
    const rows = await ballotsOf(id)
    expect(rows.map((r) => [r.weight, r.level, r.resides_inside])).toEqual([
      [1000, 2, 1],
      [500, 1, 1],
      [250, 2, 0],
      [250, 1, 0],
    ])
    // A later change of level does not touch the stored weight.
    await database().write((trx) => trx.updateTable('users').set({ verification_level: 2 }).where('id', '=', resident1.id).execute())
    expect((await ballotsOf(id))[1]!.weight).toBe(500)
    const tallies = await tallyRows(id)
    expect(tallies.get('yes')).toEqual({ weight: 2000, ballots: 4 })
    // The viewer sees their weight and their ballot.
    const view = await processForVoter(id, { ...resident1, verificationLevel: 2, roles: [] })
    expect(view!.viewer!.eligibility.weight).toBe(1000)
    expect(view!.viewer!.ballot!.weight).toBe(500)
    expect(view!.open).toBe(true)
  })
})

describe('refusals', () => {
  it('refuses before the opening and after the close', async () => {
    const voter = await person(2)
    const early = await makeProcess({ state: 'scheduled', opensAt: iso(HOUR), closesAt: iso(2 * HOUR) })
    const late = await makeProcess({ opensAt: iso(-2 * HOUR), closesAt: iso(-HOUR) })
    const closed = await makeProcess({ state: 'closed' })
    const before = await castBallot(voter, early, { answer: 'yes' })
    expect(before).toMatchObject({ kind: 'refused', refusals: [{ code: 'notOpen', when: 'before' }] })
    expect(await castBallot(voter, late, { answer: 'yes' })).toMatchObject({ kind: 'refused', refusals: [{ code: 'notOpen', when: 'after' }] })
    expect(refusal(await castBallot(voter, closed, { answer: 'yes' }))).toEqual(['notOpen'])
    expect(await ballotsOf(early)).toHaveLength(0)
  })

  it('refuses non-residents when residents only, a level too low and a weight of 0', async () => {
    const id = await makeProcess({ area: district.id, residentsOnly: true, requiredLevel: 2, policy: briefPolicy })
    expect(refusal(await castBallot(await person(2, elsewhere), id, { answer: 'yes' }))).toEqual(['notEligibleArea'])
    expect(refusal(await castBallot(await person(2, null), id, { answer: 'yes' }))).toEqual(['notEligibleArea'])
    expect(refusal(await castBallot(await person(1, neighbourhood), id, { answer: 'yes' }))).toEqual(['levelTooLow'])
    cast(await castBallot(await person(2, neighbourhood), id, { answer: 'yes' }))
    const zero = await makeProcess({ policy: { rules: [{ minLevel: 3, weight: 1000 }], default: 0 } })
    expect(refusal(await castBallot(await person(2), zero, { answer: 'yes' }))).toEqual(['weightZero'])
  })

  it('refuses over the credits and over the budget, with the values', async () => {
    const voter = await person(2, neighbourhood)
    const quadratic = await makeProcess({ spec: { method: 'quadratic', options: ['a', 'b'], credits: 9 } })
    const over = await castBallot(voter, quadratic, { votes: { a: 2, b: 3 } })
    expect(over).toEqual({ kind: 'refused', refusals: [{ code: 'overCredits', credits: 9, used: 13 }] })
    cast(await castBallot(voter, quadratic, { votes: { a: 2, b: 2 } }))
    const budget = await makeProcess({
      spec: {
        method: 'budget',
        pots: [{ id: 'city', areaId: null, budget: 1000, ballotLimit: 1000 }],
        projects: [
          { id: 'p', pot: 'city', cost: 600 },
          { id: 'q', pot: 'city', cost: 500 },
        ],
        maxDistricts: 1,
      },
    })
    expect(await castBallot(voter, budget, { projects: ['p', 'q'] })).toEqual({ kind: 'refused', refusals: [{ code: 'overBudget', pot: 'city', limit: 1000, total: 1100 }] })
    expect(refusal(await castBallot(voter, budget, { projects: ['zzz'] }))).toEqual(['unknownOption'])
    expect(refusal(await castBallot(voter, budget, 'nonsense'))).toEqual(['malformed'])
  })

  it('allows district pots only where the voter lives', async () => {
    const spec: MethodSpec = {
      method: 'budget',
      pots: [
        { id: 'here', areaId: district.id, budget: 1000, ballotLimit: 1000 },
        { id: 'there', areaId: elsewhere, budget: 1000, ballotLimit: 1000 },
      ],
      projects: [
        { id: 'h', pot: 'here', cost: 100 },
        { id: 't', pot: 'there', cost: 100 },
      ],
      maxDistricts: 1,
    }
    const id = await makeProcess({ spec })
    const voter = await person(2, neighbourhood)
    expect(refusal(await castBallot(voter, id, { projects: ['t'] }))).toEqual(['districtNotAllowed'])
    cast(await castBallot(voter, id, { projects: ['h'] }))
  })
})

describe('re-casting', () => {
  it('replaces the active ballot, keeps both in the chain and moves the tallies', async () => {
    const id = await makeProcess({ spec: { method: 'approval', options: ['a', 'b', 'c'], maxChoices: 2, minChoices: 0 } })
    const voter = await person(2)
    const first = cast(await castBallot(voter, id, { approved: ['a', 'b'] }))
    expect(first.replaced).toBe(false)
    const second = cast(await castBallot(voter, id, { approved: ['c'] }))
    expect(second.replaced).toBe(true)
    expect(second.receipt).not.toBe(first.receipt)
    const rows = await ballotsOf(id)
    expect(rows).toHaveLength(2)
    expect(rows[0]!.replaced_at).not.toBeNull()
    expect(rows[1]!.replaced_at).toBeNull()
    expect(rows[1]!.prev_hash).toBe(rows[0]!.hash)
    const process = await database().db.selectFrom('voting_processes').select(['chain_head', 'ballots']).where('id', '=', id).executeTakeFirstOrThrow()
    expect(process).toEqual({ chain_head: rows[1]!.hash, ballots: 2 })
    const tallies = await tallyRows(id)
    expect(tallies.get('option:a')).toEqual({ weight: 0, ballots: 0 })
    expect(tallies.get('option:c')).toEqual({ weight: 1000, ballots: 1 })
    expect(tallies.get('ballots')).toEqual({ weight: 1000, ballots: 1 })
    expect(await checkReceipt(id, first.receipt.toLowerCase())).toMatchObject({ kind: 'replaced' })
    expect(await checkReceipt(id, second.receipt.replace(/-/g, ' '))).toMatchObject({ kind: 'counted' })
    expect(await checkReceipt(id, 'AAAA-AAAA-AAAA-AAAA')).toMatchObject({ kind: 'notFound' })
    expect(await checkReceipt(id, 'not a receipt')).toEqual({ kind: 'invalid' })
    expect((await verifyProcess(id)).ok).toBe(true)
  })
})

describe('concurrency', () => {
  it('leaves one active ballot when one voter casts 20 times at once, tallies consistent', async () => {
    const id = await makeProcess({ spec: { method: 'ranked', options: ['a', 'b', 'c', 'd'], maxChoices: 4, minChoices: 1 } })
    const voter = await person(2)
    const rankings = [['a', 'b'], ['b', 'c', 'd'], ['d'], ['c', 'a', 'b', 'd']]
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => castBallot(voter, id, { ranking: rankings[i % rankings.length] })))
    expect(results.every((r) => r.kind === 'cast')).toBe(true)
    const rows = await ballotsOf(id)
    expect(rows).toHaveLength(20)
    expect(rows.filter((r) => r.replaced_at === null)).toHaveLength(1)
    const verification = await verifyProcess(id)
    expect(verification.problems).toEqual([])
    expect(verification.figures.activeBallots).toBe(1)
    // The same, with others casting at the same time.
    const others = await Promise.all(Array.from({ length: 5 }, () => person(2)))
    await Promise.all(others.flatMap((o, i) => [castBallot(o, id, { ranking: rankings[i % 4] }), castBallot(o, id, { ranking: rankings[(i + 1) % 4] })]))
    const again = await verifyProcess(id)
    expect(again.problems).toEqual([])
    expect(again.figures.activeBallots).toBe(6)
  })

  it('one cast that fails inside a batch: the others are cast once each, the chain and tallies stay exact', async () => {
    const id = await makeProcess({ spec: { method: 'approval', options: ['a', 'b', 'c'], maxChoices: 2, minChoices: 0 } })
    const voters = await Promise.all(Array.from({ length: 12 }, () => person(2)))
    const refused = voters[5]!.id
    const db = database()
    // A row the database refuses (a stand-in for any failing row): the batch's statements fail, and
    // the casts are then written one by one, each in its own savepoint.
    if (db.engine === 'postgres') {
      await sql`create or replace function plaza_test_refuse_ballot() returns trigger language plpgsql as $$ begin if new.voter_id = ${sql.raw(String(refused))} then raise exception 'refused'; end if; return new; end $$`.execute(
        db.db,
      )
      await sql`create trigger plaza_test_refuse_ballot before insert on ballots for each row execute function plaza_test_refuse_ballot()`.execute(db.db)
    } else {
      await db.write((trx) =>
        sql`create trigger plaza_test_refuse_ballot before insert on ballots when new.voter_id = ${sql.raw(String(refused))} begin select raise(abort, 'refused'); end`.execute(trx),
      )
    }
    try {
      const before = castingStats()
      // Every voter casts twice at once: the second replaces the first inside the same batch.
      const outcomes = await Promise.allSettled(voters.flatMap((v) => [castBallot(v, id, { approved: ['a'] }), castBallot(v, id, { approved: ['b', 'c'] })]))
      expect(castingStats().batches - before.batches).toBeLessThanOrEqual(6)
      expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(2)
      expect(outcomes.filter((o) => o.status === 'fulfilled' && o.value.kind === 'cast')).toHaveLength(22)
      const rows = await ballotsOf(id)
      expect(rows).toHaveLength(22)
      expect(rows.filter((r) => r.replaced_at === null)).toHaveLength(11)
      const tallies = await tallyRows(id)
      // Each voter's later cast replaced the earlier (which came first is the server's order): the
      // tallies hold the 11 active ballots only, and verification recounts them from the chain.
      const active = rows.filter((r) => r.replaced_at === null)
      const withA = active.filter((r) => JSON.parse(r.choices).approved.includes('a')).length
      expect(tallies.get('option:a')).toEqual({ weight: withA * 1000, ballots: withA })
      expect(tallies.get('option:b')).toEqual({ weight: (11 - withA) * 1000, ballots: 11 - withA })
      const verification = await verifyProcess(id)
      expect(verification.problems).toEqual([])
      expect(verification.figures.activeBallots).toBe(11)
    } finally {
      if (db.engine === 'postgres') await sql`drop trigger plaza_test_refuse_ballot on ballots`.execute(db.db)
      else await db.write((trx) => sql`drop trigger plaza_test_refuse_ballot`.execute(trx))
    }
  })

  it('is guarded by the database too: a second active ballot for one voter is refused', async () => {
    const id = await makeProcess()
    const voter = await person(2)
    cast(await castBallot(voter, id, { answer: 'no' }))
    const insert = database().write((trx) =>
      trx
        .insertInto('ballots')
        .values({ process_id: id, voter_id: voter.id, receipt: 'X', choices: '{}', weight: 1, level: 1, resides_inside: 0, cast_at: iso(0), prev_hash: 'x', hash: 'y', replaced_at: null })
        .execute(),
    )
    await expect(insert).rejects.toThrow(/UNIQUE|duplicate key/)
  })
})

// A small deterministic generator (mulberry32).
function random(seed: number) {
  return () => {
    seed |= 0
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('tallies equal a recount after many random casts', () => {
  const options = ['a', 'b', 'c', 'd', 'e']
  const specs: Array<MethodSpec & Record<string, unknown>> = [
    { method: 'yesno' },
    { method: 'approval', options, maxChoices: 3, minChoices: 0 },
    { method: 'quadratic', options, credits: 30 },
    {
      method: 'budget',
      pots: [
        { id: 'city', areaId: null, budget: 1500, ballotLimit: 1000 },
        { id: 'local', areaId: 0, budget: 800, ballotLimit: 800 },
      ],
      projects: [
        { id: 'p1', pot: 'city', cost: 500 },
        { id: 'p2', pot: 'city', cost: 400 },
        { id: 'p3', pot: 'city', cost: 700 },
        { id: 'l1', pot: 'local', cost: 300 },
        { id: 'l2', pot: 'local', cost: 600 },
      ],
      maxDistricts: 1,
    },
    { method: 'ranked', options, maxChoices: 5, minChoices: 0 },
  ]
  const ballotFor = (spec: MethodSpec, next: () => number): unknown => {
    const pick = <T>(list: T[], k: number) => [...list].sort(() => next() - 0.5).slice(0, k)
    switch (spec.method) {
      case 'yesno':
        return { answer: ['yes', 'no', 'abstain'][Math.floor(next() * 3)] }
      case 'approval':
        return { approved: pick(options, Math.floor(next() * 4)) }
      case 'quadratic':
        return { votes: Object.fromEntries(pick(options, 2).map((o) => [o, Math.floor(next() * 4)])) }
      case 'budget':
        return { projects: next() < 0.5 ? pick(['p1', 'p2'], 1 + Math.floor(next() * 2)).concat(next() < 0.5 ? ['l1'] : []) : pick(['p3', 'l2'], 1) }
      case 'ranked':
        return { ranking: pick(options, Math.floor(next() * 6)) }
    }
  }

  it.each(specs.map((s) => [s.method, s] as const))('%s', async (_method, rawSpec) => {
    const spec = (rawSpec.method === 'budget' ? { ...rawSpec, pots: rawSpec.pots.map((p) => (p.id === 'local' ? { ...p, areaId: district.id } : p)) } : rawSpec) as MethodSpec
    const id = await makeProcess({ spec, area: district.id, policy: briefPolicy })
    const voters = await Promise.all(Array.from({ length: 12 }, (_, i) => person(1 + (i % 2), i % 3 === 0 ? elsewhere : neighbourhood)))
    const next = random(7)
    let cast = 0
    for (let round = 0; round < 4; round++) {
      const results = await Promise.all(voters.filter(() => next() < 0.7).map((v) => castBallot(v, id, ballotFor(spec, next))))
      cast += results.filter((r) => r.kind === 'cast').length
    }
    expect(cast).toBeGreaterThan(10)
    const verification = await verifyProcess(id)
    expect(verification.problems).toEqual([])
    // The live tally is the count of the active ballots at their own weights.
    const active = (await ballotsOf(id)).filter((b) => b.replaced_at === null)
    expect(await liveTally(id)).toEqual(
      countBallots(
        spec,
        active.map((b) => ({ choices: JSON.parse(b.choices), weight: b.weight })),
      ),
    )
    expect(resultFromTallies(spec, await tallyRows(id))).toEqual(verification.figures.result)
  })
})

describe('delegation', () => {
  it('carries weight along chains to the direct voter; a direct ballot overrides', async () => {
    const id = await makeProcess({ area: district.id, policy: briefPolicy })
    const a = await person(2, neighbourhood) // 1
    const b = await person(1, neighbourhood) // 0.5
    const c = await person(2, elsewhere) // 0.25
    const d = await person(2, neighbourhood) // 1
    expect(await delegate(a, { to: String(b.id), scope: 'all' })).toMatchObject({ kind: 'ok' })
    const email = (await database().db.selectFrom('users').select('email').where('id', '=', c.id).executeTakeFirstOrThrow()).email!
    expect(await delegate(b, { to: email.toUpperCase(), scope: `area:${district.id}` })).toMatchObject({ kind: 'ok' })
    cast(await castBallot(c, id, { answer: 'yes' }))
    cast(await castBallot(d, id, { answer: 'no' }))
    let count = await countProcess(id)
    expect(count!.result).toMatchObject({ yes: { weight: 250 + 500 + 1000, ballots: 1 }, no: { weight: 1000, ballots: 1 } })
    expect(count!.delegation).toMatchObject({ delegators: 2, reached: 2, carriedWeight: 1500, lost: 0, delegates: 1 })
    expect(count!.turnout.represented).toBe(4)
    // b votes directly: b's own ballot counts, and a's chain stops at b.
    cast(await castBallot(b, id, { answer: 'no' }))
    count = await countProcess(id)
    expect(count!.result).toMatchObject({ yes: { weight: 250 }, no: { weight: 1000 + 500 + 1000 } })
    const view = await processForVoter(id, { ...b, verificationLevel: 1, roles: [] })
    expect(view!.viewer!.delegation).toMatchObject({ toId: c.id, scope: `area:${district.id}` })
    expect(view!.viewer!.ballot).not.toBeNull()
    const verification = await verifyProcess(id)
    expect(verification.problems).toEqual([])
    expect(verification.figures.delegation.reached).toBe(1)
  })

  it('refuses cycles, oneself, unknown people and unknown scopes; revokes', async () => {
    const a = await person(2)
    const b = await person(2)
    const c = await person(2)
    expect(await delegate(a, { to: b.id, scope: 'all' })).toMatchObject({ kind: 'ok' })
    expect(await delegate(b, { to: c.id, scope: 'all' })).toMatchObject({ kind: 'ok' })
    expect(await delegate(c, { to: a.id, scope: 'all' })).toEqual({ kind: 'cycle' })
    expect(await delegate(c, { to: a.id, scope: `area:${district.id}` })).toEqual({ kind: 'cycle' })
    expect(await delegate(a, { to: a.id, scope: 'all' })).toEqual({ kind: 'self' })
    expect(await delegate(a, { to: 'nobody@example.org', scope: 'all' })).toEqual({ kind: 'unknownUser' })
    expect(await delegate(a, { to: b.id, scope: 'area:99999999' })).toEqual({ kind: 'badScope' })
    expect(await delegate(a, { to: b.id, scope: 'category:nope' })).toEqual({ kind: 'badScope' })
    expect(await delegate(a, { to: b.id, scope: 'everything' })).toEqual({ kind: 'badScope' })
    const given = await delegationsOf(a)
    expect(given.given).toHaveLength(1)
    expect((await delegationsOf(b)).received.map((r) => r.personId)).toEqual([a.id])
    // Replacing on the same scope keeps one active delegation.
    expect(await delegate(a, { to: c.id, scope: 'all' })).toMatchObject({ kind: 'ok', replaced: true })
    expect((await delegationsOf(a)).given.map((g) => g.personId)).toEqual([c.id])
    // After b → c and a → c, c → a would be a cycle; revoking a's delegation makes it fine.
    const mine = (await delegationsOf(a)).given[0]!
    expect(await revokeDelegation(b, mine.id)).toEqual({ kind: 'notFound' })
    expect(await revokeDelegation(a, mine.id)).toEqual({ kind: 'ok' })
    expect(await delegate(c, { to: a.id, scope: 'all' })).toMatchObject({ kind: 'ok' })
  })

  it('counts by the snapshot once the process closes, whatever changes later', async () => {
    const id = await makeProcess({ policy: flat })
    const a = await person(2)
    const b = await person(2)
    await delegate(a, { to: b.id, scope: 'all' })
    cast(await castBallot(b, id, { answer: 'yes' }))
    await database().write(async (trx) => {
      await trx.updateTable('voting_processes').set({ state: 'closed' }).where('id', '=', id).execute()
      await snapshotDelegations(trx, id)
    })
    // (Other tests' delegations on 'all' apply here too; a's is the one this test is about.)
    const snapshot = await database().db.selectFrom('delegation_weights').selectAll().where('process_id', '=', id).where('user_id', '=', a.id).execute()
    expect(snapshot).toEqual([{ process_id: id, user_id: a.id, weight: 1000, delegate_id: b.id }])
    // a revokes after the close: the count does not change.
    const mine = (await delegationsOf(a)).given[0]!
    await revokeDelegation(a, mine.id)
    const count = await countProcess(id)
    expect(count!.delegation.source).toBe('snapshot')
    expect(count!.result).toMatchObject({ yes: { weight: 2000 } })
  })

  it('follows the most specific scope: category before area before everything', async () => {
    await database().write((trx) =>
      trx
        .insertInto('proposal_categories')
        .values({ code: 'parks', name: 'Parks', position: 0 })
        .onConflict((oc) => oc.doNothing())
        .execute(),
    )
    const id = await makeProcess({ area: neighbourhood, category: 'parks', policy: flat })
    const voter = await person(2)
    const [x, y, z] = [await person(2), await person(2), await person(2)]
    await delegate(voter, { to: x.id, scope: 'all' })
    await delegate(voter, { to: y.id, scope: `area:${district.id}` })
    await delegate(voter, { to: z.id, scope: 'category:parks' })
    for (const p of [x, y, z]) cast(await castBallot(p, id, { answer: p === z ? 'yes' : 'no' }))
    const count = await countProcess(id)
    expect(count!.result).toMatchObject({ yes: { weight: 2000 }, no: { weight: 2000 } })
    const view = await processForVoter(id, { ...voter, verificationLevel: 2, roles: [] })
    expect(view!.viewer!.delegation).toMatchObject({ toId: z.id, scope: 'category:parks' })
  })
})

describe('verifyProcess catches tampering', () => {
  async function filled() {
    const id = await makeProcess({ spec: { method: 'approval', options: ['a', 'b', 'c'], maxChoices: 2, minChoices: 0 } })
    for (let i = 0; i < 6; i++) cast(await castBallot(await person(2), id, { approved: i % 2 ? ['a'] : ['b', 'c'] }))
    expect((await verifyProcess(id)).ok).toBe(true)
    return { id, rows: await ballotsOf(id) }
  }
  // Tampering behind the module's back, through the SQL adapter (either engine).
  const tamper = (text: string, ...params: unknown[]) => database().write((trx) => statements(database(), trx).run(text, ...params))

  it('an edited choice', async () => {
    const { id, rows } = await filled()
    await tamper('update ballots set choices = ? where id = ?', '{"approved":["c"]}', rows[2]!.id)
    const v = await verifyProcess(id)
    expect(v.ok).toBe(false)
    expect(v.problems.join('\n')).toMatch(/chain broken at index 2 \(ballot \d+\): its hash does not match/)
    expect(v.problems.join('\n')).toMatch(/tally "option:b"/)
  })

  it('an edited weight', async () => {
    const { id, rows } = await filled()
    await tamper('update ballots set weight = 5000 where id = ?', rows[1]!.id)
    const v = await verifyProcess(id)
    expect(v.problems.some((p) => p.includes('index 1'))).toBe(true)
    expect(v.problems.some((p) => p.startsWith('tally "option:a"'))).toBe(true)
  })

  it('a deleted ballot, in the middle or the newest', async () => {
    const { id, rows } = await filled()
    await tamper('delete from ballots where id = ?', rows[3]!.id)
    expect((await verifyProcess(id)).problems.join('\n')).toMatch(/chain broken at index 3 .*previous hash/)
    const second = await filled()
    await tamper('delete from ballots where id = ?', second.rows[5]!.id)
    const v = await verifyProcess(second.id)
    expect(v.problems.join('\n')).toMatch(/after the last ballot.*head/)
    expect(v.problems.join('\n')).toMatch(/records 6 ballots cast but the chain holds 5/)
  })

  it('an edited tally, or a ballot marked replaced', async () => {
    const { id, rows } = await filled()
    await tamper(`update tallies set weight = weight + 1000 where process_id = ? and key = 'option:a'`, id)
    expect((await verifyProcess(id)).problems).toEqual(['tally "option:a": stored weight 4000 in 3 ballots, recounted weight 3000 in 3 ballots'])
    await tamper(`update tallies set weight = weight - 1000 where process_id = ? and key = 'option:a'`, id)
    await tamper('update ballots set replaced_at = ? where id = ?', iso(0), rows[0]!.id)
    expect((await verifyProcess(id)).problems.length).toBeGreaterThan(0)
  })
})

describe('viewing', () => {
  it('hides drafts from everyone but administrators', async () => {
    const id = await makeProcess({ state: 'draft' })
    expect(await processForVoter(id, null)).toBeNull()
    const admin = await person(3)
    expect(await processForVoter(id, { ...admin, verificationLevel: 3, roles: [{ role: 'admin', departmentId: null }] })).not.toBeNull()
    expect(await castBallot(admin, id, { answer: 'yes' })).toEqual({ kind: 'notFound' })
  })

  it('reads labels and currency from the stored spec', async () => {
    const id = await makeProcess({ spec: { method: 'approval', options: ['a', 'b'], maxChoices: 1, minChoices: 0, labels: { a: 'Apples', b: 'Pears' }, currency: 'GBP' } })
    const view = await processForVoter(id, null)
    expect(view!.process.labels).toEqual({ a: 'Apples', b: 'Pears' })
    expect(view!.process.currency).toBe('GBP')
    expect(view!.viewer).toBeNull()
  })
})

describe('the fast path for POST /votes/:id', () => {
  async function sessionCookie(userId: number) {
    const token = await database().write((trx) => createSession(trx, userId))
    return (await sessionSetCookie(token)).split(';')[0]!
  }
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    new Request(`http://127.0.0.1${path}`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } })

  it('casts a logged-in person’s ballot and answers the route’s redirect', async () => {
    const id = await makeProcess({ spec: { method: 'approval', options: ['a', 'b'], maxChoices: 1, minChoices: 0 } })
    const voter = await person(2)
    const cookie = await sessionCookie(voter.id)
    const first = await castBallotFast(post(`/votes/${id}`, 'intent=cast&approved=a', { cookie }))
    expect(first?.status).toBe(302)
    expect(first?.headers.get('location')).toBe(`/votes/${id}?cast=new#your-vote`)
    const second = await castBallotFast(post(`/votes/${id}`, 'intent=cast&approved=b', { cookie }))
    expect(second?.headers.get('location')).toBe(`/votes/${id}?cast=changed#your-vote`)
    expect((await ballotsOf(id)).filter((b) => b.replaced_at === null).map((b) => b.choices)).toEqual(['{"approved":["b"]}'])
  })

  it('leaves everything else to Remix, casting nothing', async () => {
    const id = await makeProcess({ spec: { method: 'approval', options: ['a', 'b'], maxChoices: 1, minChoices: 0 } })
    const voter = await person(2)
    const cookie = await sessionCookie(voter.id)
    expect(await castBallotFast(post(`/votes/${id}`, 'intent=cast&approved=a'))).toBeNull() // not logged in
    expect(await castBallotFast(post(`/votes/${id}`, 'intent=cast&approved=a&approved=b', { cookie }))).toBeNull() // refused
    expect(await castBallotFast(post(`/votes/${id}`, 'intent=receipt&receipt=x', { cookie }))).toBeNull()
    expect(await castBallotFast(post(`/votes/${id}.data`, 'intent=cast&approved=a', { cookie }))).toBeNull()
    expect(await castBallotFast(post(`/votes/${id}?index`, 'intent=cast&approved=a', { cookie }))).toBeNull()
    expect(await castBallotFast(post(`/votes/${id}`, 'intent=cast&approved=a', { cookie, 'content-type': 'multipart/form-data; boundary=x' }))).toBeNull()
    expect(await castBallotFast(post('/votes/999999', 'intent=cast&approved=a', { cookie }))).toBeNull()
    expect(await ballotsOf(id)).toHaveLength(0)
  })
})
