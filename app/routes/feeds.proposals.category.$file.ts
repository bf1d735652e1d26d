import type { LoaderFunctionArgs } from '@remix-run/node'
import { proposalFeedResponse } from '../modules/proposals/feeds.server'

/** GET /feeds/proposals/category/:code.rss (or .atom) — the newest public proposals of a category (docs/notifications.md). */
export const loader = ({ request, params }: LoaderFunctionArgs) => proposalFeedResponse(request, { kind: 'category', file: params.file })
