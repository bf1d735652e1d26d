import type { LoaderFunctionArgs } from '@remix-run/node'
import { reportFeedResponse } from '../modules/reports/feeds.server'

/** GET /feeds/reports.atom — the newest public reports of the whole city. */
export const loader = ({ request }: LoaderFunctionArgs) => reportFeedResponse(request, { kind: 'all', format: 'atom' })
