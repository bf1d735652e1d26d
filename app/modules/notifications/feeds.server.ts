import type { AreaLevel } from '../../../db/schema'
import { config } from '../../lib/config.server'
import { database } from '../../lib/db.server'
import { translatorFor } from '../../lib/i18n.server'
import { namesIn } from '../../lib/localized.server'
import { cityProfile } from '../geo/areas.server'
import { publicStates as petitionPublicStates } from '../petitions/states'
import { publicStates as proposalPublicStates } from '../proposals/states'
import { FEED_SIZE, feedFile, feedRefusal as plain, feedResponse, type Feed, type FeedEntry, type FeedFormat } from '../../lib/feed'
import { itemFeedPath, type ItemFeedKind, type ItemFeedScope } from './feeds'

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
 */

type Area = { id: number; slug: string; name: string; level: AreaLevel }
type Filter = { area?: Area; categoryId?: number }

const clip = (s: string, n = 1000) => (s.length > n ? `${s.slice(0, n - 1)}…` : s)

async function childIds(area: Area): Promise<number[]> {
  if (area.level === 'neighbourhood') return [area.id]
  const rows = await database().db.selectFrom('areas').select('id').where('parent_id', '=', area.id).execute()
  return [area.id, ...rows.map((r) => r.id)]
}

/** The newest public proposals (at most `limit`), newest first. */
export async function proposalFeedItems(filter: Filter, limit = FEED_SIZE) {
  let q = database()
    .db.selectFrom('proposals as p')
    .leftJoin('proposal_categories as c', 'c.id', 'p.category_id')
    .leftJoin('areas as n', 'n.id', 'p.area_id')
    .leftJoin('areas as d', 'd.id', 'p.district_id')
    .select([
      'p.id',
      'p.title',
      'p.summary',
      'p.state',
      'p.supports',
      'p.lat',
      'p.lng',
      'p.published_at',
      'p.created_at',
      'p.updated_at',
      'c.name as categoryName',
      'n.name as areaName',
      'd.name as districtName',
    ])
    .where('p.state', 'in', proposalPublicStates)
    .where('p.published_at', 'is not', null)
  if (filter.area?.level === 'neighbourhood') q = q.where('p.area_id', '=', filter.area.id)
  if (filter.area?.level === 'district') q = q.where((eb) => eb.or([eb('p.district_id', '=', filter.area!.id), eb('p.area_id', '=', filter.area!.id)]))
  if (filter.categoryId !== undefined) q = q.where('p.category_id', '=', filter.categoryId)
  return q.orderBy('p.published_at', 'desc').orderBy('p.id', 'desc').limit(limit).execute()
}

/** The newest public petitions (at most `limit`), newest first. */
export async function petitionFeedItems(filter: Filter, limit = FEED_SIZE) {
  let q = database()
    .db.selectFrom('petitions as p')
    .leftJoin('departments as dep', 'dep.id', 'p.target_department_id')
    .leftJoin('areas as a', 'a.id', 'p.area_id')
    .select([
      'p.id',
      'p.title',
      'p.action',
      'p.state',
      'p.signature_count',
      'p.lat',
      'p.lng',
      'p.opened_at',
      'p.created_at',
      'p.updated_at',
      'p.target_kind',
      'dep.name as departmentName',
      'a.name as areaName',
    ])
    .where('p.state', 'in', petitionPublicStates)
    .where('p.opened_at', 'is not', null)
  if (filter.area && filter.area.level !== 'city') q = q.where('p.area_id', 'in', await childIds(filter.area))
  if (filter.categoryId !== undefined) q = q.where('p.target_department_id', '=', filter.categoryId)
  return q.orderBy('p.opened_at', 'desc').orderBy('p.id', 'desc').limit(limit).execute()
}

export type ItemFeedRequest = { kind: 'all'; format: FeedFormat } | { kind: 'area' | 'category'; file: string | undefined }

/**
 * The whole answer for a proposal or petition feed route: 404 (plain text) for an unknown file
 * name, area or category, else the feed, cacheable for five minutes.
 */
export async function itemFeedResponse(request: Request, feedKind: ItemFeedKind, spec: ItemFeedRequest): Promise<Response> {
  const { t, locale } = await translatorFor(request)
  const name = namesIn(locale)
  const city = (await cityProfile())?.name ?? 'Plaza'
  const base = config().PUBLIC_URL
  const ns = `notifications:feeds.${feedKind}`
  let format: FeedFormat
  let scope: ItemFeedScope = { kind: 'all' }
  const filter: Filter = {}
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
      if (area.level !== 'city' && feedKind === 'proposals') page = `/proposals?${new URLSearchParams({ area: area.slug })}`
    } else {
      const category =
        feedKind === 'proposals'
          ? await database().db.selectFrom('proposal_categories').select(['id', 'code', 'name']).where('code', '=', file.name).executeTakeFirst()
          : await database().db.selectFrom('departments').select(['id', 'slug as code', 'name']).where('slug', '=', file.name).executeTakeFirst()
      if (!category) return plain(404, t('notifications:feeds.errors.unknownCategory', { code: file.name }))
      scope = { kind: 'category', code: category.code }
      filter.categoryId = category.id
      title = t(`${ns}.categoryTitle`, { category: name(category.name), city })
      description = t(`${ns}.categoryDescription`, { category: name(category.name), city })
      if (feedKind === 'proposals') page = `/proposals?${new URLSearchParams({ category: category.code })}`
    }
  }

  let entries: FeedEntry[]
  if (feedKind === 'proposals') {
    const rows = await proposalFeedItems(filter)
    entries = rows.map((p) => {
      const area = [p.areaName, p.districtName].filter((x, i, all): x is string => Boolean(x) && all.indexOf(x) === i).join(', ')
      const facts = [
        ...(p.categoryName ? [t('notifications:feeds.item.category', { category: name(p.categoryName) })] : []),
        ...(area ? [t('notifications:feeds.item.area', { area })] : []),
        t('notifications:feeds.item.supports', { count: p.supports }),
        t('notifications:feeds.item.state', { state: t(`proposals:states.${p.state}`, { defaultValue: p.state }) }),
      ].join(' · ')
      return {
        link: `${base}/proposals/${p.id}`,
        title: p.title,
        text: `${facts}\n\n${clip(p.summary)}`,
        published: p.published_at ?? p.created_at,
        updated: p.updated_at,
        categories: p.categoryName ? [name(p.categoryName)] : [],
        ...(p.lat !== null && p.lng !== null ? { point: { lat: p.lat, lng: p.lng } } : {}),
      }
    })
  } else {
    const rows = await petitionFeedItems(filter)
    entries = rows.map((p) => {
      const facts = [
        ...(p.departmentName ? [t('notifications:feeds.item.department', { department: name(p.departmentName) })] : []),
        ...(p.areaName ? [t('notifications:feeds.item.area', { area: p.areaName })] : []),
        t('notifications:feeds.item.signatures', { count: p.signature_count }),
        t(`notifications:feeds.item.petition.${p.state === 'open' ? 'open' : 'closed'}`),
      ].join(' · ')
      return {
        link: `${base}/petitions/${p.id}`,
        title: p.title,
        text: `${facts}\n\n${clip(p.action)}`,
        published: p.opened_at ?? p.created_at,
        updated: p.updated_at,
        categories: p.departmentName ? [name(p.departmentName)] : [],
        ...(p.lat !== null && p.lng !== null ? { point: { lat: p.lat, lng: p.lng } } : {}),
      }
    })
  }
  const feed: Feed = { title, description, link: base + page, self: base + itemFeedPath(feedKind, scope, format), language: locale, author: city, entries }
  return feedResponse(feed, format)
}
