/**
 * Addresses of the proposal and petition feeds (RSS 2.0 and Atom), shared by server and browser,
 * in the report feeds' scheme: /feeds/<kind>.rss, /feeds/<kind>/area/<slug>.atom,
 * /feeds/<kind>/category/<code>.rss. Proposals' categories are their category codes; petitions'
 * are the slug of the department they ask.
 */

import { feedLinkDescriptors, type FeedFormat, type FeedLinkDescriptor } from '../../lib/feed'

export type ItemFeedKind = 'proposals' | 'petitions'
export type ItemFeedScope = { kind: 'all' } | { kind: 'area'; slug: string } | { kind: 'category'; code: string }

export function itemFeedPath(feed: ItemFeedKind, scope: ItemFeedScope, format: FeedFormat = 'rss'): string {
  switch (scope.kind) {
    case 'all':
      return `/feeds/${feed}.${format}`
    case 'area':
      return `/feeds/${feed}/area/${encodeURIComponent(scope.slug)}.${format}`
    case 'category':
      return `/feeds/${feed}/category/${encodeURIComponent(scope.code)}.${format}`
  }
}

/** <link rel="alternate"> descriptors for a list page's `meta`: the chosen area's and category's feeds, else the city's. */
export function itemFeedLinks(feed: ItemFeedKind, filter: { area?: string | null; category?: string | null }, title: string): FeedLinkDescriptor[] {
  const scopes: ItemFeedScope[] = []
  if (filter.area) scopes.push({ kind: 'area', slug: filter.area })
  if (filter.category) scopes.push({ kind: 'category', code: filter.category })
  if (scopes.length === 0) scopes.push({ kind: 'all' })
  return feedLinkDescriptors(scopes, (scope, format) => itemFeedPath(feed, scope, format), title)
}
