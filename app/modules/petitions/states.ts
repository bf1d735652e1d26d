import type { PetitionState } from '../../../db/schema'

/**
 * The petition lifecycle (UK Parliament petitions' as it runs them). Pure: no database here.
 *
 *   draft ──gather sponsors──▶ sponsoring ──sponsors reached──▶ pending ──moderator publishes──▶ open ──closes_at passes──▶ closed
 *     │                           (PETITION_SPONSORS = 0: straight to pending)  │
 *     └─────────────────────────────────────────────────────────────────────────┴──moderator rejects──▶ rejected
 *
 * "Awaiting response", "responded" and "debated" are not states but facts about an open or closed
 * petition (response_threshold_reached_at, responded_at, debated_at), so a petition may be all of
 * closed, responded and debated at once. Moderation may hide an open or closed petition; restoring
 * returns it to the state its dates say (restoredState).
 */

export const petitionStates: readonly PetitionState[] = ['draft', 'sponsoring', 'pending', 'open', 'closed', 'rejected', 'hidden']
/** States anyone may see in lists, search, the map and the JSON. */
export const publicStates: readonly PetitionState[] = ['open', 'closed']
export const isPublicState = (s: PetitionState) => s === 'open' || s === 'closed'

/** The list's filters (/petitions?state=…). */
export const listFilters = ['open', 'closed', 'awaiting_response', 'responded', 'debated', 'all'] as const
export type ListFilter = (typeof listFilters)[number]
export const isListFilter = (s: unknown): s is ListFilter => typeof s === 'string' && (listFilters as readonly string[]).includes(s)

export const listSorts = ['signatures', 'newest'] as const
export type ListSort = (typeof listSorts)[number]
export const isListSort = (s: unknown): s is ListSort => typeof s === 'string' && (listSorts as readonly string[]).includes(s)

/** Standard reasons for rejecting a petition (the UK site's list, for a city council). */
export const rejectionReasons = ['duplicate', 'not_council_business', 'offensive', 'defamatory', 'confidential', 'advert', 'nonsense', 'already_happening', 'unclear'] as const
export type RejectionReason = (typeof rejectionReasons)[number]
export const isRejectionReason = (s: unknown): s is RejectionReason => typeof s === 'string' && (rejectionReasons as readonly string[]).includes(s)

export const TITLE_MAX = 100
export const ACTION_MAX = 300
export const BACKGROUND_MAX = 5000
export const REJECTION_DETAILS_MAX = 2000
export const RESPONSE_MAX = 10_000

export type PetitionActor = 'author' | 'sponsors' | 'moderator' | 'system'

/**
 * Who may move a petition from one state to another:
 * - the author sends their draft to gather sponsors (or, with no sponsors required, to moderation);
 * - sponsors' signatures move it from sponsoring to pending (the signing side does that);
 * - a moderator publishes or rejects a pending petition, hides an open or closed one and restores it;
 * - the system closes an open petition whose time is over.
 */
export function canTransition(from: PetitionState, to: PetitionState, actor: PetitionActor): boolean {
  switch (actor) {
    case 'author':
      return from === 'draft' && (to === 'sponsoring' || to === 'pending')
    case 'sponsors':
      return from === 'sponsoring' && to === 'pending'
    case 'moderator':
      return (from === 'pending' && (to === 'open' || to === 'rejected')) || (isPublicState(from) && to === 'hidden') || (from === 'hidden' && isPublicState(to))
    case 'system':
      return from === 'open' && to === 'closed'
  }
}

/** A hidden petition goes back to closed if its time ran out (or it was closed), else open. */
export function restoredState(p: { closed_at: string | null; closes_at: string | null }, now: string): 'open' | 'closed' {
  return p.closed_at || (p.closes_at !== null && p.closes_at <= now) ? 'closed' : 'open'
}

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

/**
 * The next threshold a count works towards (the response, then the debate), or null once both are
 * passed: what the page's <progress> measures.
 */
export function nextThreshold(count: number, thresholds: { response: number; debate: number }): { kind: 'response' | 'debate'; at: number } | null {
  if (count < thresholds.response) return { kind: 'response', at: thresholds.response }
  if (count < thresholds.debate) return { kind: 'debate', at: thresholds.debate }
  return null
}

/** Awaiting the council's response: the response threshold reached, no response published yet. */
export const awaitingResponse = (p: { state: PetitionState; response_threshold_reached_at: string | null; responded_at: string | null }) =>
  isPublicState(p.state) && p.response_threshold_reached_at !== null && p.responded_at === null
