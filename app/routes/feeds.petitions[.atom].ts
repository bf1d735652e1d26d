import type { LoaderFunctionArgs } from '@remix-run/node'
import { itemFeedResponse } from '../modules/notifications/feeds.server'

/** GET /feeds/petitions.atom — the newest public petitions of the whole city. */
export const loader = ({ request }: LoaderFunctionArgs) => itemFeedResponse(request, 'petitions', { kind: 'all', format: 'atom' })
