import type { LoaderFunctionArgs } from '@remix-run/node'
import { styleResponse } from '../modules/basemap/http.server'

/** /styles/plaza.json — the MapLibre style of Plaza's own base map. */
export const loader = ({ request }: LoaderFunctionArgs) => styleResponse(request, new URL(request.url).origin)
