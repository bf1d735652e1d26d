import type { AreaLevel } from '../../../db/schema'
import { config } from '../../lib/config.server'
import { database } from '../../lib/db.server'
import { translatorFor } from '../../lib/i18n.server'
import { namesIn } from '../../lib/localized.server'
import { cityProfile } from '../geo/areas.server'
import { nearLabels } from '../basemap/search.server'
import { FEED_SIZE, feedFile, feedRefusal as plain, feedResponse, type Feed, type FeedFormat } from '../../lib/feed'
import { reportFeedPath, type ReportFeedScope } from './feeds'
import { metresBetween, reportStates } from './reports.server'

/**
 * Report feeds: RSS 2.0 (with atom:link rel=self and GeoRSS points) and Atom 1.0, the newest 50
 * public reports of the whole city, an area, a category, or within a radius of a point. Unconfirmed
 * and hidden reports never appear. The XML is written by the shared renderer (app/lib/feed.ts).
 */

export const NEAR_DEFAULT_RADIUS_M = 1000
export const NEAR_MAX_RADIUS_M = 5000
const PUBLIC_KINDS = ['open', 'fixed', 'closed'] as const

// ---------------------------------------------------------------- report entries

export interface ReportFeedFilter {
  area?: { id: number; level: AreaLevel }
  categoryId?: number
  near?: { lat: number; lng: number; radiusM: number }
}

/** The newest public reports matching a filter (at most `limit`), newest first. */
export async function reportFeedItems(filter: ReportFeedFilter, limit = FEED_SIZE) {
  let q = database()
    .db.selectFrom('reports as r')
    .innerJoin('report_categories as c', 'c.id', 'r.category_id')
    .leftJoin('areas as n', 'n.id', 'r.area_id')
    .leftJoin('areas as d', 'd.id', 'r.district_id')
    .select([
      'r.id',
      'r.title',
      'r.description',
      'r.state',
      'r.state_kind as stateKind',
      'r.lat',
      'r.lng',
      'r.address',
      'r.created_at as createdAt',
      'r.confirmed_at as confirmedAt',
      'r.updated_at as updatedAt',
      'c.name as categoryName',
      'n.name as areaName',
      'd.name as districtName',
    ])
    .where('r.state_kind', 'in', PUBLIC_KINDS)
  if (filter.area?.level === 'neighbourhood') q = q.where('r.area_id', '=', filter.area.id)
  if (filter.area?.level === 'district') q = q.where('r.district_id', '=', filter.area.id)
  if (filter.categoryId !== undefined) q = q.where('r.category_id', '=', filter.categoryId)
  const near = filter.near
  if (near) {
    const dLat = near.radiusM / 111_320
    const dLng = near.radiusM / (111_320 * Math.max(Math.cos((near.lat * Math.PI) / 180), 0.01))
    q = q
      .where('r.lat', '>=', near.lat - dLat)
      .where('r.lat', '<=', near.lat + dLat)
      .where('r.lng', '>=', near.lng - dLng)
      .where('r.lng', '<=', near.lng + dLng)
  }
  // The bounding box's corners lie beyond the radius: read a little more, then keep the circle.
  const rows = await q
    .orderBy('r.created_at', 'desc')
    .orderBy('r.id', 'desc')
    .limit(near ? limit * 2 : limit)
    .execute()
  return (near ? rows.filter((r) => metresBetween(near.lat, near.lng, r.lat, r.lng) <= near.radiusM) : rows).slice(0, limit)
}

// ---------------------------------------------------------------- HTTP

function parseNear(params: URLSearchParams): { ok: true; lat: number; lng: number; radiusM: number } | { ok: false; problem: string } {
  const number = (name: string) => {
    const raw = params.get(name)
    if (raw === null || raw.trim() === '' || raw.length > 40) return undefined
    const v = Number(raw)
    return Number.isFinite(v) ? v : NaN
  }
  const lat = number('lat')
  const lng = number('lng')
  const radius = params.has('radius') ? number('radius') : NEAR_DEFAULT_RADIUS_M
  if (lat === undefined || Number.isNaN(lat) || lat < -90 || lat > 90) return { ok: false, problem: 'lat' }
  if (lng === undefined || Number.isNaN(lng) || lng < -180 || lng > 180) return { ok: false, problem: 'lng' }
  if (radius === undefined || Number.isNaN(radius) || !Number.isInteger(radius) || radius < 1 || radius > NEAR_MAX_RADIUS_M) return { ok: false, problem: 'radius' }
  return { ok: true, lat, lng, radiusM: radius }
}

export type FeedRequest = { kind: 'all'; format: FeedFormat } | { kind: 'near'; format: FeedFormat } | { kind: 'area'; file: string | undefined } | { kind: 'category'; file: string | undefined }

/**
 * The whole answer for a report feed route: 400 (plain text) for bad parameters, 404 for an
 * unknown area or category, else the feed, cacheable for five minutes.
 */
export async function reportFeedResponse(request: Request, spec: FeedRequest): Promise<Response> {
  const { t, locale } = await translatorFor(request)
  const name = namesIn(locale)
  const url = new URL(request.url)
  const city = (await cityProfile())?.name ?? 'Plaza'
  const base = config().PUBLIC_URL
  let format: FeedFormat
  let scope: ReportFeedScope
  let filter: ReportFeedFilter = {}
  let title: string
  let description: string
  let page = '/reports'

  if (spec.kind === 'area' || spec.kind === 'category') {
    const file = feedFile(spec.file)
    if (!file) return plain(404, t('alerts:feed.errors.notFound'))
    format = file.format
    if (spec.kind === 'area') {
      const area = await database().db.selectFrom('areas').select(['id', 'slug', 'name', 'level']).where('slug', '=', file.name).executeTakeFirst()
      if (!area) return plain(404, t('alerts:feed.errors.unknownArea', { slug: file.name }))
      scope = { kind: 'area', slug: area.slug }
      filter = { area: { id: area.id, level: area.level } }
      title = t('alerts:feed.areaTitle', { area: area.name })
      description = t('alerts:feed.areaDescription', { area: area.name, city })
      if (area.level !== 'city') page = `/reports?${new URLSearchParams({ area: area.slug })}`
    } else {
      const category = await database().db.selectFrom('report_categories').select(['id', 'code', 'name']).where('code', '=', file.name).executeTakeFirst()
      if (!category) return plain(404, t('alerts:feed.errors.unknownCategory', { code: file.name }))
      scope = { kind: 'category', code: category.code }
      filter = { categoryId: category.id }
      title = t('alerts:feed.categoryTitle', { category: name(category.name), city })
      description = t('alerts:feed.categoryDescription', { category: name(category.name), city })
      page = `/reports?${new URLSearchParams({ category: category.code })}`
    }
  } else if (spec.kind === 'near') {
    format = spec.format
    const near = parseNear(url.searchParams)
    if (!near.ok) return plain(400, t(`alerts:feed.errors.${near.problem}`, { max: NEAR_MAX_RADIUS_M }))
    scope = { kind: 'near', lat: near.lat, lng: near.lng, radiusM: near.radiusM }
    filter = { near: { lat: near.lat, lng: near.lng, radiusM: near.radiusM } }
    title = t('alerts:feed.nearTitle', { radius: near.radiusM, latitude: near.lat, longitude: near.lng })
    description = t('alerts:feed.nearDescription', { radius: near.radiusM, latitude: near.lat, longitude: near.lng, city })
    page = `/alerts?${new URLSearchParams({ lat: String(near.lat), lng: String(near.lng) })}`
  } else {
    format = spec.format
    scope = { kind: 'all' }
    title = t('alerts:feed.allTitle', { city })
    description = t('alerts:feed.allDescription', { city })
  }

  const [items, states] = await Promise.all([reportFeedItems(filter), reportStates()])
  const near = await nearLabels(items)
  const statusOf = (code: string, kind: string) => {
    const own = states.get(code)?.label
    return (own && name(own)) || t(`reports:states.${code}`, { defaultValue: t(`alerts:feed.kind.${kind}`) })
  }
  const feed: Feed = {
    title,
    description,
    link: base + page,
    self: base + reportFeedPath(scope, format),
    language: locale,
    author: city,
    entries: items.map((r, i) => {
      const area = [r.areaName, r.districtName].filter((x, i, all): x is string => Boolean(x) && all.indexOf(x) === i).join(', ')
      const facts = [
        ...(near[i] ? [t('basemap:search.near', { address: near[i] })] : []),
        t('alerts:feed.item.category', { category: name(r.categoryName) }),
        ...(area ? [t('alerts:feed.item.area', { area })] : []),
        t('alerts:feed.item.status', { status: statusOf(r.state, r.stateKind) }),
      ].join(' · ')
      const text = r.description.length > 1000 ? `${r.description.slice(0, 999)}…` : r.description
      return {
        link: `${base}/reports/${r.id}`,
        title: r.title,
        text: `${facts}\n\n${text}`,
        published: r.confirmedAt ?? r.createdAt,
        updated: r.updatedAt,
        categories: [name(r.categoryName)],
        point: { lat: r.lat, lng: r.lng },
      }
    }),
  }
  return feedResponse(feed, format)
}
