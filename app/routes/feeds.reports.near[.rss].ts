import type { LoaderFunctionArgs } from '@remix-run/node'
import { reportFeedResponse } from '../modules/reports/feeds.server'

/** GET /feeds/reports/near.rss?lat=&lng=&radius= — the newest public reports within radius metres (default 1000). */
export const loader = ({ request }: LoaderFunctionArgs) => reportFeedResponse(request, { kind: 'near', format: 'rss' })
