import { database } from '../../lib/db.server'
import { FEED_SIZE } from '../../lib/feed'
import { clip, itemFeedResponse, type ItemFeedFilter, type ItemFeedRequest, type ItemFeedSource } from '../notifications/feeds.server'
import { publicStates } from './states'

/**
 * The proposal feeds (/feeds/proposals…): the newest published proposals of the city, an area or
 * a category, rendered by notifications' shared item feed (app/modules/notifications/feeds.server.ts).
 */

/** The newest public proposals (at most `limit`), newest first. */
export async function proposalFeedItems(filter: ItemFeedFilter, limit = FEED_SIZE) {
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
    .where('p.state', 'in', publicStates)
    .where('p.published_at', 'is not', null)
  if (filter.area?.level === 'neighbourhood') q = q.where('p.area_id', '=', filter.area.id)
  if (filter.area?.level === 'district') q = q.where((eb) => eb.or([eb('p.district_id', '=', filter.area!.id), eb('p.area_id', '=', filter.area!.id)]))
  if (filter.categoryId !== undefined) q = q.where('p.category_id', '=', filter.categoryId)
  return q.orderBy('p.published_at', 'desc').orderBy('p.id', 'desc').limit(limit).execute()
}

const source: ItemFeedSource = {
  kind: 'proposals',
  category: (code) => database().db.selectFrom('proposal_categories').select(['id', 'code', 'name']).where('code', '=', code).executeTakeFirst(),
  page: (scope) =>
    scope.kind === 'area' ? `/proposals?${new URLSearchParams({ area: scope.slug })}` : scope.kind === 'category' ? `/proposals?${new URLSearchParams({ category: scope.code })}` : '/proposals',
  async entries(filter, { t, name, base }) {
    const rows = await proposalFeedItems(filter)
    return rows.map((p) => {
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
  },
}

/** The answer of a proposal feed route (404 in plain text for an unknown file, area or category). */
export const proposalFeedResponse = (request: Request, spec: ItemFeedRequest) => itemFeedResponse(request, source, spec)
