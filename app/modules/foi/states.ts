import type { DisplayStatus, FoiStatus } from './schema'

/**
 * A request's status as people see it (issue 22). Pure. The stored status is what the requester
 * (or an administrator) said; while it is still "awaiting" or "internal review", the calendar
 * decides: past the statutory deadline it is overdue, past the long deadline long overdue. An answer
 * that arrives does not change that by itself — only a classification does (an answer may be a mere
 * acknowledgement).
 */
export function displayStatus(status: FoiStatus, dueOn: string, longOverdueOn: string, today: string): DisplayStatus {
  if (status !== 'awaiting' && status !== 'internal_review') return status
  if (today > longOverdueOn) return 'long_overdue'
  if (today > dueOn) return 'overdue'
  return status
}

/** Statuses after which the body's mail no longer belongs on the request (held for an administrator). */
export const CLOSED_STATUSES: readonly FoiStatus[] = ['withdrawn']

export const isClosed = (status: FoiStatus, hidden: boolean) => hidden || CLOSED_STATUSES.includes(status)
