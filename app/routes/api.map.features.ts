import type { LoaderFunctionArgs } from '@remix-run/node'
import { featuresResponse } from '../modules/geo/features-http.server'

/**
 * GET /api/map/features?bbox=w,s,e,n&zoom=z[&layers=a,b][&status=…][&category=…][&since=YYYY-MM-DD]
 * → GeoJSON FeatureCollection (see app/modules/geo/features.server.ts and docs/geo.md).
 * In production the HTTP layer answers it first (the same function); this route serves the rest.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  return featuresResponse(request)
}
