/**
 * Addresses of the report feeds (RSS 2.0 and Atom), shared by server and browser: pages link them
 * and announce them with <link rel="alternate"> so feed readers find them.
 */

import { feedLinkDescriptors, type FeedFormat, type FeedLinkDescriptor } from '../../lib/feed'

export type ReportFeedScope = { kind: 'all' } | { kind: 'area'; slug: string } | { kind: 'category'; code: string } | { kind: 'near'; lat: number; lng: number; radiusM: number }

/** The path of a report feed, e.g. /feeds/reports/area/sant-roc.rss. */
export function reportFeedPath(scope: ReportFeedScope, format: FeedFormat = 'rss'): string {
  switch (scope.kind) {
    case 'all':
      return `/feeds/reports.${format}`
    case 'area':
      return `/feeds/reports/area/${encodeURIComponent(scope.slug)}.${format}`
    case 'category':
      return `/feeds/reports/category/${encodeURIComponent(scope.code)}.${format}`
    case 'near': {
      const q = new URLSearchParams({ lat: String(scope.lat), lng: String(scope.lng), radius: String(scope.radiusM) })
      return `/feeds/reports/near.${format}?${q}`
    }
  }
}

/**
 * <link rel="alternate"> descriptors for a page's `meta` export: the feed of the page's area, of
 * its category, or of all reports when neither is chosen; RSS first, then Atom.
 *
 *   export const meta: MetaFunction<typeof loader> = ({ data }) => [
 *     { title: … }, ...reportFeedLinks({ area: data?.filter.area, category: data?.filter.category }, data?.feedTitle ?? ''),
 *   ]
 */
export function reportFeedLinks(filter: { area?: string | null; category?: string | null }, title: string): FeedLinkDescriptor[] {
  const scopes: ReportFeedScope[] = []
  if (filter.area) scopes.push({ kind: 'area', slug: filter.area })
  if (filter.category) scopes.push({ kind: 'category', code: filter.category })
  if (scopes.length === 0) scopes.push({ kind: 'all' })
  return feedLinkDescriptors(scopes, reportFeedPath, title)
}
