import type { LoaderFunctionArgs } from '@remix-run/node'
import { petitionFeedResponse } from '../modules/petitions/feeds.server'

/** GET /feeds/petitions.atom — the newest public petitions of the whole city. */
export const loader = ({ request }: LoaderFunctionArgs) => petitionFeedResponse(request, { kind: 'all', format: 'atom' })
