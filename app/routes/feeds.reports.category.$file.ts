import type { LoaderFunctionArgs } from '@remix-run/node'
import { reportFeedResponse } from '../modules/reports/feeds.server'

/** GET /feeds/reports/category/:code.rss (or .atom) — the newest public reports of a category (its Open311 service code). */
export const loader = ({ request, params }: LoaderFunctionArgs) => reportFeedResponse(request, { kind: 'category', file: params.file })
