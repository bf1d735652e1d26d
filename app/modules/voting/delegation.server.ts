import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import { database } from '../../lib/db.server'
import { namesIn } from '../../lib/localized.server'
import type { MilliWeight } from './arithmetic'
import { delegationScopeSchema, resolveDelegations, scopeRank, wouldCycle, type Delegation, type DelegationScope, type ProcessScope } from './delegation'
import type { WeightedBallot } from './methods'
import { areaIndex, eligibility, processRow, processScope, time, toInfo, type AreaIndex, type ProcessInfo } from './process-info.server'

/**
 * Delegation on the server: the graph that applies to one process (the snapshot taken at the
 * close, or the stored delegations as they stood), applying it to the direct ballots, and giving,
 * revoking and listing delegations. The rules themselves (scopes, cycles, resolution) are pure,
 * in delegation.ts.
 */

/** Rows per statement when snapshotting delegations (4 bound values a row, well under SQLite's limit). */
const TALLY_CHUNK = 2000

// ---------------------------------------------------------------------------------------------
// Delegation: the graph that applies to one process
// ---------------------------------------------------------------------------------------------

export interface DelegationGraph {
  source: 'snapshot' | 'live' | 'none'
  delegations: Delegation<number>[]
  /** The delegators' own weights (0 for those who may not vote). */
  weights: Map<number, MilliWeight>
}

function scopesFor(scope: ProcessScope): string[] {
  return ['all', ...scope.areas.map((a) => `area:${a}`), ...(scope.category ? [`category:${scope.category}`] : [])]
}

/**
 * The delegations that apply to a process. Once delegation_weights holds the process's snapshot
 * (taken at the close), that is the graph, with the weights of that moment. Otherwise the stored
 * delegations as they stood at the close (or now, if earlier), each delegator weighed by the
 * policy with their level and residence now.
 */
export async function delegationGraph(db: Kysely<Database>, process: ProcessInfo, areas: AreaIndex, at: Date = new Date(), allowSnapshot = true): Promise<DelegationGraph> {
  if (!process.delegation) return { source: 'none', delegations: [], weights: new Map() }
  if (allowSnapshot) {
    const snapshot = await db.selectFrom('delegation_weights').select(['user_id', 'weight', 'delegate_id']).where('process_id', '=', process.id).execute()
    if (snapshot.length > 0) {
      const delegations: Delegation<number>[] = []
      const weights = new Map<number, MilliWeight>()
      for (const r of snapshot) {
        weights.set(r.user_id, r.weight)
        if (r.delegate_id !== null) delegations.push({ from: r.user_id, to: r.delegate_id, scope: 'all' })
      }
      return { source: 'snapshot', delegations, weights }
    }
  }
  const asOf = new Date(Math.min(at.getTime(), time(process.closesAt) || at.getTime())).toISOString()
  const rows = await db
    .selectFrom('delegations as d')
    .innerJoin('users as u', 'u.id', 'd.from_id')
    .select(['d.from_id', 'd.to_id', 'd.scope', 'u.verification_level', 'u.home_area_id', 'u.deleted_at'])
    .where('d.scope', 'in', scopesFor(processScope(areas, process)))
    .where('d.created_at', '<=', asOf)
    .where((eb) => eb.or([eb('d.revoked_at', 'is', null), eb('d.revoked_at', '>', asOf)]))
    .orderBy('d.id')
    .execute()
  const delegations: Delegation<number>[] = []
  const weights = new Map<number, MilliWeight>()
  for (const r of rows) {
    delegations.push({ from: r.from_id, to: r.to_id, scope: r.scope as DelegationScope })
    if (!weights.has(r.from_id)) {
      weights.set(r.from_id, r.deleted_at ? 0 : eligibility(process, { level: r.verification_level, homeAreaId: r.home_area_id }, areas).weight)
    }
  }
  return { source: 'live', delegations, weights }
}

/**
 * Writes the process's delegation snapshot (delegation_weights): every voter with a delegation
 * that applies to the process, their weight under the policy now, and the delegate their
 * followed (most specific) delegation names. The administrators' side calls it inside the write
 * that closes the process, so a recount uses the weights of the close.
 */
export async function snapshotDelegations(trx: Kysely<Database>, processId: number, at: Date = new Date()): Promise<{ delegators: number }> {
  const row = await processRow(trx, processId)
  if (!row) throw new Error(`no voting process ${processId}`)
  const areas = await areaIndex(trx)
  const process = toInfo(row, areas)
  await trx.deleteFrom('delegation_weights').where('process_id', '=', processId).execute()
  const graph = await delegationGraph(trx, process, areas, at, false)
  const scope = processScope(areas, process)
  // The followed delegation of each delegator: the most specific scope, the later on a tie.
  const followed = new Map<number, { to: number; rank: number }>()
  for (const d of graph.delegations) {
    const rank = scopeRank(d.scope, scope)
    if (rank === null) continue
    const current = followed.get(d.from)
    if (!current || rank <= current.rank) followed.set(d.from, { to: d.to, rank })
  }
  const rows = [...followed].map(([user, f]) => ({ process_id: processId, user_id: user, weight: graph.weights.get(user) ?? 0, delegate_id: f.to }))
  for (let i = 0; i < rows.length; i += TALLY_CHUNK)
    await trx
      .insertInto('delegation_weights')
      .values(rows.slice(i, i + TALLY_CHUNK))
      .execute()
  return { delegators: rows.length }
}

export interface DelegationSummary {
  enabled: boolean
  source: 'snapshot' | 'live' | 'none'
  /** Voters whose delegation applied and who did not vote themselves. */
  delegators: number
  /** Of those, whose chain reached a direct voter, and the weight they brought. */
  reached: number
  carriedWeight: MilliWeight
  /** Whose chain reached nobody (rule 5): their weight is not counted. */
  lost: number
  lostWeight: MilliWeight
  /** Direct voters carrying someone's weight. */
  delegates: number
}

export interface ActiveBallots {
  voters: number[]
  ballots: WeightedBallot<unknown>[]
}

/** Applies the delegation graph to the active direct ballots: weights become own + carried. */
export function applyDelegation(active: ActiveBallots, graph: DelegationGraph, scope: ProcessScope): { weighted: WeightedBallot<unknown>[]; summary: DelegationSummary } {
  const summary: DelegationSummary = { enabled: graph.source !== 'none', source: graph.source, delegators: 0, reached: 0, carriedWeight: 0, lost: 0, lostWeight: 0, delegates: 0 }
  if (graph.delegations.length === 0) return { weighted: active.ballots, summary }
  // Only direct voters inside the graph can carry anything; leaving the others out keeps
  // resolution proportional to the delegations, not to a million ballots.
  const inGraph = new Set<number>()
  for (const d of graph.delegations) {
    inGraph.add(d.from)
    inGraph.add(d.to)
  }
  const weights = new Map(graph.weights)
  const direct: number[] = []
  const at = new Map<number, number>()
  active.voters.forEach((voter, i) => {
    if (!inGraph.has(voter)) return
    direct.push(voter)
    weights.set(voter, active.ballots[i]!.weight)
    at.set(voter, i)
  })
  const resolved = resolveDelegations({ delegations: graph.delegations, process: scope, directVoters: direct, weights })
  for (const [delegator, castBy] of resolved.castBy) {
    const w = graph.weights.get(delegator) ?? 0
    summary.delegators += 1
    if (castBy === null) {
      summary.lost += 1
      summary.lostWeight += w
    } else {
      summary.reached += 1
      summary.carriedWeight += w
    }
  }
  const weighted = active.ballots.slice()
  for (const [voter, carried] of resolved.carried) {
    const i = at.get(voter)!
    if ((resolved.delegators.get(voter) ?? 0) > 0) summary.delegates += 1
    weighted[i] = { choices: weighted[i]!.choices, weight: carried }
  }
  return { weighted, summary }
}

// ---------------------------------------------------------------------------------------------
// Delegations: giving, revoking, listing
// ---------------------------------------------------------------------------------------------

export type DelegateResult = { kind: 'ok'; id: number; replaced: boolean } | { kind: 'unknownUser' } | { kind: 'self' } | { kind: 'cycle' } | { kind: 'badScope' }

/**
 * Hands the person's vote on a scope to another person (by e-mail or user id). Refuses unknown
 * people, oneself and a delegation that could close a cycle (wouldCycle, checked inside the write
 * so two people cannot delegate to each other at the same moment). A delegation on a scope the
 * person already delegates replaces it (the old one is kept, revoked, for counts as of a close).
 */
export async function delegate(user: { id: number }, input: { to: string | number; scope: string }): Promise<DelegateResult> {
  const scope = delegationScopeSchema.safeParse(input.scope)
  if (!scope.success) return { kind: 'badScope' }
  const { db, write } = database()
  if (scope.data.startsWith('area:')) {
    const areas = await areaIndex()
    if (!areas.byId.has(Number(scope.data.slice(5)))) return { kind: 'badScope' }
  } else if (scope.data.startsWith('category:')) {
    const category = await db.selectFrom('proposal_categories').select('id').where('code', '=', scope.data.slice(9)).executeTakeFirst()
    if (!category) return { kind: 'badScope' }
  }
  const to = String(input.to).trim()
  let query = db.selectFrom('users').select('id').where('deleted_at', 'is', null)
  query = /^\d{1,12}$/.test(to) ? query.where('id', '=', Number(to)) : query.where('email', '=', to.toLowerCase())
  const target = to ? await query.executeTakeFirst() : undefined
  if (!target) return { kind: 'unknownUser' }
  if (target.id === user.id) return { kind: 'self' }
  const at = new Date().toISOString()
  return write(async (trx) => {
    const active = await trx.selectFrom('delegations').select(['from_id', 'to_id', 'scope']).where('revoked_at', 'is', null).execute()
    const graph = active.map((d) => ({ from: d.from_id, to: d.to_id, scope: d.scope as DelegationScope }))
    if (wouldCycle(graph, user.id, target.id, scope.data)) return { kind: 'cycle' as const }
    const old = await trx.updateTable('delegations').set({ revoked_at: at }).where('from_id', '=', user.id).where('scope', '=', scope.data).where('revoked_at', 'is', null).returning('id').execute()
    const row = await trx.insertInto('delegations').values({ from_id: user.id, to_id: target.id, scope: scope.data, created_at: at, revoked_at: null }).returning('id').executeTakeFirstOrThrow()
    return { kind: 'ok' as const, id: row.id, replaced: old.length > 0 }
  })
}

export async function revokeDelegation(user: { id: number }, id: number): Promise<{ kind: 'ok' } | { kind: 'notFound' }> {
  const at = new Date().toISOString()
  return database().write(async (trx) => {
    const done = await trx.updateTable('delegations').set({ revoked_at: at }).where('id', '=', id).where('from_id', '=', user.id).where('revoked_at', 'is', null).returning('id').executeTakeFirst()
    return done ? { kind: 'ok' as const } : { kind: 'notFound' as const }
  })
}

export interface DelegationEntry {
  id: number
  scope: DelegationScope
  /** The other person: whom the delegation goes to (given) or comes from (received). */
  personId: number
  personName: string
  createdAt: string
}

/** The person's active delegations: those they give and those they receive. */
export async function delegationsOf(user: { id: number }): Promise<{ given: DelegationEntry[]; received: DelegationEntry[] }> {
  const { db } = database()
  const [given, received] = await Promise.all([
    db
      .selectFrom('delegations as d')
      .innerJoin('users as u', 'u.id', 'd.to_id')
      .select(['d.id', 'd.scope', 'd.created_at', 'u.id as person_id', 'u.display_name'])
      .where('d.from_id', '=', user.id)
      .where('d.revoked_at', 'is', null)
      .orderBy('d.id')
      .execute(),
    db
      .selectFrom('delegations as d')
      .innerJoin('users as u', 'u.id', 'd.from_id')
      .select(['d.id', 'd.scope', 'd.created_at', 'u.id as person_id', 'u.display_name'])
      .where('d.to_id', '=', user.id)
      .where('d.revoked_at', 'is', null)
      .where('u.deleted_at', 'is', null)
      .orderBy('d.id')
      .limit(1000)
      .execute(),
  ])
  const entry = (r: (typeof given)[number]): DelegationEntry => ({ id: r.id, scope: r.scope as DelegationScope, personId: r.person_id, personName: r.display_name, createdAt: r.created_at })
  return { given: given.map(entry), received: received.map(entry) }
}

/** Names for delegation scopes and the choices the delegation form offers. */
export async function delegationScopeOptions(locale: string) {
  const { db } = database()
  const [areas, categories] = await Promise.all([areaIndex(), db.selectFrom('proposal_categories').select(['code', 'name']).orderBy('position').orderBy('name').execute()])
  const all = [...areas.byId.values()]
  const districts = all.filter((a) => a.level === 'district').sort((a, b) => a.name.localeCompare(b.name))
  return {
    districts: districts.map((d) => ({
      id: d.id,
      name: d.name,
      neighbourhoods: all
        .filter((n) => n.parentId === d.id && n.level === 'neighbourhood')
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((n) => ({ id: n.id, name: n.name })),
    })),
    categories: categories.map((c) => ({ code: c.code, name: namesIn(locale)(c.name) })),
    areaNames: Object.fromEntries(all.map((a) => [a.id, a.name])) as Record<number, string>,
    cityId: areas.cityId,
  }
}
