import { database } from '../../lib/db.server'

/**
 * GET /petitions/:id/count.json — the live count for machines and embedding sites. Answered
 * before Remix (ADR 023) and by the Remix route with this same function. An answer is reused for
 * up to a second per process, and caches may keep it 2 s: at a viral peak a hundred thousand
 * watchers cost one query a second.
 */

const REUSE_MS = 1_000
const answers = new Map<number, { at: number; status: number; body: string }>()

const headers = (status: number) => ({
  'Content-Type': 'application/json; charset=utf-8',
  'Access-Control-Allow-Origin': '*',
  'Cache-Control': status === 200 ? 'public, max-age=2' : 'public, max-age=10',
})

/** Public petitions only: open and closed. */
const PUBLIC_STATES = new Set(['open', 'closed'])

/** The answer for a petition id (from the URL, digits only), reused for up to a second. */
export async function petitionCountAnswer(idText: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const id = /^[1-9]\d{0,11}$/.test(idText) ? Number(idText) : 0
  const now = Date.now()
  let answer = answers.get(id)
  if (!answer || now - answer.at > REUSE_MS) {
    const row = id
      ? await database().db.selectFrom('petitions').select(['id', 'state', 'signature_count', 'response_threshold', 'debate_threshold']).where('id', '=', id).executeTakeFirst()
      : undefined
    answer =
      row && PUBLIC_STATES.has(row.state)
        ? {
            at: now,
            status: 200,
            body: JSON.stringify({
              id: row.id,
              count: row.signature_count,
              state: row.state,
              thresholds: { response: row.response_threshold, debate: row.debate_threshold },
              // when this count was read
              updated_at: new Date(now).toISOString(),
            }),
          }
        : { at: now, status: 404, body: JSON.stringify({ error: 'not found' }) }
    if (answers.size >= 10_000) answers.clear()
    answers.set(id, answer)
  }
  return { status: answer.status, headers: headers(answer.status), body: answer.body }
}

/** The same as a Fetch Response (the Remix route). */
export async function petitionCountResponse(request: Request): Promise<Response> {
  const match = /^\/petitions\/([^/]+)\/count\.json$/.exec(new URL(request.url).pathname)
  const answer = await petitionCountAnswer(match?.[1] ?? '')
  return new Response(answer.body, { status: answer.status, headers: answer.headers })
}
