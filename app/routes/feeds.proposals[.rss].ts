import type { LoaderFunctionArgs } from '@remix-run/node'
import { proposalFeedResponse } from '../modules/proposals/feeds.server'

/** GET /feeds/proposals.rss — the newest public proposals of the whole city. */
export const loader = ({ request }: LoaderFunctionArgs) => proposalFeedResponse(request, { kind: 'all', format: 'rss' })
