import type { LoaderFunctionArgs } from '@remix-run/node'
import { oembedResponse } from '../modules/embed/oembed.server'

/** GET /oembed?url=<a Plaza page>&format=json[&maxwidth=&maxheight=] — see docs/embed.md. */
export async function loader({ request }: LoaderFunctionArgs) {
  return oembedResponse(request)
}
