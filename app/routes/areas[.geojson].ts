import type { LoaderFunctionArgs } from '@remix-run/node'
import { areasGeoJson } from '../modules/geo/areas.server'

/** GET /areas.geojson — every area's outline, for the interactive map and open-data users. */
export async function loader(_args: LoaderFunctionArgs) {
  return new Response(await areasGeoJson(), {
    headers: { 'Content-Type': 'application/geo+json; charset=utf-8', 'Cache-Control': 'public, max-age=300' },
  })
}
