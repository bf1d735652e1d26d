import type { LoaderFunctionArgs } from '@remix-run/node'
import { feedResponse } from '../lib/feed'
import { translatorFor } from '../lib/i18n.server'
import { config } from '../lib/config.server'
import { requestsFeed } from '../modules/foi/public.server'

/** /feeds/information-requests.rss — the newest public information requests (issue 22). */
export async function loader({ request }: LoaderFunctionArgs) {
  const { t, locale } = await translatorFor(request)
  const feed = await requestsFeed(locale, `${config().PUBLIC_URL}/feeds/information-requests.rss`, t)
  return feedResponse(feed!, 'rss')
}
