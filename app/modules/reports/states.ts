import type { ReportStateKind } from '../../../db/schema'

/**
 * The report lifecycle (FixMyStreet's set). States are data (an administrator may rename them and
 * add more of a kind); the code reasons about kinds only. Pure: no database here.
 */
export const defaultStates: ReadonlyArray<{ code: string; kind: ReportStateKind }> = [
  { code: 'unconfirmed', kind: 'unconfirmed' },
  { code: 'confirmed', kind: 'open' },
  { code: 'investigating', kind: 'open' },
  { code: 'action_scheduled', kind: 'open' },
  { code: 'in_progress', kind: 'open' },
  { code: 'internal_referral', kind: 'open' },
  { code: 'fixed', kind: 'fixed' },
  { code: 'closed', kind: 'closed' },
  { code: 'duplicate', kind: 'closed' },
  { code: 'not_responsible', kind: 'closed' },
  { code: 'unable_to_fix', kind: 'closed' },
  { code: 'hidden', kind: 'hidden' },
]

export type Actor = 'staff' | 'reporter' | 'system'

/**
 * Who may move a report from one kind of state to another:
 * - the system confirms an unconfirmed report (its e-mail was confirmed);
 * - staff of the report's department move between any published states (and may hide);
 * - the reporter may mark their open report fixed, and reopen a fixed or closed one.
 */
export function canTransition(from: ReportStateKind, to: ReportStateKind, actor: Actor): boolean {
  if (from === to && actor !== 'staff') return false
  switch (actor) {
    case 'system':
      return from === 'unconfirmed' && to === 'open'
    case 'reporter':
      return (from === 'open' && to === 'fixed') || ((from === 'fixed' || from === 'closed') && to === 'open')
    case 'staff':
      return from !== 'unconfirmed' && to !== 'unconfirmed'
  }
}

/** Reports of these kinds are shown to the public (on lists, the map, feeds and Open311). */
export const isPublic = (kind: ReportStateKind) => kind !== 'unconfirmed' && kind !== 'hidden'

/** Open311 GeoReport v2 knows two statuses. */
export const open311Status = (kind: ReportStateKind): 'open' | 'closed' => (kind === 'open' ? 'open' : 'closed')
