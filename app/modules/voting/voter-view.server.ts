import type { VotingMethod } from '../../../db/schema'
import { database } from '../../lib/db.server'
import { can, type Principal } from '../accounts/policy'
import type { MilliWeight } from './arithmetic'
import { delegationScopeSchema, scopeRank, type DelegationScope, type ProcessScope } from './delegation'
import type { Choices } from './methods'
import { areaIndex, eligibility, isOpen, phaseOf, processRow, processScope, time, toInfo, voterFacts, type Eligibility, type Phase, type ProcessInfo } from './process-info.server'

/** Processes as people see them: the list by phase, and one process with the viewer's standing in it. */

// ---------------------------------------------------------------------------------------------
// Listing and one process for a viewer
// ---------------------------------------------------------------------------------------------

export interface ProcessSummary {
  id: number
  title: string
  method: VotingMethod
  phase: Phase
  opensAt: string
  closesAt: string
  eligibleAreaName: string | null
  /** Active direct ballots (one per voter). */
  ballots: number
}

/** Processes people may see (never drafts), by phase: open first, then upcoming, then closed. */
export async function listProcesses(at: Date = new Date()): Promise<Record<'open' | 'upcoming' | 'closed', ProcessSummary[]>> {
  const [rows, areas] = await Promise.all([
    database()
      .db.selectFrom('voting_processes as p')
      // Voters with an active ballot (the chain's length counts re-cast ballots too).
      .leftJoin('tallies as t', (join) => join.onRef('t.process_id', '=', 'p.id').on('t.key', '=', 'ballots'))
      .select(['p.id', 'p.title', 'p.method', 'p.state', 'p.opens_at', 'p.closes_at', 'p.eligible_area_id', 't.ballots'])
      .where('p.state', 'in', ['scheduled', 'open', 'closed', 'published'])
      .orderBy('p.closes_at', 'desc')
      .limit(500)
      .execute(),
    areaIndex(),
  ])
  const out: Record<'open' | 'upcoming' | 'closed', ProcessSummary[]> = { open: [], upcoming: [], closed: [] }
  for (const r of rows) {
    const phase = phaseOf({ state: r.state, opensAt: r.opens_at, closesAt: r.closes_at }, at)
    const summary: ProcessSummary = {
      id: r.id,
      title: r.title,
      method: r.method,
      phase,
      opensAt: r.opens_at,
      closesAt: r.closes_at,
      eligibleAreaName: r.eligible_area_id === null ? null : (areas.byId.get(r.eligible_area_id)?.name ?? null),
      ballots: r.ballots ?? 0,
    }
    out[phase === 'published' ? 'closed' : phase].push(summary)
  }
  // Soonest first for what is open or coming; most recently closed first for the rest.
  out.open.sort((a, b) => time(a.closesAt) - time(b.closesAt))
  out.upcoming.sort((a, b) => time(a.opensAt) - time(b.opensAt))
  return out
}

export interface ViewerBallot {
  receipt: string
  choices: Choices
  weight: MilliWeight
  castAt: string
}

export interface ViewerDelegation {
  id: number
  toId: number
  toName: string
  scope: DelegationScope
}

export interface VoterView {
  process: ProcessInfo
  phase: Phase
  open: boolean
  /** The process's area chain (smallest first) and category: which delegation scopes apply. */
  scope: ProcessScope
  viewer: null | {
    id: number
    eligibility: Eligibility
    ballot: ViewerBallot | null
    /** The viewer's delegation that applies to this process (the most specific), if any. */
    delegation: ViewerDelegation | null
    /** Administrators may see the running tally and drafts. */
    admin: boolean
  }
}

/**
 * A process as this viewer sees it (null: no such process, or a draft/cancelled one the viewer
 * may not see): parsed spec and policy, whether it is open, and for a logged-in viewer their
 * eligibility and weight now, their active ballot and their delegation for this process.
 */
export async function processForVoter(processId: number, user: (Principal & { id: number }) | null, at: Date = new Date()): Promise<VoterView | null> {
  const { db } = database()
  const [row, areas] = await Promise.all([processRow(db, processId), areaIndex()])
  if (!row) return null
  const admin = can(user, 'admin:access')
  if ((row.state === 'draft' || row.state === 'cancelled') && !admin) return null
  const process = toInfo(row, areas)
  const scope = processScope(areas, process)
  const view: VoterView = { process, phase: phaseOf(process, at), open: isOpen(process, at), scope, viewer: null }
  if (!user) return view
  const facts = await voterFacts(db, user.id)
  if (!facts) return view
  const [ballot, delegations] = await Promise.all([
    db
      .selectFrom('ballots')
      .select(['receipt', 'choices', 'weight', 'cast_at'])
      .where('process_id', '=', processId)
      .where('voter_id', '=', user.id)
      .where('replaced_at', 'is', null)
      .executeTakeFirst(),
    process.delegation
      ? db
          .selectFrom('delegations as d')
          .innerJoin('users as u', 'u.id', 'd.to_id')
          .select(['d.id', 'd.to_id', 'd.scope', 'u.display_name'])
          .where('d.from_id', '=', user.id)
          .where('d.revoked_at', 'is', null)
          .orderBy('d.id')
          .execute()
      : [],
  ])
  let delegation: ViewerDelegation | null = null
  let best = Infinity
  for (const d of delegations) {
    const parsed = delegationScopeSchema.safeParse(d.scope)
    if (!parsed.success) continue
    const rank = scopeRank(parsed.data, scope)
    if (rank !== null && rank <= best) {
      best = rank
      delegation = { id: d.id, toId: d.to_id, toName: d.display_name, scope: parsed.data }
    }
  }
  view.viewer = {
    id: user.id,
    eligibility: eligibility(process, facts, areas),
    ballot: ballot ? { receipt: ballot.receipt, choices: JSON.parse(ballot.choices) as Choices, weight: ballot.weight, castAt: ballot.cast_at } : null,
    delegation,
    admin,
  }
  return view
}
