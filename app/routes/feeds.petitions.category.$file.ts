import type { LoaderFunctionArgs } from '@remix-run/node'
import { petitionFeedResponse } from '../modules/petitions/feeds.server'

/** GET /feeds/petitions/category/:code.rss (or .atom) — the newest public petitions of a category (docs/notifications.md). */
export const loader = ({ request, params }: LoaderFunctionArgs) => petitionFeedResponse(request, { kind: 'category', file: params.file })
