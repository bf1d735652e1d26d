import { sql, type Transaction } from 'kysely'
import type { Database, ProjectState } from '../../../db/schema'
import { database } from '../../lib/db.server'
import { localize } from '../../lib/localized'
import { cityDefaultLocale } from '../../lib/localized.server'
import { can, requiredLevel, type Principal } from '../accounts/policy'
import { citySettings } from '../city/settings.server'
import { recordAudit } from '../moderation/moderation.server'
import { createProcess, onResultsPublished, policyPresets, scheduleProcess } from '../voting/processes.server'
import { publishedResult } from '../voting/voting.server'
import { currentPhase, nextPhaseWith, PROJECT_PAGE_SIZE, type ComponentRule } from './phases'
import { mayAdminister, processRecord, type Admin, type ProcessRecord } from './processes.server'
import { attachImages, imagesOf, type ImagesToAttach, type ShownImage } from './images.server'
import { createResultIn } from './results.server'
import { projectSchema, reviewSchema, type ProjectInput } from './schema'

/**
 * The participatory-budget cycle inside a process: residents submit projects while a phase has
 * `submit` on, support them while `supports` is on (the installation's verification level for
 * supporting), staff review each for feasibility with a public reason and a final cost, and the
 * feasible ones become the projects of an ordinary budget vote of app/modules/voting (created
 * through its exported functions, with the city's and the districts' pots). When that vote's
 * results are published, its winners become results (accountability). The only code that writes
 * process_projects and process_project_supports.
 */

export const PROJECT_KIND = 'process_project'
/** The option id of a project in the budget vote's spec. */
export const voteOptionId = (projectId: number) => `project-${projectId}`
const projectIdOf = (optionId: string) => (/^project-(\d+)$/.exec(optionId) ? Number(optionId.slice(8)) : null)

export type Refusal =
  /** The rule is off in the phase the clock is in; `opensAt`: the next phase that turns it on. */
  { kind: 'closed'; rule: ComponentRule; opensAt: string | null } | { kind: 'levelTooLow'; required: number } | { kind: 'notFound' }

const ruleCheck = (p: ProcessRecord, rule: ComponentRule, at: Date): Refusal | null => {
  if (currentPhase(p.phases, at)?.components[rule]) return null
  return { kind: 'closed', rule, opensAt: nextPhaseWith(p.phases, rule, at)?.startsAt ?? null }
}

/** May `rule` be used now? (The page shows forms only when it is.) */
export const ruleOpenIn = (p: ProcessRecord, rule: ComponentRule, at: Date) => ruleCheck(p, rule, at) === null

export type SubmitResult = { kind: 'ok'; id: number } | Refusal | { kind: 'invalid'; errors: Record<string, string> }

/** A resident submits a project: only while the current phase has `submit` on. */
export async function submitProject(
  user: Pick<Principal, 'id' | 'verificationLevel'>,
  processId: number,
  fields: Record<string, unknown>,
  at: Date = new Date(),
  images: ImagesToAttach = { refs: [], alt: '' },
): Promise<SubmitResult> {
  const p = await processRecord({ id: processId })
  if (!p || !p.published) return { kind: 'notFound' }
  const closed = ruleCheck(p, 'submit', at)
  if (closed) return closed
  const required = requiredLevel('propose', (await citySettings()).VERIFICATION_LEVELS)
  if (user.verificationLevel < required) return { kind: 'levelTooLow', required }
  const parsed = projectSchema.safeParse(fields)
  if (!parsed.success) return { kind: 'invalid', errors: projectFieldErrors(fields) }
  const input: ProjectInput = parsed.data
  if (input.areaId !== null && p.districtBudgets[String(input.areaId)] === undefined) return { kind: 'invalid', errors: { areaId: 'errors.area' } }
  if ((input.lat === null) !== (input.lng === null)) return { kind: 'invalid', errors: { lat: 'errors.place' } }
  const now = at.toISOString()
  return database()
    .write(async (trx): Promise<SubmitResult> => {
      const row = await trx
        .insertInto('process_projects')
        .values({
          process_id: processId,
          author_id: user.id,
          title: input.title.replace(/\s+/g, ' '),
          description: input.description,
          estimated_cost: input.estimatedCost,
          area_id: input.areaId,
          lat: input.lat,
          lng: input.lng,
          state: 'submitted',
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      await attachImages(trx, 'project', row.id, images.refs, images.alt)
      return { kind: 'ok', id: row.id }
    })
    .finally(() => forgetCounts(processId))
}

/** What is wrong with a project form's fields, as `processes` i18n keys by field (empty: nothing). */
export function projectFieldErrors(fields: Record<string, unknown>): Record<string, string> {
  const parsed = projectSchema.safeParse(fields)
  const errors: Record<string, string> = {}
  if (!parsed.success) for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? 'form')] ??= issue.message.startsWith('errors.') ? issue.message : 'errors.invalid'
  return errors
}

export type SupportResult = { kind: 'ok'; supports: number; counted: boolean } | Refusal | { kind: 'notSupportable' }

/** A resident supports a project: counted only while the current phase has `supports` on, once per person. */
export async function supportProject(user: Pick<Principal, 'id' | 'verificationLevel'>, projectId: number, at: Date = new Date()): Promise<SupportResult> {
  const project = await database().db.selectFrom('process_projects').select(['process_id', 'state']).where('id', '=', projectId).executeTakeFirst()
  if (!project) return { kind: 'notFound' }
  const p = await processRecord({ id: project.process_id })
  if (!p || !p.published) return { kind: 'notFound' }
  const closed = ruleCheck(p, 'supports', at)
  if (closed) return closed
  if (project.state !== 'submitted' && project.state !== 'feasible') return { kind: 'notSupportable' }
  const required = requiredLevel('support', (await citySettings()).VERIFICATION_LEVELS)
  if (user.verificationLevel < required) return { kind: 'levelTooLow', required }
  return database().write(async (trx) => {
    const inserted = await trx
      .insertInto('process_project_supports')
      .values({ project_id: projectId, user_id: user.id, created_at: at.toISOString() })
      .onConflict((oc) => oc.columns(['project_id', 'user_id']).doNothing())
      .returning('user_id')
      .executeTakeFirst()
    const counted = inserted !== undefined
    if (counted)
      await trx
        .updateTable('process_projects')
        .set({ supports: sql`supports + 1` })
        .where('id', '=', projectId)
        .execute()
    const row = await trx.selectFrom('process_projects').select('supports').where('id', '=', projectId).executeTakeFirstOrThrow()
    return { kind: 'ok', supports: row.supports, counted }
  })
}

export type ReviewResult = { kind: 'ok' } | { kind: 'forbidden' } | { kind: 'notFound' } | { kind: 'invalid'; errors: Record<string, string> } | { kind: 'locked' }

export const mayReview = (staff: Pick<Principal, 'roles'> | null) => (staff ? can({ id: 0, verificationLevel: 0, roles: staff.roles }, 'proposal:respond') : false)

/** Staff decide a project's feasibility: a public reason (required when unfeasible) and the final cost. Audited. */
export async function reviewProject(staff: Admin, projectId: number, fields: Record<string, unknown>, at: Date = new Date()): Promise<ReviewResult> {
  if (!mayReview(staff)) return { kind: 'forbidden' }
  const parsed = reviewSchema.safeParse(fields)
  if (!parsed.success) {
    const errors: Record<string, string> = {}
    for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? 'form')] ??= issue.message.startsWith('errors.') ? issue.message : 'errors.feasible'
    return { kind: 'invalid', errors }
  }
  const input = parsed.data
  return database()
    .write(async (trx): Promise<ReviewResult> => {
      const before = await trx
        .selectFrom('process_projects as j')
        .innerJoin('participatory_processes as p', 'p.id', 'j.process_id')
        .select(['j.state', 'j.final_cost', 'j.feasibility_reason', 'p.budget_vote_id'])
        .where('j.id', '=', projectId)
        .executeTakeFirst()
      if (!before) return { kind: 'notFound' }
      // Once the ballot exists its projects are fixed.
      if (before.budget_vote_id !== null || (before.state !== 'submitted' && before.state !== 'feasible' && before.state !== 'unfeasible')) return { kind: 'locked' }
      const state: ProjectState = input.feasible === 'yes' ? 'feasible' : 'unfeasible'
      const after = { state, feasibility_reason: input.reason || null, final_cost: input.feasible === 'yes' ? input.finalCost : null }
      await trx
        .updateTable('process_projects')
        .set({ ...after, reviewed_by: staff.id, reviewed_at: at.toISOString(), updated_at: at.toISOString() })
        .where('id', '=', projectId)
        .execute()
      await recordAudit(trx, {
        actorId: staff.id,
        action: 'process.project.review',
        targetKind: PROJECT_KIND,
        targetId: projectId,
        before: { state: before.state, finalCost: before.final_cost, reason: before.feasibility_reason },
        after,
        reason: input.reason || null,
      })
      return { kind: 'ok' }
    })
    .finally(() => countsCache.clear())
}

// ------------------------------------------------------------------------------------ reading

export interface ProjectListItem {
  id: number
  title: string
  estimatedCost: number
  finalCost: number | null
  state: ProjectState
  supports: number
  areaId: number | null
}

/** A page of a process's projects, most supported first (keyset by (supports, id): no OFFSET). */
export async function projectsOf(
  processId: number,
  options: { state?: ProjectState; after?: { supports: number; id: number } | null; limit?: number } = {},
): Promise<{ items: ProjectListItem[]; next: { supports: number; id: number } | null }> {
  const limit = options.limit ?? PROJECT_PAGE_SIZE
  let q = database()
    .db.selectFrom('process_projects')
    .select(['id', 'title', 'estimated_cost', 'final_cost', 'state', 'supports', 'area_id'])
    .where('process_id', '=', processId)
    .where('state', '!=', 'withdrawn')
  if (options.state) q = q.where('state', '=', options.state)
  if (options.after) {
    const { supports, id } = options.after
    q = q.where((eb) => eb.or([eb('supports', '<', supports), eb.and([eb('supports', '=', supports), eb('id', '>', id)])]))
  }
  const rows = await q
    .orderBy('supports', 'desc')
    .orderBy('id')
    .limit(limit + 1)
    .execute()
  const items = rows.slice(0, limit).map((r) => ({ id: r.id, title: r.title, estimatedCost: r.estimated_cost, finalCost: r.final_cost, state: r.state, supports: r.supports, areaId: r.area_id }))
  const last = items[items.length - 1]
  return { items, next: rows.length > limit && last ? { supports: last.supports, id: last.id } : null }
}

// The counts line of a process page: a group-by over every project of the process (the largest
// single cost of the page with 5,000 projects, bench processes), kept COUNTS_MS per process.
// Counts change only when a project is submitted, reviewed or decided by the ballot: this
// process forgets them then; another worker's page may show the old counts for COUNTS_MS.
const COUNTS_MS = 5_000
const countsCache = new Map<number, { at: number; counts: Record<string, number> }>()
const forgetCounts = (processId: number) => countsCache.delete(processId)

/** How many projects a process has in each state. */
export async function projectCounts(processId: number): Promise<Record<string, number>> {
  const kept = countsCache.get(processId)
  if (kept && Date.now() - kept.at < COUNTS_MS) return kept.counts
  const rows = await database()
    .db.selectFrom('process_projects')
    .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
    .where('process_id', '=', processId)
    .groupBy('state')
    .execute()
  const counts = Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]))
  if (countsCache.size >= 1000) countsCache.clear()
  countsCache.set(processId, { at: Date.now(), counts })
  return counts
}

export interface ProjectView {
  id: number
  processId: number
  processSlug: string
  processTitle: string
  title: string
  description: string
  estimatedCost: number
  finalCost: number | null
  currency: string
  areaId: number | null
  areaName: string | null
  lat: number | null
  lng: number | null
  state: ProjectState
  supports: number
  votes: number | null
  feasibilityReason: string | null
  reviewedAt: string | null
  createdAt: string
  authorId: number | null
  budgetVoteId: number | null
  supported: boolean
  images: ShownImage[]
}

export async function projectView(projectId: number, locale: string, viewerId: number | null = null): Promise<ProjectView | null> {
  const { db } = database()
  const r = await db
    .selectFrom('process_projects as j')
    .innerJoin('participatory_processes as p', 'p.id', 'j.process_id')
    .leftJoin('areas as a', 'a.id', 'j.area_id')
    .select([
      'j.id',
      'j.process_id',
      'p.slug',
      'p.title as process_title',
      'p.currency',
      'p.published',
      'p.budget_vote_id',
      'j.title',
      'j.description',
      'j.estimated_cost',
      'j.final_cost',
      'j.area_id',
      'a.name as area_name',
      'j.lat',
      'j.lng',
      'j.state',
      'j.supports',
      'j.votes',
      'j.feasibility_reason',
      'j.reviewed_at',
      'j.created_at',
      'j.author_id',
    ])
    .where('j.id', '=', projectId)
    .executeTakeFirst()
  if (!r || r.published !== 1 || r.state === 'withdrawn') return null
  const [supported, images] = await Promise.all([
    viewerId ? db.selectFrom('process_project_supports').select('user_id').where('project_id', '=', projectId).where('user_id', '=', viewerId).executeTakeFirst().then(Boolean) : false,
    imagesOf('project', [projectId]),
  ])
  const fallback = cityDefaultLocale()
  return {
    id: r.id,
    processId: r.process_id,
    processSlug: r.slug,
    processTitle: localize(r.process_title, locale, fallback),
    title: r.title,
    description: r.description,
    estimatedCost: r.estimated_cost,
    finalCost: r.final_cost,
    currency: r.currency,
    areaId: r.area_id,
    areaName: r.area_name ? localize(r.area_name, locale, fallback) : null,
    lat: r.lat,
    lng: r.lng,
    state: r.state,
    supports: r.supports,
    votes: r.votes,
    feasibilityReason: r.feasibility_reason,
    reviewedAt: r.reviewed_at,
    createdAt: r.created_at,
    authorId: r.author_id,
    budgetVoteId: r.budget_vote_id,
    supported,
    images: images.get(projectId) ?? [],
  }
}

// ------------------------------------------------------------------------------------ the ballot

export type BallotResult =
  | { kind: 'ok'; voteId: number }
  | { kind: 'forbidden' }
  | { kind: 'notFound' }
  | { kind: 'already'; voteId: number }
  | { kind: 'noVotePhase' }
  | { kind: 'noProjects' }
  | { kind: 'noBudget' }
  | { kind: 'invalid'; errors: Record<string, string> }

/**
 * The ballot: a budget vote of app/modules/voting (its createProcess and scheduleProcess), with a
 * pot for the city and one per district the process funds, the feasible projects at their final
 * cost, open during the phase that has `vote` on. It opens and closes by itself (voting's clock).
 */
export async function openBallot(admin: Admin, processId: number, at: Date = new Date()): Promise<BallotResult> {
  if (!mayAdminister(admin)) return { kind: 'forbidden' }
  const p = await processRecord({ id: processId })
  if (!p) return { kind: 'notFound' }
  if (p.budgetVoteId) return { kind: 'already', voteId: p.budgetVoteId }
  const phase = p.phases.find((ph) => ph.components.vote && Date.parse(ph.endsAt) > at.getTime())
  if (!phase) return { kind: 'noVotePhase' }
  const projects = await database()
    .db.selectFrom('process_projects')
    .select(['id', 'title', 'final_cost', 'area_id'])
    .where('process_id', '=', processId)
    .where('state', '=', 'feasible')
    .orderBy('id')
    .execute()
  const pots: Array<{ id: string; areaId: number | null; budget: number; ballotLimit: number }> = []
  const labels: Record<string, string> = {}
  const fallback = cityDefaultLocale()
  if (p.cityBudget > 0) {
    pots.push({ id: 'city', areaId: null, budget: p.cityBudget, ballotLimit: p.cityBudget })
    labels.city = localize(p.title, fallback, fallback)
  }
  const districtNames = await database()
    .db.selectFrom('areas')
    .select(['id', 'name'])
    .where('id', 'in', Object.keys(p.districtBudgets).map(Number).concat([0]))
    .execute()
  for (const [area, amount] of Object.entries(p.districtBudgets)) {
    pots.push({ id: `district-${area}`, areaId: Number(area), budget: amount, ballotLimit: amount })
    labels[`district-${area}`] = localize(districtNames.find((d) => d.id === Number(area))?.name ?? area, fallback, fallback)
  }
  if (pots.length === 0) return { kind: 'noBudget' }
  const potOf = (areaId: number | null) => (areaId !== null && p.districtBudgets[String(areaId)] ? `district-${areaId}` : p.cityBudget > 0 ? 'city' : null)
  const specProjects = projects
    .map((j) => ({ id: voteOptionId(j.id), pot: potOf(j.area_id), cost: j.final_cost ?? 0 }))
    .filter((j): j is { id: string; pot: string; cost: number } => j.pot !== null && j.cost > 0)
  if (specProjects.length === 0) return { kind: 'noProjects' }
  for (const j of projects) labels[voteOptionId(j.id)] = j.title
  const created = await createProcess(
    admin,
    {
      title: localize(p.title, fallback, fallback).slice(0, 200),
      description: localize(p.description, fallback, fallback) || localize(p.title, fallback, fallback),
      eligibleAreaId: p.areaId,
      residentsOnly: false,
      category: null,
      spec: { method: 'budget', pots, projects: specProjects, maxDistricts: 1 },
      labels,
      currency: p.currency,
      policy: policyPresets.equal,
      requiredLevel: requiredLevel('vote', (await citySettings()).VERIFICATION_LEVELS),
      delegation: false,
      opensAt: phase.startsAt,
      closesAt: phase.endsAt,
    },
    { now: at },
  )
  if (created.kind === 'forbidden') return { kind: 'forbidden' }
  if (created.kind !== 'ok') return { kind: 'invalid', errors: created.kind === 'invalid' ? created.errors : { form: 'errors.ballot' } }
  const scheduled = await scheduleProcess(admin, created.id, at)
  if (scheduled.kind !== 'ok') return { kind: 'invalid', errors: { form: 'errors.ballot' } }
  await database().write(async (trx) => {
    await trx.updateTable('participatory_processes').set({ budget_vote_id: created.id, updated_at: at.toISOString() }).where('id', '=', processId).execute()
    await recordAudit(trx, { actorId: admin.id, action: 'process.ballot', targetKind: 'participatory_process', targetId: processId, after: { voteId: created.id, projects: specProjects.length } })
  })
  return { kind: 'ok', voteId: created.id }
}

/**
 * When a process's budget vote publishes its results (inside voting's transaction): each project
 * becomes selected or not, with its votes; each selected one becomes a result to follow.
 */
export async function applyBallotResults(trx: Transaction<Database>, voteId: number, at: Date = new Date()) {
  const p = await trx.selectFrom('participatory_processes').select(['id', 'area_id']).where('budget_vote_id', '=', voteId).executeTakeFirst()
  if (!p) return
  forgetCounts(p.id)
  const vote = await trx.selectFrom('voting_processes').select(['results']).where('id', '=', voteId).executeTakeFirst()
  const result = publishedResult(vote?.results ? JSON.parse(vote.results) : null)
  if (!result || result.method !== 'budget') return
  const now = at.toISOString()
  for (const pot of result.pots)
    for (const row of pot.projects) {
      const projectId = projectIdOf(row.project)
      if (projectId === null) continue
      const state: ProjectState = row.outcome === 'selected' ? 'selected' : 'not_selected'
      await trx
        .updateTable('process_projects')
        .set({ state, votes: Math.round(row.votes / 1000), updated_at: now })
        .where('id', '=', projectId)
        .where('process_id', '=', p.id)
        .execute()
      if (state !== 'selected') continue
      const j = await trx.selectFrom('process_projects').select(['title', 'description', 'area_id', 'lat', 'lng', 'final_cost']).where('id', '=', projectId).executeTakeFirstOrThrow()
      await createResultIn(trx, null, {
        processId: p.id,
        sourceKind: 'project',
        sourceId: projectId,
        voteId,
        title: j.title,
        description: j.description,
        areaId: j.area_id ?? p.area_id,
        lat: j.lat,
        lng: j.lng,
        budget: j.final_cost ?? row.cost,
        at,
      })
    }
}

export function registerBallotResults() {
  onResultsPublished((trx, vote) => applyBallotResults(trx, vote.id))
}
