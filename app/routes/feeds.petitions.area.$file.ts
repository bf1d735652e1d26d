import type { LoaderFunctionArgs } from '@remix-run/node'
import { petitionFeedResponse } from '../modules/petitions/feeds.server'

/**
 * GET /feeds/petitions/area/:slug.rss (or .atom) — the newest public petitions in an area (a district
 * includes its neighbourhoods; the city's slug gives them all). The route takes the whole file name.
 */
export const loader = ({ request, params }: LoaderFunctionArgs) => petitionFeedResponse(request, { kind: 'area', file: params.file })
