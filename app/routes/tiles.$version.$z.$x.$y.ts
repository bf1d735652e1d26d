import type { LoaderFunctionArgs } from '@remix-run/node'
import { tileResponse } from '../modules/basemap/http.server'

/** /tiles/:version/:z/:x/:y.pbf — the base map's vector tiles (public; immutable under a version). */
export const loader = ({ request, params }: LoaderFunctionArgs) => tileResponse(request, params)
