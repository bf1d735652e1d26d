import type { ProposalState } from '../../../db/schema'

/**
 * The proposal lifecycle (CONSUL's, as Decide Madrid runs it). Pure: no database here.
 *
 *   draft ──publish──▶ published ──supports reach the threshold──▶ threshold_reached ──vote opens──▶ voting
 *                          │                                              │                           │
 *                          └──PROPOSAL_MONTHS pass──▶ archived            └──────council answers──────┴──▶ answered
 *
 * Any public state may be hidden by moderation; restoring goes back to the state the proposal's
 * own dates say it is in (restoredState), so nothing else needs remembering.
 */

export const proposalStates: readonly ProposalState[] = ['draft', 'published', 'threshold_reached', 'voting', 'answered', 'archived', 'hidden']

/** States anyone may see (lists, the map, search, feeds). */
export const publicStates: readonly ProposalState[] = ['published', 'threshold_reached', 'voting', 'answered', 'archived']
/** What /proposals shows unless asked for a state: everything public that is not archived. */
export const activeStates: readonly ProposalState[] = ['published', 'threshold_reached', 'voting', 'answered']

export const isProposalState = (s: unknown): s is ProposalState => typeof s === 'string' && (proposalStates as readonly string[]).includes(s)
export const isPublicState = (s: ProposalState) => (publicStates as readonly string[]).includes(s)

export type ProposalActor = 'author' | 'system' | 'voting' | 'council' | 'moderator'

/**
 * Who may move a proposal from one state to another:
 * - the author publishes their draft (and only a draft is theirs to change);
 * - the system moves a published proposal to threshold_reached (the support that reaches it) or to
 *   archived (its months are over);
 * - the voting side opens a vote on a proposal that reached the threshold;
 * - the council answers a proposal that reached the threshold (with or without a vote) once no
 *   vote is running, and may correct its answer;
 * - moderators hide any public proposal and restore it.
 */
export function canTransition(from: ProposalState, to: ProposalState, actor: ProposalActor): boolean {
  switch (actor) {
    case 'author':
      return from === 'draft' && to === 'published'
    case 'system':
      return from === 'published' && (to === 'threshold_reached' || to === 'archived')
    case 'voting':
      return from === 'threshold_reached' && to === 'voting'
    case 'council':
      return to === 'answered' && (from === 'threshold_reached' || from === 'voting' || from === 'answered')
    case 'moderator':
      return (isPublicState(from) && to === 'hidden') || (from === 'hidden' && isPublicState(to))
  }
}

/**
 * The state a hidden proposal returns to, from its own dates: answered if the council answered it,
 * voting if a vote was opened on it, threshold_reached if it got there, archived if it was or its
 * time ran out meanwhile, else published.
 */
export function restoredState(
  p: { answered_at: string | null; process_id: number | null; threshold_reached_at: string | null; archived_at: string | null; expires_at: string | null },
  now: string,
): Exclude<ProposalState, 'draft' | 'hidden'> {
  if (p.answered_at) return 'answered'
  if (p.process_id !== null) return 'voting'
  if (p.threshold_reached_at) return 'threshold_reached'
  if (p.archived_at || (p.expires_at !== null && p.expires_at <= now)) return 'archived'
  return 'published'
}

/** The map shows proposals in public states only; status on the map is the state. */
export const visibleOnMap = (state: ProposalState) => isPublicState(state)

/** `months` calendar months after `iso` (UTC); the 31st of a short month becomes its last day. */
export function addMonths(iso: string, months: number): string {
  const d = new Date(iso)
  const day = d.getUTCDate()
  d.setUTCDate(1)
  d.setUTCMonth(d.getUTCMonth() + months)
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate()
  d.setUTCDate(Math.min(day, last))
  return d.toISOString()
}

/** Whole days from `now` until `iso` (rounded up; 0 when past). */
export function daysUntil(iso: string, now: number = Date.now()): number {
  return Math.max(0, Math.ceil((Date.parse(iso) - now) / 86_400_000))
}
