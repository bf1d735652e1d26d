import type { LoaderFunctionArgs } from '@remix-run/node'
import { itemFeedResponse } from '../modules/notifications/feeds.server'

/**
 * GET /feeds/petitions/area/:slug.rss (or .atom) — the newest public petitions in an area (a district
 * includes its neighbourhoods; the city's slug gives them all). The route takes the whole file name.
 */
export const loader = ({ request, params }: LoaderFunctionArgs) => itemFeedResponse(request, 'petitions', { kind: 'area', file: params.file })
