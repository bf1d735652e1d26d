import type { LoaderFunctionArgs } from '@remix-run/node'
import { cityMapSvg } from '../modules/geo/areas.server'

/** GET /areas.svg — the static city map image (districts and neighbourhoods). */
export async function loader(_args: LoaderFunctionArgs) {
  const svg = await cityMapSvg()
  if (!svg) throw new Response('Not Found', { status: 404 })
  return new Response(svg, {
    headers: {
      'Content-Type': 'image/svg+xml; charset=utf-8',
      'Cache-Control': 'public, max-age=300',
      'X-Content-Type-Options': 'nosniff',
    },
  })
}
