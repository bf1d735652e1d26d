import type { LoaderFunctionArgs } from '@remix-run/node'
import { reportFeedResponse } from '../modules/reports/feeds.server'

/**
 * GET /feeds/reports/area/:slug.rss (or .atom) — the newest public reports in an area (a district
 * includes its neighbourhoods; the city's slug gives them all). Remix cannot put a suffix after a
 * dynamic segment, so the route takes the whole file name and splits it.
 */
export const loader = ({ request, params }: LoaderFunctionArgs) => reportFeedResponse(request, { kind: 'area', file: params.file })
