import { escapeXml } from './xml'

/**
 * The one feed renderer: RSS 2.0 (with atom:link rel=self and GeoRSS points) and Atom 1.0 from
 * plain entries, for every capability that publishes a feed (reports, proposals, petitions …).
 * Each capability selects its entries and titles; the XML, the media types, the file names and the
 * HTTP answer are written here once. Pure (no server imports): pages use FEED_TYPES and
 * feedLinkDescriptors in their `meta`.
 */

export type FeedFormat = 'rss' | 'atom'

export const FEED_TYPES: Record<FeedFormat, string> = {
  rss: 'application/rss+xml',
  atom: 'application/atom+xml',
}

/** How many entries a feed carries. */
export const FEED_SIZE = 50

export interface FeedLinkDescriptor {
  tagName: 'link'
  rel: 'alternate'
  type: string
  title: string
  href: string
}

/** <link rel="alternate"> descriptors, RSS first then Atom, for each scope's path. */
export function feedLinkDescriptors<S>(scopes: readonly S[], path: (scope: S, format: FeedFormat) => string, title: string): FeedLinkDescriptor[] {
  return scopes.flatMap((scope) => (['rss', 'atom'] as const).map((format) => ({ tagName: 'link' as const, rel: 'alternate' as const, type: FEED_TYPES[format], title, href: path(scope, format) })))
}

/** Splits "sant-roc.rss" into its name and format; null for anything else. */
export function feedFile(file: string | undefined): { name: string; format: FeedFormat } | null {
  const m = /^([a-z0-9][a-z0-9-]{0,99})\.(rss|atom)$/.exec(file ?? '')
  return m ? { name: m[1]!, format: m[2] as FeedFormat } : null
}

export interface FeedEntry {
  /** Permanent address of the item's page (also its guid / Atom id). */
  link: string
  title: string
  /** Plain text; escaped here. */
  text: string
  published: string
  updated: string
  categories: string[]
  point?: { lat: number; lng: number }
}

export interface Feed {
  title: string
  description: string
  /** The HTML page the feed follows. */
  link: string
  /** The feed's own address. */
  self: string
  language: string
  author: string
  entries: FeedEntry[]
}

const newest = (feed: Feed) => feed.entries.reduce((max, e) => (e.updated > max ? e.updated : max), '') || new Date().toISOString()
// RSS 2.0 dates are RFC 822 (with four-digit years, as RFC 1123 has them): "Tue, 03 Mar 2026 10:00:00 GMT".
const rfc822 = (iso: string) => new Date(iso).toUTCString()

export function renderRss(feed: Feed): string {
  const items = feed.entries.map((e) =>
    [
      '<item>',
      `<title>${escapeXml(e.title)}</title>`,
      `<link>${escapeXml(e.link)}</link>`,
      `<guid isPermaLink="true">${escapeXml(e.link)}</guid>`,
      `<pubDate>${rfc822(e.published)}</pubDate>`,
      `<description>${escapeXml(e.text)}</description>`,
      ...e.categories.map((c) => `<category>${escapeXml(c)}</category>`),
      ...(e.point ? [`<georss:point>${e.point.lat} ${e.point.lng}</georss:point>`] : []),
      '</item>',
    ].join(''),
  )
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:georss="http://www.georss.org/georss">',
    '<channel>',
    `<title>${escapeXml(feed.title)}</title>`,
    `<link>${escapeXml(feed.link)}</link>`,
    `<description>${escapeXml(feed.description)}</description>`,
    `<language>${escapeXml(feed.language)}</language>`,
    `<lastBuildDate>${rfc822(newest(feed))}</lastBuildDate>`,
    `<atom:link href="${escapeXml(feed.self)}" rel="self" type="${FEED_TYPES.rss}"/>`,
    '<ttl>5</ttl>',
    ...items,
    '</channel>',
    '</rss>',
    '',
  ].join('\n')
}

export function renderAtom(feed: Feed): string {
  const entries = feed.entries.map((e) =>
    [
      '<entry>',
      `<title type="text">${escapeXml(e.title)}</title>`,
      `<id>${escapeXml(e.link)}</id>`,
      `<link rel="alternate" type="text/html" href="${escapeXml(e.link)}"/>`,
      `<published>${e.published}</published>`,
      `<updated>${e.updated}</updated>`,
      `<summary type="text">${escapeXml(e.text)}</summary>`,
      ...e.categories.map((c) => `<category term="${escapeXml(c)}"/>`),
      ...(e.point ? [`<georss:point>${e.point.lat} ${e.point.lng}</georss:point>`] : []),
      '</entry>',
    ].join(''),
  )
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:georss="http://www.georss.org/georss" xml:lang="${escapeXml(feed.language)}">`,
    `<title type="text">${escapeXml(feed.title)}</title>`,
    `<subtitle type="text">${escapeXml(feed.description)}</subtitle>`,
    `<id>${escapeXml(feed.self)}</id>`,
    `<updated>${newest(feed)}</updated>`,
    `<link rel="self" type="${FEED_TYPES.atom}" href="${escapeXml(feed.self)}"/>`,
    `<link rel="alternate" type="text/html" href="${escapeXml(feed.link)}"/>`,
    `<author><name>${escapeXml(feed.author)}</name></author>`,
    ...entries,
    '</feed>',
    '',
  ].join('\n')
}

export const renderFeed = (feed: Feed, format: FeedFormat): string => (format === 'rss' ? renderRss(feed) : renderAtom(feed))

/**
 * The HTTP answer for a feed: cacheable for five minutes by readers, and shared by anonymous
 * readers for a few seconds (app/lib/page-cache.server.ts); its language follows Accept-Language.
 */
export function feedResponse(feed: Feed, format: FeedFormat): Response {
  return new Response(renderFeed(feed, format), {
    headers: {
      'Content-Type': `${FEED_TYPES[format]}; charset=utf-8`,
      'Cache-Control': 'public, max-age=300',
      Vary: 'Accept-Language',
      'Plaza-Page-Cache': '30',
    },
  })
}

/** A feed route's plain-text refusal (400 bad parameters, 404 unknown area or category). */
export const feedRefusal = (status: number, text: string) => new Response(`${text}\n`, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } })
