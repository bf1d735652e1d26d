import type { CurrentUser } from '../accounts/auth.server'
import { requiredLevel } from '../accounts/policy'
import { activeBlock } from '../moderation/moderation.server'
import { loadDiscussion, sortOrders, type DiscussionPage, type SortOrder } from './deliberation.server'
import { citySettings } from '../city/settings.server'

/** What a page that shows a discussion hands to <Discussion />. */
export interface DiscussionData {
  discussion: DiscussionPage
  target: { kind: string; id: number }
  /** Where forms come back to (this page). */
  returnTo: string
  viewer: { state: 'anonymous' | 'needsLevel' | 'blocked' | 'ok'; blockReason?: string }
  /** What just happened, from the redirect after a form (posted=visible|pending, notice=flagged|…). */
  notice: string | null
}

/** Whether this person may take part here, and if not, why (for the forms a page shows). */
export async function viewerOf(user: CurrentUser | null): Promise<DiscussionData['viewer']> {
  if (!user) return { state: 'anonymous' }
  const block = await activeBlock(user.id)
  if (block) return { state: 'blocked', blockReason: block.reason }
  if (user.verificationLevel < requiredLevel('comment', (await citySettings()).VERIFICATION_LEVELS)) return { state: 'needsLevel' }
  return { state: 'ok' }
}

export async function discussionData(request: Request, user: CurrentUser | null, kind: string, id: number): Promise<DiscussionData> {
  const url = new URL(request.url)
  const sortParam = url.searchParams.get('sort')
  const sort: SortOrder = sortOrders.includes(sortParam as SortOrder) ? (sortParam as SortOrder) : 'best'
  const page = Math.max(1, Math.min(10_000, Number(url.searchParams.get('page')) || 1))
  const view = url.searchParams.get('view') === 'arguments' ? 'arguments' : 'threads'
  const discussion = await loadDiscussion(kind, id, { sort, page, view, viewerId: user?.id ?? null })
  const viewer = await viewerOf(user)
  const notice = url.searchParams.get('posted') ? `posted_${url.searchParams.get('posted')}` : url.searchParams.get('notice')
  // Forms come back to this page without the one-off notice.
  const clean = new URLSearchParams(url.search)
  clean.delete('posted')
  clean.delete('notice')
  const query = clean.toString()
  return { discussion, target: { kind, id }, returnTo: url.pathname + (query ? `?${query}` : ''), viewer, notice }
}
