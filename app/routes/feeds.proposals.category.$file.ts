import type { LoaderFunctionArgs } from '@remix-run/node'
import { itemFeedResponse } from '../modules/notifications/feeds.server'

/** GET /feeds/proposals/category/:code.rss (or .atom) — the newest public proposals of a category (docs/notifications.md). */
export const loader = ({ request, params }: LoaderFunctionArgs) => itemFeedResponse(request, 'proposals', { kind: 'category', file: params.file })
