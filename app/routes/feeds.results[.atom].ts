import type { LoaderFunctionArgs } from '@remix-run/node'
import { feedResponse } from '../lib/feed'
import { translatorFor } from '../lib/i18n.server'
import { config } from '../lib/config.server'
import { resultsFeed } from '../modules/processes/results.server'

/** /feeds/results.atom — the newest changes to results (accountability). */
export async function loader({ request }: LoaderFunctionArgs) {
  const { locale } = await translatorFor(request)
  return feedResponse(await resultsFeed(locale, `${config().PUBLIC_URL}/feeds/results.atom`), 'atom')
}
