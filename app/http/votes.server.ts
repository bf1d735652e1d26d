import { getUser } from '../modules/accounts/auth.server'
import { CSV_CONTENT_TYPE } from '../lib/csv'
import { translatorFor } from '../lib/i18n.server'
import { castLocation, parseBallotForm } from '../modules/voting/components/ballot-form'
import { ballotList, castBallot, processSpec } from '../modules/voting/voting.server'

/**
 * The HTTP side of voting that is not a Remix route module: the fast form post of a ballot
 * (answered before Remix, ADR 051) and the answer shared by /votes/:id/ballots.{csv,json}. The
 * domain module (app/modules/voting) parses no HTTP and answers no redirects; it is called here
 * with parsed values and its results are mapped to responses.
 */

/**
 * The hot path of POST /votes/:id as a Fetch handler the HTTP layer can answer before Remix (as
 * ADR 023 does for /api/map/features): a logged-in person's urlencoded ballot that is cast gets
 * the same 302 the route's action gives. Anything else — not logged in, another intent, a ballot
 * refused, a multipart body — answers null: the HTTP layer then hands the same request (its body
 * buffered) to Remix, whose action answers it with the page and its messages. Through Remix a cast
 * costs about three times as much CPU as the cast itself (route matching, request conversion).
 * Exported as `castBallotFast` from app/entry.server.tsx (scripts/start.ts's fastPosts).
 */
export async function castBallotFast(request: Request): Promise<Response | null> {
  if (request.method !== 'POST') return null
  // A plain form post only: Remix's own requests (single fetch: /votes/1.data) stay with Remix.
  const url = new URL(request.url)
  const match = /^\/votes\/([1-9]\d{0,11})$/.exec(url.pathname)
  if (!match || url.search !== '' || !(request.headers.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded')) return null
  const user = await getUser(request)
  if (!user) return null
  const id = Number(match[1])
  const settings = await processSpec(id)
  if (!settings) return null
  let form: URLSearchParams
  try {
    form = new URLSearchParams(await request.text())
  } catch {
    return null
  }
  if (form.get('intent') !== 'cast') return null
  const parsed = parseBallotForm(settings.spec, form)
  if (parsed.refusals.length) return null
  const result = await castBallot(user, id, parsed.input)
  if (result.kind !== 'cast') return null
  return new Response(null, { status: 302, headers: { Location: castLocation(id, result.replaced), 'Cache-Control': 'no-store' } })
}

/**
 * The HTTP answer for /votes/:id/ballots.{csv,json}: 404 for no such (visible) process, 403 with a
 * sentence before the close, else the stream. Shared by the two routes.
 */
export async function publishedBallotList(request: Request, idParam: string | undefined, format: 'csv' | 'json'): Promise<Response> {
  const id = Number(idParam)
  const text = (status: number, body: string) => new Response(body, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } })
  if (!/^\d{1,12}$/.test(idParam ?? '') || !Number.isSafeInteger(id) || id <= 0) return text(404, 'Not Found')
  const list = await ballotList(id, format)
  if (list.kind === 'notFound') return text(404, 'Not Found')
  if (list.kind === 'notYet') {
    const { t } = await translatorFor(request)
    return text(403, t('votes:ballots.notYet'))
  }
  return new Response(list.stream, {
    headers: {
      'Content-Type': format === 'csv' ? CSV_CONTENT_TYPE : 'application/json; charset=utf-8',
      'Content-Disposition': `${format === 'csv' ? 'attachment' : 'inline'}; filename="vote-${id}-ballots.${format}"`,
      'Cache-Control': 'public, max-age=60',
      'X-Content-Type-Options': 'nosniff',
    },
  })
}
