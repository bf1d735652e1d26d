import type { ProposalState } from '../../../db/schema'
import { can, type Principal } from '../accounts/policy'
import { isPublicState } from './states'

/**
 * Who may do what with proposals. Pure: the levels come from requiredLevel(…) (the installation's
 * VERIFICATION_LEVELS), the facts from the caller.
 */

export interface ProposalFacts {
  state: ProposalState
  authorId: number | null
}

/** Drafts are their author's alone; hidden proposals their author's and moderators'. */
export function mayView(viewer: Principal | null, p: ProposalFacts): boolean {
  if (isPublicState(p.state)) return true
  const isAuthor = viewer !== null && p.authorId === viewer.id
  if (p.state === 'draft') return isAuthor
  return isAuthor || can(viewer, 'content:moderate')
}

/** Only a draft is edited, and only by its author (published text is what people supported). */
export const mayEdit = (viewer: Principal | null, p: ProposalFacts) => viewer !== null && p.authorId === viewer.id && p.state === 'draft'

export type SupportRefusal = { kind: 'login' } | { kind: 'needsLevel'; level: number } | { kind: 'notOpen' }

/**
 * Whether this person may support: logged in, at the level supporting needs (default 2, residence
 * verified), and the proposal collecting supports (published). Authors may support their own
 * proposal, as in CONSUL: they are residents like any other, and refusing them would only send
 * them to find one more neighbour.
 */
export function supportRefusal(viewer: Principal | null, p: ProposalFacts, requiredLevel: number): SupportRefusal | null {
  if (p.state !== 'published') return { kind: 'notOpen' }
  if (!viewer) return { kind: 'login' }
  if (viewer.verificationLevel < requiredLevel) return { kind: 'needsLevel', level: requiredLevel }
  return null
}

/** The council answers proposals (the permission 'proposal:respond': staff and administrators). */
export const mayAnswer = (viewer: Principal | null) => can(viewer, 'proposal:respond')

/**
 * Whether the council's answer can be given now: after the threshold (with no vote, or once the
 * vote has closed), or to correct an answer given.
 */
export function answerable(state: ProposalState, voteState: string | null): boolean {
  if (state === 'threshold_reached' || state === 'answered') return true
  if (state === 'voting') return voteState === null || voteState === 'closed' || voteState === 'published' || voteState === 'cancelled'
  return false
}
