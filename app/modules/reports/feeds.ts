/**
 * Addresses of the report feeds (RSS 2.0 and Atom), shared by server and browser: pages link them
 * and announce them with <link rel="alternate"> so feed readers find them.
 */

export type FeedFormat = 'rss' | 'atom'

export type ReportFeedScope =
  | { kind: 'all' }
  | { kind: 'area'; slug: string }
  | { kind: 'category'; code: string }
  | { kind: 'near'; lat: number; lng: number; radiusM: number }

export const FEED_TYPES: Record<FeedFormat, string> = {
  rss: 'application/rss+xml',
  atom: 'application/atom+xml',
}

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

export interface FeedLinkDescriptor {
  tagName: 'link'
  rel: 'alternate'
  type: string
  title: string
  href: string
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
  return scopes.flatMap((scope) =>
    (['rss', 'atom'] as const).map((format) => ({ tagName: 'link' as const, rel: 'alternate' as const, type: FEED_TYPES[format], title, href: reportFeedPath(scope, format) })),
  )
}
