import type { LoaderFunctionArgs } from '@remix-run/node'
import { proposalFeedResponse } from '../modules/proposals/feeds.server'

/**
 * GET /feeds/proposals/area/:slug.rss (or .atom) — the newest public proposals in an area (a district
 * includes its neighbourhoods; the city's slug gives them all). The route takes the whole file name.
 */
export const loader = ({ request, params }: LoaderFunctionArgs) => proposalFeedResponse(request, { kind: 'area', file: params.file })
