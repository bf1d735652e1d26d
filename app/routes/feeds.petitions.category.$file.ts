import type { LoaderFunctionArgs } from '@remix-run/node'
import { itemFeedResponse } from '../modules/notifications/feeds.server'

/** GET /feeds/petitions/category/:code.rss (or .atom) — the newest public petitions of a category (docs/notifications.md). */
export const loader = ({ request, params }: LoaderFunctionArgs) => itemFeedResponse(request, 'petitions', { kind: 'category', file: params.file })
