import { beforeAll, describe, expect, it } from 'vitest'
import { makeUser, seededDatabase } from '../../../tests/support/fixtures'
import { database } from '../../lib/db.server'
import { castBallot } from '../voting/voting.server'
import { closeProcessNow, publishResults } from '../voting/processes.server'
import { ideaPath } from './path.server'
import { announcePhaseChanges, listProcesses, pageCacheSeconds, processFromForm, processRecord, saveProcess, setFollowing, timeline, type Admin } from './processes.server'
import { openBallot, projectView, reviewProject, submitProject, supportProject, voteOptionId } from './projects.server'
import { addMilestone, createResultFrom, listResults, resultOf, resultView, summaryByArea, updateResult } from './results.server'

const DAY = 86_400_000
// The process's own clock, years ahead: every rule is checked against it, never the wall clock.
const T0 = Date.parse('2031-03-01T00:00:00.000Z')
const day = (n: number, hours = 12) => new Date(T0 + n * DAY + hours * 3600_000)
const iso = (n: number) => new Date(T0 + n * DAY).toISOString().slice(0, 16)

let admin: Admin
let staff: Admin
let resident: Admin & { verificationLevel: number }
let districtId: number

function form(slug: string): Record<string, string> {
  return {
    slug,
    title_en: 'Budget 2031',
    title_es: 'Presupuestos 2031',
    description_en: 'Decide how to spend it.',
    cityBudget: '100000',
    currency: 'EUR',
    [`budget.${districtId}`]: '50000',
    'phase.0.title_en': 'Information',
    'phase.0.startsAt': iso(0),
    'phase.0.endsAt': iso(1),
    'phase.1.title_en': 'Submit projects',
    'phase.1.startsAt': iso(1),
    'phase.1.endsAt': iso(3),
    'phase.1.submit': 'on',
    'phase.2.title_en': 'Support',
    'phase.2.startsAt': iso(3),
    'phase.2.endsAt': iso(5),
    'phase.2.supports': 'on',
    'phase.3.title_en': 'Technical review',
    'phase.3.startsAt': iso(5),
    'phase.3.endsAt': iso(7),
    'phase.3.review': 'on',
    'phase.4.title_en': 'Vote',
    'phase.4.startsAt': iso(7),
    'phase.4.endsAt': iso(9),
    'phase.4.vote': 'on',
    'phase.5.title_en': 'Implementation',
    'phase.5.startsAt': iso(9),
    'phase.5.endsAt': iso(400),
    'phase.5.accountability': 'on',
    published: 'on',
  }
}

async function newProcess(slug: string) {
  const parsed = processFromForm(form(slug))
  expect(parsed.errors).toEqual({})
  const saved = await saveProcess(admin, null, parsed.input!, day(0))
  if (saved.kind !== 'ok') throw new Error(saved.kind)
  return saved.id
}

const project = (n: number, extra: Record<string, string> = {}) => ({ title: `Project number ${n}`, description: `A description of project ${n} long enough.`, estimatedCost: '30000', ...extra })

beforeAll(async () => {
  await seededDatabase()
  const a = await makeUser(3)
  const s = await makeUser(3)
  const r = await makeUser(2)
  admin = { id: a.id, roles: [{ role: 'admin', departmentId: null }] }
  staff = { id: s.id, roles: [{ role: 'staff', departmentId: null }] }
  resident = { id: r.id, roles: [], verificationLevel: 2 }
  districtId = (await database().db.selectFrom('areas').select('id').where('level', '=', 'district').orderBy('id').executeTakeFirstOrThrow()).id
})

describe('processes and phases', () => {
  it('the admin form: errors by field, values kept; phases need dates in order', () => {
    const bad = processFromForm({ ...form('x'), slug: 'Not a slug!', 'phase.1.endsAt': iso(0), 'phase.2.startsAt': 'tomorrow', cityBudget: 'lots' })
    expect(bad.input).toBeNull()
    expect(bad.errors).toMatchObject({ slug: 'errors.slug', 'phase.1.endsAt': 'errors.endsBeforeStarts', 'phase.2.startsAt': 'errors.dateTime', cityBudget: 'errors.money' })
    const none = processFromForm({ slug: 'empty', title_en: 'Empty' })
    expect(none.errors.form).toBe('errors.noPhases')
  })

  it('only an administrator creates one; it is audited; a taken slug is refused next to the field', async () => {
    const parsed = processFromForm(form('budget-audit'))
    expect(await saveProcess(staff, null, parsed.input!, day(0))).toEqual({ kind: 'forbidden' })
    const saved = await saveProcess(admin, null, parsed.input!, day(0))
    expect(saved.kind).toBe('ok')
    const id = saved.kind === 'ok' ? saved.id : 0
    const audit = await database().db.selectFrom('audit_log').selectAll().where('target_kind', '=', 'participatory_process').where('target_id', '=', id).execute()
    expect(audit.map((a) => a.action)).toEqual(['process.create'])
    expect(await saveProcess(admin, null, parsed.input!, day(0))).toEqual({ kind: 'invalid', errors: { slug: 'errors.slugTaken' } })
    // Editing keeps the phases' ids (by position) and records another audit row.
    const before = await processRecord({ id })
    const changed = processFromForm({ ...form('budget-audit'), 'phase.0.title_en': 'Info' })
    expect((await saveProcess(admin, id, changed.input!, day(0))).kind).toBe('ok')
    const after = await processRecord({ id })
    expect(after!.phases.map((p) => p.id)).toEqual(before!.phases.map((p) => p.id))
    expect(after!.phases[0]!.title.en).toBe('Info')
  })

  it('the current phase follows the clock: timeline and list', async () => {
    const id = await newProcess('budget-timeline')
    const p = (await processRecord({ id }))!
    expect(timeline(p, 'en', day(2)).current?.title).toBe('Submit projects')
    expect(timeline(p, 'es', day(2)).entries.map((e) => e.time)).toEqual(['past', 'current', 'upcoming', 'upcoming', 'upcoming', 'upcoming'])
    expect(timeline(p, 'en', day(-1)).current).toBeNull()
    const listed = (await listProcesses('es', day(4))).find((x) => x.id === id)!
    expect(listed.title).toBe('Presupuestos 2031')
    expect(listed.current?.title).toBe('Support')
  })
})

describe('phase rules', () => {
  let processId: number
  beforeAll(async () => {
    processId = await newProcess('budget-rules')
  })

  it('submitting outside its phase is refused, saying when it opens; inside it is accepted', async () => {
    expect(await submitProject(resident, processId, project(1), day(0))).toEqual({ kind: 'closed', rule: 'submit', opensAt: new Date(T0 + DAY).toISOString() })
    expect(await submitProject(resident, processId, project(1), day(4))).toEqual({ kind: 'closed', rule: 'submit', opensAt: null })
    const ok = await submitProject(resident, processId, project(1), day(2))
    expect(ok.kind).toBe('ok')
  })

  it('bad input is refused field by field; a district the process does not fund is refused', async () => {
    const bad = await submitProject(resident, processId, { title: 'x', description: 'short', estimatedCost: 'a lot' }, day(2))
    expect(bad).toEqual({ kind: 'invalid', errors: { title: 'errors.titleRequired', description: 'errors.descriptionRequired', estimatedCost: 'errors.cost' } })
    const otherArea = await database().db.selectFrom('areas').select('id').where('id', '!=', districtId).executeTakeFirstOrThrow()
    expect(await submitProject(resident, processId, project(2, { areaId: String(otherArea.id) }), day(2))).toEqual({ kind: 'invalid', errors: { areaId: 'errors.area' } })
    const unverified = await makeUser(0)
    expect(await submitProject({ id: unverified.id, verificationLevel: 0 }, processId, project(3), day(2))).toMatchObject({ kind: 'levelTooLow' })
  })

  it('supports are counted only while the support phase is open, once per person, at the verification level', async () => {
    const sub = await submitProject(resident, processId, project(4), day(2))
    const projectId = sub.kind === 'ok' ? sub.id : 0
    const supporter = await makeUser(2)
    const s = { id: supporter.id, verificationLevel: 2 }
    expect(await supportProject(s, projectId, day(2))).toMatchObject({ kind: 'closed', rule: 'supports' })
    expect(await supportProject(s, projectId, day(4))).toEqual({ kind: 'ok', supports: 1, counted: true })
    expect(await supportProject(s, projectId, day(4))).toEqual({ kind: 'ok', supports: 1, counted: false })
    const low = await makeUser(1)
    expect(await supportProject({ id: low.id, verificationLevel: 1 }, projectId, day(4))).toMatchObject({ kind: 'levelTooLow', required: 2 })
    expect(await supportProject({ id: (await makeUser(2)).id, verificationLevel: 2 }, projectId, day(6))).toMatchObject({ kind: 'closed' })
    expect((await projectView(projectId, 'en'))!.supports).toBe(1)
  })

  it('feasibility review: staff only, a reason for unfeasible, a final cost for feasible; audited', async () => {
    const sub = await submitProject(resident, processId, project(5), day(2))
    const projectId = sub.kind === 'ok' ? sub.id : 0
    expect(await reviewProject({ id: resident.id, roles: [] }, projectId, { feasible: 'no', reason: 'Not ours' }, day(6))).toEqual({ kind: 'forbidden' })
    expect(await reviewProject(staff, projectId, { feasible: 'no', reason: '' }, day(6))).toEqual({ kind: 'invalid', errors: { reason: 'errors.reasonRequired' } })
    expect(await reviewProject(staff, projectId, { feasible: 'yes', finalCost: '' }, day(6))).toEqual({ kind: 'invalid', errors: { finalCost: 'errors.cost' } })
    expect(await reviewProject(staff, projectId, { feasible: 'no', reason: 'The land belongs to the port authority.' }, day(6))).toEqual({ kind: 'ok' })
    const view = (await projectView(projectId, 'en'))!
    expect(view.state).toBe('unfeasible')
    expect(view.feasibilityReason).toBe('The land belongs to the port authority.')
    const audit = await database().db.selectFrom('audit_log').select('action').where('target_kind', '=', 'process_project').where('target_id', '=', projectId).execute()
    expect(audit).toEqual([{ action: 'process.project.review' }])
  })
})

describe('the whole budget cycle, into accountability', () => {
  it('submit, support, review, ballot (an existing budget vote), vote, winners become results with history', async () => {
    const processId = await newProcess('budget-cycle')
    const ids: number[] = []
    for (const [n, cost] of [
      [10, '60000'],
      [11, '50000'],
      [12, '30000'],
      [13, '20000'],
    ] as const) {
      const r = await submitProject(resident, processId, project(n, { estimatedCost: cost }), day(2))
      if (r.kind !== 'ok') throw new Error(r.kind)
      ids.push(r.id)
    }
    const [a, b, c, d] = ids as [number, number, number, number]
    expect((await supportProject({ id: (await makeUser(2)).id, verificationLevel: 2 }, a, day(4))).kind).toBe('ok')
    await reviewProject(staff, a, { feasible: 'yes', finalCost: '60000' }, day(6))
    await reviewProject(staff, b, { feasible: 'yes', finalCost: '50000' }, day(6))
    await reviewProject(staff, c, { feasible: 'yes', finalCost: '30000' }, day(6))
    await reviewProject(staff, d, { feasible: 'no', reason: 'Already planned by the council.' }, day(6))

    expect(await openBallot(staff, processId, day(6))).toEqual({ kind: 'forbidden' })
    const ballot = await openBallot(admin, processId, day(6))
    if (ballot.kind !== 'ok') throw new Error(JSON.stringify(ballot))
    const vote = await database().db.selectFrom('voting_processes').selectAll().where('id', '=', ballot.voteId).executeTakeFirstOrThrow()
    expect(vote.method).toBe('budget')
    expect(vote.state).toBe('scheduled')
    const spec = JSON.parse(vote.spec) as { projects: Array<{ id: string; cost: number }>; pots: Array<{ id: string }> }
    expect(spec.projects.map((p) => p.id).sort()).toEqual([a, b, c].map(voteOptionId).sort())
    expect(spec.pots.map((p) => p.id)).toEqual(['city', `district-${districtId}`])
    // Reviews are locked once the ballot exists.
    expect(await reviewProject(staff, a, { feasible: 'no', reason: 'Changed our mind' }, day(6))).toEqual({ kind: 'locked' })

    // Three voters: a+c (90,000 ≤ 100,000), b, a.
    const voters = await Promise.all([makeUser(2), makeUser(2), makeUser(2)])
    const choices = [[a, c], [b], [a]]
    for (let i = 0; i < voters.length; i++) {
      const cast = await castBallot({ id: voters[i]!.id, verificationLevel: 2, homeAreaId: null }, ballot.voteId, { projects: choices[i]!.map(voteOptionId) }, { at: day(8) })
      expect(cast.kind).toBe('cast')
    }
    expect((await closeProcessNow(admin, ballot.voteId, day(8, 20))).kind).toBe('ok')
    expect((await publishResults(admin, ballot.voteId)).kind).toBe('ok')

    // Winners as voting computes them: a (2 votes, 60,000), then b does not fit (50,000 > 40,000), c fits (30,000).
    expect((await projectView(a, 'en'))!.state).toBe('selected')
    expect((await projectView(b, 'en'))!.state).toBe('not_selected')
    expect((await projectView(c, 'en'))!.state).toBe('selected')
    const resultA = (await resultOf('project', a))!
    expect(resultA.status).toBe('planned')
    expect(await resultOf('project', b)).toBeNull()

    // Staff update it: every change kept.
    expect(await updateResult({ id: resident.id, roles: [] }, resultA.id, { status: 'in_progress', progress: '10' }, day(10))).toEqual({ kind: 'forbidden' })
    expect(await updateResult(staff, resultA.id, { status: 'done', progress: '50', budget: '60000', spent: '0' }, day(10))).toEqual({ kind: 'invalid', errors: { progress: 'errors.doneNeeds100' } })
    expect(await updateResult(staff, resultA.id, { status: 'in_progress', progress: '40', budget: '60000', spent: '20000' }, day(20))).toEqual({ kind: 'ok' })
    expect((await addMilestone(staff, resultA.id, { happenedOn: '2031-04-01', text: 'Works started' }, null, day(31))).kind).toBe('ok')
    expect(await addMilestone(staff, resultA.id, { happenedOn: 'April', text: 'x' }, null, day(31))).toEqual({ kind: 'invalid', errors: { happenedOn: 'errors.date', text: 'errors.milestoneText' } })
    expect(await updateResult(staff, resultA.id, { status: 'done', progress: '100', budget: '60000', spent: '58000' }, day(60))).toEqual({ kind: 'ok' })
    expect((await addMilestone(staff, resultA.id, { happenedOn: '2031-05-01', text: 'Opened to the public' }, null, day(61))).kind).toBe('ok')
    const view = (await resultView(resultA.id, 'en'))!
    expect(view.milestones.map((m) => m.text)).toEqual(['Works started', 'Opened to the public'])
    expect(view.history.map((h) => h.after)).toEqual([
      { status: 'planned', progress: 0, budget: 6_000_000, spent: 0 },
      { status: 'in_progress', progress: 40, spent: 2_000_000 },
      { milestone: view.milestones[0]!.id, happenedOn: '2031-04-01', text: 'Works started' },
      { status: 'done', progress: 100, spent: 5_800_000 },
      { milestone: view.milestones[1]!.id, happenedOn: '2031-05-01', text: 'Opened to the public' },
    ])
    expect(view.history[3]!.before).toEqual({ status: 'in_progress', progress: 40, spent: 2_000_000 })
    expect(view.source).toMatchObject({ kind: 'project', id: a, url: `/processes/projects/${a}` })

    // The path of the idea, and of the unfeasible one.
    const path = (await ideaPath('project', a))!
    expect(path.steps.filter((s) => s.reached).map((s) => s.step)).toEqual(['submitted', 'supported', 'reviewed', 'voted', 'won', 'in_progress', 'done'])
    expect(path.result?.id).toBe(resultA.id)
    const rejected = (await ideaPath('project', d))!
    expect(rejected.steps.find((s) => s.step === 'reviewed')).toEqual({ step: 'reviewed', reached: true, note: 'Already planned by the council.' })
    expect(rejected.result).toBeNull()

    // Lists, filters, summary.
    const byProcess = await listResults({ processId }, 'en')
    expect(byProcess.items.map((r) => r.id).sort()).toEqual([resultA.id, (await resultOf('project', c))!.id].sort())
    expect((await listResults({ processId, status: 'done' }, 'en')).items.map((r) => r.id)).toEqual([resultA.id])
    const summary = await summaryByArea({ processId }, 'en')
    expect(summary.reduce((n, s) => n + s.results, 0)).toBe(2)
    expect(summary.reduce((n, s) => n + s.done, 0)).toBe(1)
  })

  it('results from proposals need an answered proposal; from petitions a committed response', async () => {
    expect(await createResultFrom(staff, 'proposal', 999_999)).toEqual({ kind: 'notFound' })
    const unanswered = await database().db.selectFrom('proposals').select('id').where('state', '!=', 'answered').executeTakeFirst()
    if (unanswered) expect(await createResultFrom(staff, 'proposal', unanswered.id)).toEqual({ kind: 'notEligible' })
    const answered = await database().db.selectFrom('proposals').select('id').where('state', '=', 'answered').where('answer_md', 'is not', null).executeTakeFirst()
    if (answered) {
      const made = await createResultFrom(staff, 'proposal', answered.id)
      expect(made.kind).toBe('ok')
      expect(await createResultFrom(staff, 'proposal', answered.id)).toEqual(made)
    }
    expect(await createResultFrom({ id: resident.id, roles: [] }, 'petition', 1)).toEqual({ kind: 'forbidden' })
  })
})

describe('following a process', () => {
  it('followers are mailed once when a phase starts, in their language', async () => {
    const id = await newProcess('budget-follow')
    const follower = await makeUser(1)
    expect(await setFollowing(follower, id, true, day(0))).toEqual({ kind: 'ok' })
    expect(await setFollowing(follower, 999_999, true, day(0))).toEqual({ kind: 'notFound' })
    const mails = () => database().db.selectFrom('outbox').select(['subject', 'to_address']).where('kind', '=', 'processes.phase').where('to_address', '=', follower.email).execute()
    expect(await announcePhaseChanges(day(-1))).not.toContain(id)
    expect(await announcePhaseChanges(day(2))).toContain(id)
    expect(await announcePhaseChanges(day(2))).not.toContain(id)
    expect((await mails()).length).toBe(1)
    expect((await mails())[0]!.subject).toContain('Submit projects')
    await announcePhaseChanges(day(4))
    expect((await mails()).length).toBe(2)
    await setFollowing(follower, id, false, day(4))
    await announcePhaseChanges(day(6))
    expect((await mails()).length).toBe(2)
  })
})

describe('pageCacheSeconds', () => {
  const phase = (startsAt: string, endsAt: string) => ({ id: 1, position: 0, title: { en: 'P' }, startsAt, endsAt, components: {} as never })
  const at = new Date('2033-01-01T00:00:00.000Z')
  it('is the maximum far from any phase edge, never past the next start or end, and 0 with the injected clock', () => {
    expect(pageCacheSeconds({ phases: [phase('2032-12-01T00:00:00.000Z', '2033-02-01T00:00:00.000Z')] }, at, 5, false)).toBe(5)
    expect(pageCacheSeconds({ phases: [phase('2032-12-01T00:00:00.000Z', '2033-01-01T00:00:03.500Z')] }, at, 5, false)).toBe(3)
    expect(pageCacheSeconds({ phases: [phase('2033-01-01T00:00:00.400Z', '2033-02-01T00:00:00.000Z')] }, at, 5, false)).toBe(0)
    expect(pageCacheSeconds({ phases: [] }, at, 5, true)).toBe(0)
  })
})
