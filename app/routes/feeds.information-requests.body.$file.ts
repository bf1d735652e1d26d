import type { LoaderFunctionArgs } from '@remix-run/node'
import { feedFile, feedRefusal, feedResponse } from '../lib/feed'
import { translatorFor } from '../lib/i18n.server'
import { config } from '../lib/config.server'
import { requestsFeed } from '../modules/foi/public.server'

/** /feeds/information-requests/body/:id.rss (or .atom) — the newest public requests to one body. The route takes the whole file name. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const file = feedFile(params.file)
  if (!file || !/^[1-9]\d{0,11}$/.test(file.name)) return feedRefusal(404, 'No such feed.')
  const { t, locale } = await translatorFor(request)
  const feed = await requestsFeed(locale, `${config().PUBLIC_URL}/feeds/information-requests/body/${file.name}.${file.format}`, t, Number(file.name))
  if (!feed) return feedRefusal(404, 'No such body.')
  return feedResponse(feed, file.format)
}
