import type { AreaLevel } from '../../../db/schema'
import { config } from '../../lib/config.server'
import { database } from '../../lib/db.server'
import { translatorFor } from '../../lib/i18n.server'
import { namesIn } from '../../lib/localized.server'
import { cityProfile } from '../geo/areas.server'
import { feedFile, feedRefusal as plain, feedResponse, type Feed, type FeedEntry, type FeedFormat } from '../../lib/feed'
import { itemFeedPath, type ItemFeedKind, type ItemFeedScope } from './feeds'
import type { TFunction } from 'i18next'

/**
 * Feeds of new proposals and new petitions (RSS 2.0 and Atom 1.0), written by the report feeds'
 * shared renderer (app/lib/feed.ts): the newest 50 public ones of
 * the city, an area (a district includes its neighbourhoods; the city's slug gives them all) or a
 * category. Only public content: proposals that are published (never drafts or hidden ones),
 * petitions that are open or closed (never drafts, those gathering sponsors, awaiting moderation,
 * rejected or hidden).
 *
 * Categories: a proposal's category code; for petitions, the slug of the department they ask
 * (petitions to the whole council or to a representative are in the city and area feeds only).
 * Petitions belong to an area by the area they are restricted to (`area_id`).
 *
 * The shared part lives here (file names, areas, titles, the feed); each kind's own module reads
 * its own tables as an ItemFeedSource (proposals/feeds.server.ts, petitions/feeds.server.ts) and
 * its feed routes call it, so notifications imports neither.
 */

type Area = { id: number; slug: string; name: string; level: AreaLevel }
/** Which items a feed holds: those of an area (with its neighbourhoods) and/or of a category. */
export type ItemFeedFilter = { area?: Area; categoryId?: number }

/** A feed entry's text is clipped to this many characters. */
export const clip = (s: string, n = 1000) => (s.length > n ? `${s.slice(0, n - 1)}…` : s)

/** What one kind of item (proposals, petitions) gives its feeds; read by its own module. */
export interface ItemFeedSource {
  kind: ItemFeedKind
  /** The category a feed file names (a proposal category's code, a department's slug), if any. */
  category(code: string): Promise<{ id: number; code: string; name: string } | undefined>
  /** The newest public items of the filter as entries, in the reader's language. */
  entries(filter: ItemFeedFilter, words: { t: TFunction; name: (value: string) => string; base: string }): Promise<FeedEntry[]>
  /** The list page a scoped feed follows (defaults to /<kind>). */
  page?(scope: ItemFeedScope): string
}

/** An area's id and its children's (a neighbourhood: itself). */
export async function areaAndChildIds(area: Area): Promise<number[]> {
  if (area.level === 'neighbourhood') return [area.id]
  const rows = await database().db.selectFrom('areas').select('id').where('parent_id', '=', area.id).execute()
  return [area.id, ...rows.map((r) => r.id)]
}

export type ItemFeedRequest = { kind: 'all'; format: FeedFormat } | { kind: 'area' | 'category'; file: string | undefined }

/**
 * The whole answer for a proposal or petition feed route: 404 (plain text) for an unknown file
 * name, area or category, else the feed, cacheable for five minutes.
 */
export async function itemFeedResponse(request: Request, source: ItemFeedSource, spec: ItemFeedRequest): Promise<Response> {
  const feedKind = source.kind
  const { t, locale } = await translatorFor(request)
  const name = namesIn(locale)
  const city = (await cityProfile())?.name ?? 'Plaza'
  const base = config().PUBLIC_URL
  const ns = `notifications:feeds.${feedKind}`
  let format: FeedFormat
  let scope: ItemFeedScope = { kind: 'all' }
  const filter: ItemFeedFilter = {}
  let title = t(`${ns}.allTitle`, { city })
  let description = t(`${ns}.allDescription`, { city })
  let page = `/${feedKind}`

  if (spec.kind === 'all') {
    format = spec.format
  } else {
    const file = feedFile(spec.file)
    if (!file) return plain(404, t('notifications:feeds.errors.notFound', { kind: feedKind }))
    format = file.format
    if (spec.kind === 'area') {
      const area = await database().db.selectFrom('areas').select(['id', 'slug', 'name', 'level']).where('slug', '=', file.name).executeTakeFirst()
      if (!area) return plain(404, t('notifications:feeds.errors.unknownArea', { slug: file.name }))
      scope = { kind: 'area', slug: area.slug }
      filter.area = area
      title = t(`${ns}.areaTitle`, { area: area.name })
      description = t(`${ns}.areaDescription`, { area: area.name, city })
      if (area.level !== 'city') page = source.page?.(scope) ?? page
    } else {
      const category = await source.category(file.name)
      if (!category) return plain(404, t('notifications:feeds.errors.unknownCategory', { code: file.name }))
      scope = { kind: 'category', code: category.code }
      filter.categoryId = category.id
      title = t(`${ns}.categoryTitle`, { category: name(category.name), city })
      description = t(`${ns}.categoryDescription`, { category: name(category.name), city })
      page = source.page?.(scope) ?? page
    }
  }

  const entries = await source.entries(filter, { t, name, base })
  const feed: Feed = { title, description, link: base + page, self: base + itemFeedPath(feedKind, scope, format), language: locale, author: city, entries }
  return feedResponse(feed, format)
}
