import type { LoaderFunctionArgs } from '@remix-run/node'
import { petitionCountResponse } from '../modules/petitions/count-http.server'

// The same answer as the HTTP layer's fast route (scripts/start.ts): CORS, two seconds of cache.
export async function loader({ request }: LoaderFunctionArgs) {
  return petitionCountResponse(request)
}
