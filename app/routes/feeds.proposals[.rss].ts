import type { LoaderFunctionArgs } from '@remix-run/node'
import { itemFeedResponse } from '../modules/notifications/feeds.server'

/** GET /feeds/proposals.rss — the newest public proposals of the whole city. */
export const loader = ({ request }: LoaderFunctionArgs) => itemFeedResponse(request, 'proposals', { kind: 'all', format: 'rss' })
