import { beforeAll, describe, expect, it, vi } from 'vitest'

// Three supports reach a proposal's threshold here (read once, when the configuration is first parsed).
vi.hoisted(() => {
  process.env.PROPOSAL_THRESHOLD = '3'
})

import { database } from '../../lib/db.server'
import { areaId, makeUser, seededDatabase } from '../../../tests/support/fixtures'
import type { AccountUser } from '../accounts/accounts.server'
import { createProposal, supportProposal } from '../proposals/proposals.server'
import {
  advanceProcesses,
  autoVoteDates,
  cancelProcess,
  closeProcessNow,
  createProcess,
  formContext,
  handleThresholdReached,
  idFromLabel,
  inputOf,
  isEditable,
  parseMoney,
  parseUtcDateTime,
  policyPresets,
  policyWarnings,
  presetOf,
  processFromForm,
  proposalsWaitingForVote,
  publishResults,
  readSpec,
  registerProposalVoting,
  scheduleProcess,
  setThresholdBehaviour,
  submitProcessForm,
  thresholdBehaviour,
  unscheduleProcess,
  updateProcess,
  valuesOf,
  verifyTally,
  type Admin,
  type FormValues,
  type ProcessInput,
} from './processes.server'
import { castBallot } from './voting.server'

const DAY = 86_400_000
const local = (ms: number) => new Date(ms).toISOString().slice(0, 16)

let admin: Admin
const asRole = (role: 'staff' | 'moderator' | null, id = 999_999): Admin => ({ id, roles: role ? [{ role, departmentId: null }] : [] })

beforeAll(async () => {
  await seededDatabase()
  const row = await database().db.selectFrom('users').select('id').where('email', '=', 'admin@valmera.example').executeTakeFirstOrThrow()
  admin = { id: row.id, roles: [{ role: 'admin', departmentId: null }] }
  // A category for delegation scopes and for the proposals these tests file.
  await database().write(async (trx) => {
    await trx
      .insertInto('proposal_categories')
      .values({ code: 'mobility', name: 'Mobility', position: 0 })
      .onConflict((oc) => oc.doNothing())
      .execute()
  })
  registerProposalVoting()
})

/** A complete form for a method, as the page posts it (tomorrow for a week). */
function form(method: string, extra: FormValues = {}): FormValues {
  return {
    title: `A ${method} vote`,
    description: 'What the **city** should do.',
    area: '',
    category: '',
    method,
    requiredLevel: '2',
    delegation: 'on',
    opensAt: local(Date.now() + DAY),
    closesAt: local(Date.now() + 8 * DAY),
    policy: 'equal',
    currency: 'EUR',
    ...(method === 'approval' || method === 'quadratic' || method === 'ranked' ? { 'option.0': 'Riverside park', 'option.1': 'Cycle lanes', 'option.2': 'Night buses' } : {}),
    ...(method === 'quadratic' ? { credits: '9' } : {}),
    ...(method === 'approval' ? { maxChoices: '2' } : {}),
    ...(method === 'budget'
      ? {
          'pot.city.budget': '1000000',
          'pot.city.limit': '400000',
          'project.0.title': 'Solar roofs on schools',
          'project.0.cost': '350000',
          'project.0.pot': 'city',
          'project.1.title': 'Bike parking',
          'project.1.cost': '40,000',
          'project.1.pot': 'city',
        }
      : {}),
    ...extra,
  }
}

async function submit(fields: FormValues, id: number | null = null, who: Admin = admin) {
  return submitProcessForm(who, fields, id)
}
async function created(fields: FormValues) {
  const result = await submit(fields)
  if (result.kind !== 'ok') throw new Error(`not created: ${JSON.stringify(result)}`)
  return result.id
}
const row = (id: number) => database().db.selectFrom('voting_processes').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
const audits = (id: number) =>
  database().db.selectFrom('audit_log').select(['action', 'actor_id', 'before', 'after', 'reason']).where('target_kind', '=', 'voting_process').where('target_id', '=', id).orderBy('id').execute()
const errorsOf = async (fields: FormValues, id: number | null = null) => {
  const result = await submit(fields, id)
  expect(result.kind, JSON.stringify(result)).toBe('invalid')
  return (result as { errors: Record<string, string> }).errors
}

describe('the demo seed step', () => {
  it('makes one open quadratic process at test scale, through the module, and nothing the second time', async () => {
    const { votingStep } = await import('../../../db/seed/voting')
    // The fixture's seed may have run the step already (it is in seedSteps); then this adds nothing.
    await votingStep.run(database(), { seed: 1, scale: 0.01 }, () => undefined)
    const rows = await database().db.selectFrom('voting_processes').select(['id', 'method', 'state', 'spec']).execute()
    expect(rows.map((r) => [r.method, r.state])).toEqual([['quadratic', 'open']])
    expect(readSpec(rows[0]!.spec).spec).toMatchObject({ credits: 9, options: expect.arrayContaining(['a-bathing-area-in-the-river']) })
    expect((await audits(rows[0]!.id)).map((a) => a.action)).toEqual(['voting.create', 'voting.schedule', 'voting.open'])
    expect(await votingStep.run(database(), { seed: 1, scale: 0.01 }, () => undefined)).toEqual({ created: 0 })
  })
})

describe('what people type', () => {
  it('reads money in the usual ways and refuses what is ambiguous', () => {
    expect(parseMoney('250000')).toBe(25_000_000)
    expect(parseMoney('250000.5')).toBe(25_000_050)
    expect(parseMoney('99,90')).toBe(9_990)
    expect(parseMoney('1,500,000')).toBe(150_000_000)
    expect(parseMoney('1.500.000')).toBe(150_000_000)
    expect(parseMoney('1 500 000')).toBe(150_000_000)
    expect(parseMoney('1.500')).toBe(150_000)
    expect(parseMoney('1,234.56')).toBe(123_456)
    expect(parseMoney('1.234,56')).toBe(123_456)
    for (const bad of ['', 'abc', '-5', '1,2,3', '1.234.5', '12.345,678', '1e6', '1,234,56.7', '١٢٣']) expect(parseMoney(bad), bad).toBeNull()
  })

  it('reads datetime-local values as UTC and refuses dates that do not exist', () => {
    expect(parseUtcDateTime('2027-03-01T09:30')).toBe('2027-03-01T09:30:00.000Z')
    expect(parseUtcDateTime('2027-03-01T09:30:15')).toBe('2027-03-01T09:30:15.000Z')
    for (const bad of ['2027-02-31T10:00', '2027-13-01T10:00', '2027-03-01', '2027-03-01T24:00', 'tomorrow', '']) expect(parseUtcDateTime(bad), bad).toBeNull()
  })

  it('makes readable, unique ids from labels', () => {
    const taken = new Set<string>()
    expect(idFromLabel('Parc de la Ribera (nord)', taken, 'x')).toBe('parc-de-la-ribera-nord')
    expect(idFromLabel('Parc de la Ribera (Nord)', taken, 'x')).toBe('parc-de-la-ribera-nord-2')
    expect(idFromLabel('¿Más árboles?', taken, 'x')).toBe('mas-arboles')
    expect(idFromLabel('公园', taken, 'option-4')).toBe('option-4')
  })
})

describe('the form, method by method', () => {
  it('creates a yes/no process as a draft, with its Markdown rendered and the policy stored', async () => {
    const id = await created(form('yesno'))
    const r = await row(id)
    expect(r).toMatchObject({ state: 'draft', method: 'yesno', required_level: 2, delegation: 1, eligible_area_id: null, proposal_id: null, created_by: admin.id })
    expect(r.description_html).toContain('<strong>city</strong>')
    expect(JSON.parse(r.weight_policy)).toEqual({ rules: [], default: 1000 })
    expect(readSpec(r.spec).spec).toEqual({ method: 'yesno' })
  })

  it('approval: options become ids with labels; k is checked against the options', async () => {
    const id = await created(form('approval'))
    const stored = readSpec((await row(id)).spec)
    expect(stored.spec).toEqual({ method: 'approval', options: ['riverside-park', 'cycle-lanes', 'night-buses'], minChoices: 0, maxChoices: 2 })
    expect(stored.labels).toEqual({ 'riverside-park': 'Riverside park', 'cycle-lanes': 'Cycle lanes', 'night-buses': 'Night buses' })
    expect(await errorsOf(form('approval', { maxChoices: '4' }))).toEqual({ maxChoices: 'voting:spec.choiceLimits' })
    expect(await errorsOf(form('approval', { maxChoices: '1', minChoices: '2' }))).toEqual({ maxChoices: 'voting:spec.choiceLimits' })
    expect(await errorsOf(form('approval', { 'option.1': '', 'option.2': '' }))).toMatchObject({ 'option.0': 'voting:spec.tooFewOptions' })
    expect(await errorsOf(form('approval', { 'option.2': 'riverside PARK' }))).toEqual({ 'option.2': 'votesAdmin:errors.duplicateLabel' })
    expect(await errorsOf(form('approval', { 'option.1': 'x'.repeat(201) }))).toEqual({ 'option.1': 'votesAdmin:errors.labelTooLong' })
    expect(await errorsOf(form('approval', { maxChoices: 'two' }))).toEqual({ maxChoices: 'votesAdmin:errors.wholeNumber' })
  })

  it('approval and ranked: an empty k means every option; rows far down the form count', async () => {
    const id = await created(form('ranked', { 'option.14': 'Tram line', optionRows: '20' }))
    const stored = readSpec((await row(id)).spec)
    expect(stored.spec).toEqual({ method: 'ranked', options: ['riverside-park', 'cycle-lanes', 'night-buses', 'tram-line'], minChoices: 0, maxChoices: 4 })
    expect(await errorsOf(form('ranked', { minChoices: '5' }))).toEqual({ maxChoices: 'voting:spec.choiceLimits' })
  })

  it('quadratic: voice credits are a whole number of at least 1', async () => {
    const id = await created(form('quadratic'))
    expect(readSpec((await row(id)).spec).spec).toEqual({ method: 'quadratic', options: ['riverside-park', 'cycle-lanes', 'night-buses'], credits: 9 })
    for (const credits of ['', '0', '-3', '2.5', 'nine', '99999999']) expect(await errorsOf(form('quadratic', { credits })), credits).toEqual({ credits: 'votesAdmin:errors.credits' })
  })

  it('budget: pots and projects in cents, per-district pots, and every money rule next to its field', async () => {
    const { districts } = await formContext()
    const north = districts[0]!
    const id = await created(
      form('budget', {
        [`pot.${north.slug}.budget`]: '200000',
        'project.2.title': 'Benches along the river',
        'project.2.cost': '15000.50',
        'project.2.pot': north.slug,
        maxDistricts: '1',
      }),
    )
    const stored = readSpec((await row(id)).spec)
    expect(stored.spec).toEqual({
      method: 'budget',
      pots: [
        { id: 'city', areaId: null, budget: 100_000_000, ballotLimit: 40_000_000 },
        { id: north.slug, areaId: north.id, budget: 20_000_000, ballotLimit: 20_000_000 },
      ],
      projects: [
        { id: 'solar-roofs-on-schools', pot: 'city', cost: 35_000_000 },
        { id: 'bike-parking', pot: 'city', cost: 4_000_000 },
        { id: 'benches-along-the-river', pot: north.slug, cost: 1_500_050 },
      ],
      maxDistricts: 1,
    })
    expect(stored.labels[north.slug]).toBe(north.name)
    expect(stored.labels['bike-parking']).toBe('Bike parking')
    expect(stored.currency).toBe('EUR')

    expect(await errorsOf(form('budget', { 'pot.city.budget': 'lots' }))).toMatchObject({ 'pot.city.budget': 'votesAdmin:errors.money' })
    expect(await errorsOf(form('budget', { 'pot.city.limit': '2000000' }))).toEqual({ 'pot.city.limit': 'votesAdmin:errors.limitOverBudget' })
    expect(await errorsOf(form('budget', { 'project.0.cost': '500000' }))).toEqual({ 'project.0.cost': 'votesAdmin:errors.costOverLimit' })
    expect(await errorsOf(form('budget', { 'project.1.pot': north.slug }))).toEqual({ 'project.1.pot': 'votesAdmin:errors.projectPot' })
    expect(await errorsOf(form('budget', { 'project.1.title': '' }))).toEqual({ 'project.1.title': 'votesAdmin:errors.projectTitle' })
    expect(await errorsOf(form('budget', { 'project.1.cost': '' }))).toEqual({ 'project.1.cost': 'votesAdmin:errors.money' })
    expect(await errorsOf(form('budget', { 'pot.city.budget': '', 'pot.city.limit': '' }))).toMatchObject({ pots: 'voting:spec.invalid' })
    expect(await errorsOf(form('budget', { 'project.0.title': '', 'project.0.cost': '', 'project.1.title': '', 'project.1.cost': '' }))).toEqual({ 'project.0.title': 'voting:spec.invalid' })
    expect(await errorsOf(form('budget', { currency: 'euros' }))).toEqual({ currency: 'votesAdmin:errors.currency' })
    expect(await errorsOf(form('budget', { maxDistricts: 'all' }))).toEqual({ maxDistricts: 'votesAdmin:errors.wholeNumber' })
  })

  it('keeps several errors at once, from the form and from the process rules', async () => {
    const errors = await errorsOf(form('quadratic', { title: 'x', credits: '0', opensAt: 'soon', area: '999999' }))
    expect(errors).toEqual({ title: 'votesAdmin:errors.titleRequired', credits: 'votesAdmin:errors.credits', opensAt: 'votesAdmin:errors.dateTime', area: 'votesAdmin:errors.area' })
    expect(await errorsOf(form('yesno', { method: 'plurality' }))).toEqual({ method: 'votesAdmin:errors.method' })
    expect(await errorsOf(form('yesno', { category: 'not-a-category' }))).toEqual({ category: 'votesAdmin:errors.category' })
    expect(await errorsOf(form('yesno', { requiredLevel: '7' }))).toEqual({ requiredLevel: 'votesAdmin:errors.requiredLevel' })
    expect(await errorsOf(form('yesno', { title: 'y'.repeat(201) }))).toEqual({ title: 'votesAdmin:errors.titleTooLong' })
  })

  it('date rules: opens before it closes, closes in the future', async () => {
    const now = Date.now()
    expect(await errorsOf(form('yesno', { opensAt: local(now + 3 * DAY), closesAt: local(now + 2 * DAY) }))).toEqual({ closesAt: 'votesAdmin:errors.closesBeforeOpens' })
    expect(await errorsOf(form('yesno', { opensAt: local(now + DAY), closesAt: local(now + DAY) }))).toEqual({ closesAt: 'votesAdmin:errors.closesBeforeOpens' })
    expect(await errorsOf(form('yesno', { opensAt: local(now - 3 * DAY), closesAt: local(now - DAY) }))).toEqual({ closesAt: 'votesAdmin:errors.closesInPast' })
    expect(await errorsOf(form('yesno', { closesAt: '2027-02-30T10:00' }))).toEqual({ closesAt: 'votesAdmin:errors.dateTime' })
    // Opening in the past is allowed: scheduled, it opens at the next step of the clock.
    expect((await submit(form('yesno', { opensAt: local(now - DAY) }))).kind).toBe('ok')
  })

  it('weight policies: the presets as the voting core stores them, custom rules checked row by row', async () => {
    for (const preset of ['equal', 'brief', 'residents'] as const) {
      const id = await created(form('yesno', { policy: preset }))
      const policy = JSON.parse((await row(id)).weight_policy)
      expect(presetOf(policy)).toBe(preset)
      expect(policy.rules.map((r: { weight: number }) => r.weight)).toEqual(policyPresets[preset].rules.map((r) => r.weight))
    }
    const id = await created(
      form('yesno', { policy: 'custom', 'rule.0.minLevel': '3', 'rule.0.residence': 'inside', 'rule.0.weight': '2', 'rule.2.minLevel': '1', 'rule.2.weight': '0,5', policyDefault: '0' }),
    )
    expect(JSON.parse((await row(id)).weight_policy)).toEqual({
      rules: [
        { minLevel: 3, residence: 'inside', weight: 2000 },
        { minLevel: 1, residence: 'any', weight: 500 },
      ],
      default: 0,
    })
    expect(await errorsOf(form('yesno', { policy: 'custom', 'rule.1.weight': '0.1234' }))).toEqual({ 'rule.1.weight': 'voting:policy.errors.weight' })
    expect(await errorsOf(form('yesno', { policy: 'custom', 'rule.0.weight': '101' }))).toEqual({ 'rule.0.weight': 'voting:policy.errors.weight' })
    expect(await errorsOf(form('yesno', { policy: 'custom', 'rule.0.weight': '1', 'rule.0.residence': 'mars' }))).toEqual({ 'rule.0.residence': 'voting:policy.errors.residence' })
    expect(await errorsOf(form('yesno', { policy: 'custom', 'rule.0.weight': '0' }))).toEqual({ policy: 'voting:policy.errors.nobody' })
    expect(await errorsOf(form('yesno', { policy: 'feudal' }))).toEqual({ policy: 'votesAdmin:errors.policy' })
  })

  it('says which rules never apply (pre-empted, or below the required level)', () => {
    expect(policyWarnings(policyPresets.brief, 2)).toEqual({ unreachable: [], belowLevel: [1] })
    expect(policyWarnings(policyPresets.brief, 1)).toEqual({ unreachable: [], belowLevel: [] })
    expect(policyWarnings({ rules: [{ weight: 1000 }, { minLevel: 2, weight: 2000 }] }, 0).unreachable).toEqual([1])
  })

  it('round-trips a stored process through the edit form unchanged', async () => {
    const context = await formContext()
    for (const method of ['yesno', 'approval', 'quadratic', 'budget', 'ranked']) {
      const id = await created(form(method, { policy: 'brief', residentsOnly: 'on', liveResults: 'on' }))
      const before = await row(id)
      const values = valuesOf(inputOf(before))
      const again = processFromForm(values, context)
      expect(again.errors, method).toEqual({})
      expect(again.input, method).toMatchObject({ ...inputOf(before), proposalId: null })
    }
  })
})

describe('the state machine', () => {
  it('edits a draft, schedules it, edits it until it opens, then refuses changes', async () => {
    const t0 = Date.now()
    const id = await created(form('yesno', { opensAt: local(t0 + DAY), closesAt: local(t0 + 3 * DAY) }))
    expect((await submit(form('yesno', { title: 'A better title', opensAt: local(t0 + DAY), closesAt: local(t0 + 3 * DAY) }), id)).kind).toBe('ok')
    expect((await row(id)).title).toBe('A better title')
    expect(await scheduleProcess(admin, id)).toEqual({ kind: 'ok' })
    expect(await scheduleProcess(admin, id)).toEqual({ kind: 'wrongState', state: 'scheduled' })
    expect((await submit(form('yesno', { title: 'Still editable', opensAt: local(t0 + DAY), closesAt: local(t0 + 3 * DAY) }), id)).kind).toBe('ok')
    expect(await unscheduleProcess(admin, id)).toEqual({ kind: 'ok' })
    expect(await scheduleProcess(admin, id)).toEqual({ kind: 'ok' })

    const opensAt = new Date((await row(id)).opens_at)
    expect(isEditable(await row(id), new Date(opensAt.getTime() - 1000).toISOString())).toBe(true)
    // Past its opening time, even before the clock opens it, it can no longer change.
    expect(await updateProcess(admin, id, inputOf(await row(id)), { now: new Date(opensAt.getTime() + 1000) })).toEqual({ kind: 'wrongState', state: 'scheduled' })
    expect(await unscheduleProcess(admin, id, new Date(opensAt.getTime() + 1000))).toEqual({ kind: 'invalid', errors: { form: 'votesAdmin:errors.alreadyOpening' } })
    expect(await advanceProcesses(new Date(opensAt.getTime() + 1000))).toMatchObject({ opened: expect.arrayContaining([id]) })
    expect((await row(id)).state).toBe('open')
    expect(await submit(form('yesno'), id)).toEqual({ kind: 'wrongState', state: 'open' })
    expect(await scheduleProcess(admin, id)).toEqual({ kind: 'wrongState', state: 'open' })
    expect(await publishResults(admin, id)).toEqual({ kind: 'wrongState', state: 'open' })
  })

  it('opens and closes on the dates, once, even with two clocks running at the same moment', async () => {
    const t0 = Date.now()
    const id = await created(form('quadratic', { opensAt: local(t0 + DAY), closesAt: local(t0 + 2 * DAY) }))
    expect(await scheduleProcess(admin, id)).toEqual({ kind: 'ok' })
    const opensAt = Date.parse((await row(id)).opens_at)
    const closesAt = Date.parse((await row(id)).closes_at)
    expect((await advanceProcesses(new Date(opensAt - 1000))).opened).not.toContain(id)

    const [a, b] = await Promise.all([advanceProcesses(new Date(opensAt)), advanceProcesses(new Date(opensAt))])
    expect([...a.opened, ...b.opened].filter((x) => x === id)).toEqual([id])
    expect((await row(id)).state).toBe('open')
    expect((await advanceProcesses(new Date(opensAt + 1000))).opened).not.toContain(id)

    const [c, d] = await Promise.all([advanceProcesses(new Date(closesAt + 1)), advanceProcesses(new Date(closesAt + 1))])
    expect([...c.closed, ...d.closed].filter((x) => x === id)).toEqual([id])
    expect((await row(id)).state).toBe('closed')
    expect((await advanceProcesses(new Date(closesAt + 5000))).closed).not.toContain(id)
    const clock = (await audits(id)).filter((a) => a.actor_id === null).map((a) => a.action)
    expect(clock).toEqual(['voting.open', 'voting.close'])
  })

  it('closes now a scheduled process whose opening time has passed (the clock has not caught up), not one still to open', async () => {
    const t0 = Date.now()
    const id = await created(form('yesno', { opensAt: local(t0 - 60_000), closesAt: local(t0 + DAY) }))
    const later = await created(form('yesno', { opensAt: local(t0 + DAY), closesAt: local(t0 + 2 * DAY) }))
    await scheduleProcess(admin, id)
    await scheduleProcess(admin, later)
    expect(await closeProcessNow(admin, later)).toEqual({ kind: 'invalid', errors: { form: 'votesAdmin:errors.notOpenYet' } })
    expect(await closeProcessNow(admin, id)).toEqual({ kind: 'ok' })
    expect((await row(id)).state).toBe('closed')
    expect((await advanceProcesses()).opened).not.toContain(id)
  })

  it('opens and closes at once a process whose whole period passed between two steps of the clock', async () => {
    const t0 = Date.now()
    const id = await created(form('yesno', { opensAt: local(t0 + DAY), closesAt: local(t0 + 2 * DAY) }))
    await scheduleProcess(admin, id)
    const result = await advanceProcesses(new Date(t0 + 3 * DAY))
    expect(result.opened).toContain(id)
    expect(result.closed).toContain(id)
    expect((await row(id)).state).toBe('closed')
  })

  it('closes now, publishes only after the close with the count and the policy, and verifies the tally', async () => {
    const id = await created(form('quadratic', { opensAt: local(Date.now() - 60_000), policy: 'brief' }))
    await scheduleProcess(admin, id)
    await advanceProcesses()
    expect((await row(id)).state).toBe('open')
    const voters = [await makeUser(2), await makeUser(2), await makeUser(2)]
    const cast = await Promise.all(voters.map((v, i) => castBallot(v, id, { votes: { 'riverside-park': 2, 'cycle-lanes': i === 0 ? 2 : 1 } })))
    expect(cast.map((c) => c.kind)).toEqual(['cast', 'cast', 'cast'])
    expect(await publishResults(admin, id)).toEqual({ kind: 'wrongState', state: 'open' })

    const before = Date.now()
    expect(await closeProcessNow(admin, id)).toEqual({ kind: 'ok' })
    const closed = await row(id)
    expect(closed.state).toBe('closed')
    expect(Date.parse(closed.closes_at)).toBeGreaterThanOrEqual(before - 5)
    expect(await closeProcessNow(admin, id)).toEqual({ kind: 'wrongState', state: 'closed' })

    const verified = await verifyTally(admin, id)
    expect(verified).toMatchObject({ kind: 'ok', verification: { ok: true } })

    const published = await publishResults(admin, id)
    expect(published.kind).toBe('ok')
    const stored = await row(id)
    expect(stored.state).toBe('published')
    expect(stored.published_at).not.toBeNull()
    const results = JSON.parse(stored.results!)
    expect(results.count.result.method).toBe('quadratic')
    expect(results.count.result.options[0]).toMatchObject({ option: 'riverside-park', rawVotes: 6, ballots: 3 })
    expect(results.policy).toEqual(JSON.parse(stored.weight_policy))
    expect(results.policyText.en[0]).toMatch(/^Each ballot has a weight/)
    expect(results.policyText.es.length).toBe(results.policyText.en.length)
    expect(await publishResults(admin, id)).toEqual({ kind: 'wrongState', state: 'published' })
    expect(await cancelProcess(admin, id)).toEqual({ kind: 'wrongState', state: 'published' })
    expect((await audits(id)).map((a) => a.action)).toEqual(['voting.create', 'voting.schedule', 'voting.open', 'voting.close', 'voting.publish'])
  })

  it('cancels a process before its results are published, with the reason in the audit log', async () => {
    const id = await created(form('ranked'))
    expect(await cancelProcess(admin, id, '  Duplicate of another vote.  ')).toEqual({ kind: 'ok' })
    expect((await row(id)).state).toBe('cancelled')
    expect(await scheduleProcess(admin, id)).toEqual({ kind: 'wrongState', state: 'cancelled' })
    expect(await submit(form('ranked'), id)).toEqual({ kind: 'wrongState', state: 'cancelled' })
    const last = (await audits(id)).at(-1)!
    expect(last).toMatchObject({ action: 'voting.cancel', actor_id: admin.id, reason: 'Duplicate of another vote.' })
  })

  it('writes an audit row for every change, with what changed', async () => {
    const t0 = Date.now()
    const id = await created(form('approval', { opensAt: local(t0 + DAY), closesAt: local(t0 + 2 * DAY) }))
    await submit(form('approval', { title: 'Renamed vote', maxChoices: '1', opensAt: local(t0 + DAY), closesAt: local(t0 + 2 * DAY) }), id)
    // Saving the same again changes nothing and writes nothing.
    await submit(form('approval', { title: 'Renamed vote', maxChoices: '1', opensAt: local(t0 + DAY), closesAt: local(t0 + 2 * DAY) }), id)
    const rows = await audits(id)
    expect(rows.map((r) => r.action)).toEqual(['voting.create', 'voting.update'])
    expect(JSON.parse(rows[0]!.after!)).toMatchObject({ title: 'A approval vote', method: 'approval', state: 'draft' })
    const update = rows[1]!
    expect(JSON.parse(update.before!)).toEqual({ title: 'A approval vote', spec: expect.objectContaining({ maxChoices: 2 }) })
    expect(JSON.parse(update.after!)).toEqual({ title: 'Renamed vote', spec: expect.objectContaining({ maxChoices: 1 }) })
    expect(update.actor_id).toBe(admin.id)
  })
})

describe('who may administer votes', () => {
  it('refuses citizens, staff and moderators every command', async () => {
    const id = await created(form('yesno'))
    const input = inputOf(await row(id))
    for (const who of [asRole(null), asRole('staff'), asRole('moderator')]) {
      expect(await createProcess(who, input)).toEqual({ kind: 'forbidden' })
      expect(await submit(form('yesno'), null, who)).toEqual({ kind: 'forbidden' })
      expect(await updateProcess(who, id, input)).toEqual({ kind: 'forbidden' })
      expect(await scheduleProcess(who, id)).toEqual({ kind: 'forbidden' })
      expect(await unscheduleProcess(who, id)).toEqual({ kind: 'forbidden' })
      expect(await cancelProcess(who, id)).toEqual({ kind: 'forbidden' })
      expect(await closeProcessNow(who, id)).toEqual({ kind: 'forbidden' })
      expect(await publishResults(who, id)).toEqual({ kind: 'forbidden' })
      expect(await verifyTally(who, id)).toEqual({ kind: 'forbidden' })
      expect(await setThresholdBehaviour(who, 'auto')).toEqual({ kind: 'forbidden' })
    }
    expect((await row(id)).state).toBe('draft')
    expect(await thresholdBehaviour()).toBe('manual')
  })
})

describe('the proposal → vote chain', () => {
  let author: AccountUser
  let supporters: Array<{ id: number }>
  let district: number

  beforeAll(async () => {
    const made = await makeUser(2)
    author = { ...made, email: null, displayName: 'Author', roles: [] } as unknown as AccountUser
    supporters = [await makeUser(2), await makeUser(2), await makeUser(2)]
    district = await areaId('ribera-nord')
  })

  async function proposalAtThreshold(title: string) {
    const { areaPoint } = await import('../geo/areas.server')
    const point = (await areaPoint('ribera-nord'))!
    const saved = await createProposal(
      { id: author.id, verificationLevel: 2, roles: [] },
      { title, summary: 'Plant trees along the river walk.', body: 'Shade for the summer.', categoryCode: 'mobility', tags: [], location: { lat: point.lat, lng: point.lng } },
      { publish: true },
    )
    if (saved.kind !== 'saved') throw new Error(saved.kind)
    const results = []
    for (const s of supporters) results.push(await supportProposal(s.id, saved.id))
    expect(results.at(-1)).toMatchObject({ kind: 'ok', thresholdReached: true })
    return saved.id
  }
  const proposal = (id: number) => database().db.selectFrom('proposals').select(['state', 'process_id', 'district_id']).where('id', '=', id).executeTakeFirstOrThrow()

  it('manual (the default): the proposal waits on the admin page; "Create the vote" attaches the process', async () => {
    expect(await thresholdBehaviour()).toBe('manual')
    const id = await proposalAtThreshold('Trees on the river walk')
    expect(await proposal(id)).toMatchObject({ state: 'threshold_reached', process_id: null })
    expect((await proposalsWaitingForVote()).map((p) => p.id)).toContain(id)

    const { newProcessValues } = await import('./processes.server')
    const values = await newProcessValues('approval', id)
    expect(values).toMatchObject({ method: 'yesno', title: 'Trees on the river walk', proposal: String(id), area: String((await proposal(id)).district_id), category: 'mobility', policy: 'brief' })
    const made = await submit(values)
    expect(made.kind).toBe('ok')
    const processId = (made as { id: number }).id
    expect(await proposal(id)).toEqual({ state: 'voting', process_id: processId, district_id: district })
    expect(await row(processId)).toMatchObject({ proposal_id: id, method: 'yesno', eligible_area_id: district, category: 'mobility', state: 'draft' })
    expect((await proposalsWaitingForVote()).map((p) => p.id)).not.toContain(id)
    // A second vote on the same proposal is refused.
    expect(await submit(values)).toEqual({ kind: 'invalid', errors: { form: 'votesAdmin:errors.proposalNotWaiting' } })
  })

  it('auto: the threshold creates a scheduled yes/no vote for the next day, for 14 days, in the proposal’s district', async () => {
    expect(await setThresholdBehaviour(admin, 'auto')).toEqual({ kind: 'ok' })
    expect(await thresholdBehaviour()).toBe('auto')
    const settingAudit = await database().db.selectFrom('audit_log').select(['action', 'after']).where('target_kind', '=', 'setting').orderBy('id', 'desc').executeTakeFirstOrThrow()
    expect(settingAudit).toEqual({ action: 'voting.settings', after: JSON.stringify({ 'voting.onThreshold': 'auto' }) })
    try {
      const id = await proposalAtThreshold('Lights on the footbridge')
      const p = await proposal(id)
      expect(p.state).toBe('voting')
      const r = await row(p.process_id!)
      const dates = autoVoteDates()
      expect(r).toMatchObject({
        proposal_id: id,
        method: 'yesno',
        state: 'scheduled',
        eligible_area_id: district,
        category: 'mobility',
        opens_at: dates.opensAt,
        closes_at: dates.closesAt,
        created_by: null,
      })
      expect(Date.parse(r.closes_at) - Date.parse(r.opens_at)).toBe(14 * DAY)
      expect(presetOf(JSON.parse(r.weight_policy))).toBe('brief')
      expect(r.description_md).toContain(`/proposals/${id}`)
      expect((await audits(r.id)).map((a) => [a.action, a.actor_id])).toEqual([['voting.create', null]])
      // The listener, called again for the same proposal, does nothing.
      expect(await database().write((trx) => handleThresholdReached(trx, { id }))).toBeNull()
    } finally {
      await setThresholdBehaviour(admin, 'manual')
    }
  })

  it('refuses a bad setting', async () => {
    expect(await setThresholdBehaviour(admin, 'sometimes')).toEqual({ kind: 'invalid', errors: { onThreshold: 'votesAdmin:errors.onThreshold' } })
  })
})

// A compile-time check that a ProcessInput built by hand (the seed, the chain) has every field.
const _typed: ProcessInput | null = null
void _typed
