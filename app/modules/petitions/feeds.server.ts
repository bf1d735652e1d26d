import { database } from '../../lib/db.server'
import { FEED_SIZE } from '../../lib/feed'
import { areaAndChildIds, clip, itemFeedResponse, type ItemFeedFilter, type ItemFeedRequest, type ItemFeedSource } from '../notifications/feeds.server'
import { publicStates } from './states'

/**
 * The petition feeds (/feeds/petitions…): the newest open or closed petitions of the city, an area
 * or a department (the category), rendered by notifications' shared item feed
 * (app/modules/notifications/feeds.server.ts).
 */

/** The newest public petitions (at most `limit`), newest first. */
export async function petitionFeedItems(filter: ItemFeedFilter, limit = FEED_SIZE) {
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
    .where('p.state', 'in', publicStates)
    .where('p.opened_at', 'is not', null)
  if (filter.area && filter.area.level !== 'city') q = q.where('p.area_id', 'in', await areaAndChildIds(filter.area))
  if (filter.categoryId !== undefined) q = q.where('p.target_department_id', '=', filter.categoryId)
  return q.orderBy('p.opened_at', 'desc').orderBy('p.id', 'desc').limit(limit).execute()
}

const source: ItemFeedSource = {
  kind: 'petitions',
  category: (slug) => database().db.selectFrom('departments').select(['id', 'slug as code', 'name']).where('slug', '=', slug).executeTakeFirst(),
  async entries(filter, { t, name, base }) {
    const rows = await petitionFeedItems(filter)
    return rows.map((p) => {
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
  },
}

/** The answer of a petition feed route (404 in plain text for an unknown file, area or category). */
export const petitionFeedResponse = (request: Request, spec: ItemFeedRequest) => itemFeedResponse(request, source, spec)
