import type { LoaderFunctionArgs } from '@remix-run/node'
import { translatorFor } from '../lib/i18n.server'
import { mapFeatures, parseFeaturesQuery, selectedKinds } from '../modules/geo/features.server'
import { listKinds } from '../modules/geo/map-index.server'

/**
 * GET /api/map/features?bbox=w,s,e,n&zoom=z[&layers=a,b][&status=…][&category=…][&since=YYYY-MM-DD]
 * → GeoJSON FeatureCollection (see app/modules/geo/features.server.ts and docs/geo.md).
 */

// Public data: a CDN or browser may reuse an answer briefly; stale-while-revalidate smooths peaks.
const CACHE = 'public, max-age=15, stale-while-revalidate=30'

async function badRequest(request: Request, key: string, field: string, values: Record<string, unknown> = {}) {
  const { t } = await translatorFor(request)
  return Response.json(
    { error: { status: 400, field, message: t(`geo:api.${key}`, values) } },
    { status: 400, headers: { 'Cache-Control': 'no-store' } },
  )
}

export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url)
  const parsed = parseFeaturesQuery(url.searchParams)
  if (!parsed.ok) return badRequest(request, parsed.problem, parsed.field)
  const kinds = await listKinds()
  const selected = selectedKinds(parsed.query, kinds)
  if (!selected.ok) return badRequest(request, 'unknownLayer', 'layers', { layer: selected.unknown })
  const answer = await mapFeatures(parsed.query, selected.kinds, kinds)
  return new Response(JSON.stringify(answer), {
    headers: { 'Content-Type': 'application/geo+json; charset=utf-8', 'Cache-Control': CACHE, Vary: 'Accept-Encoding' },
  })
}
