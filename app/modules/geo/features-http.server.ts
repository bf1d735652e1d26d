import { translatorFor } from '../../lib/i18n.server'
import { mapFeatures, parseFeaturesQuery, selectedKinds } from './features.server'
import { listKinds } from './map-index.server'

/**
 * GET /api/map/features as a plain Fetch handler, shared by the Remix route and the HTTP layer's
 * fast path (which answers this public, cookie-free API before Remix, as ADR 023 explains).
 */

// Public data: a CDN or browser may reuse an answer briefly; stale-while-revalidate smooths peaks.
const CACHE = 'public, max-age=15, stale-while-revalidate=30'

async function badRequest(request: Request, key: string, field: string, values: Record<string, unknown> = {}) {
  const { t } = await translatorFor(request)
  return Response.json({ error: { status: 400, field, message: t(`geo:api.${key}`, values) } }, { status: 400, headers: { 'Cache-Control': 'no-store' } })
}

// Answers computed in the last few seconds, per process: the same view (a city's default map, a shared
// link) asked by many people at once is computed once, as a CDN in front would do. A request with
// `Cache-Control: no-cache` always gets a fresh answer (the benchmark measures both).
const RECENT_MS = 5_000
const recent = new Map<string, { body: string; expires: number }>()

const answer = (body: string) => new Response(body, { headers: { 'Content-Type': 'application/geo+json; charset=utf-8', 'Cache-Control': CACHE, Vary: 'Accept-Encoding' } })

export async function featuresResponse(request: Request): Promise<Response> {
  const url = new URL(request.url)
  url.searchParams.sort()
  const key = url.searchParams.toString()
  const fresh = /no-cache/i.test(request.headers.get('cache-control') ?? '')
  const hit = fresh ? undefined : recent.get(key)
  if (hit && hit.expires > Date.now()) return answer(hit.body)
  const parsed = parseFeaturesQuery(url.searchParams)
  if (!parsed.ok) return badRequest(request, parsed.problem, parsed.field)
  const kinds = await listKinds()
  const selected = selectedKinds(parsed.query, kinds)
  if (!selected.ok) return badRequest(request, 'unknownLayer', 'layers', { layer: selected.unknown })
  const body = JSON.stringify(await mapFeatures(parsed.query, selected.kinds, kinds))
  if (recent.size >= 1000) recent.clear()
  recent.set(key, { body, expires: Date.now() + RECENT_MS })
  return answer(body)
}
