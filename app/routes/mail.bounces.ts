import crypto from 'node:crypto'
import type { ActionFunctionArgs } from '@remix-run/node'
import { config } from '../lib/config.server'
import { parseDeliveryStatus, parseJsonBounces, recordBounces } from '../modules/letters/bounces.server'

/**
 * POST /mail/bounces — bounces reported by the mail server or a mail service, with
 * `Authorization: Bearer <BOUNCE_SECRET>`. Accepts a delivery status notification (RFC 3464: the
 * whole multipart/report mail, or its message/delivery-status part) or JSON
 * ({recipient, status, diagnostic?, action?, outbox_id?}, or an array). 404 while BOUNCE_SECRET is
 * unset (the endpoint does not exist), 401 without the right secret. docs/letters.md.
 */

const MAX_BYTES = 1024 * 1024
const json = (body: unknown, status: number, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers } })

function authorised(request: Request, secret: string) {
  const given = /^Bearer\s+(.+)$/i.exec(request.headers.get('authorization') ?? '')?.[1]?.trim() ?? ''
  const a = crypto.createHash('sha256').update(given).digest()
  const b = crypto.createHash('sha256').update(secret).digest()
  return given.length > 0 && crypto.timingSafeEqual(a, b)
}

export async function loader() {
  const secret = config().BOUNCE_SECRET
  return secret ? json({ error: 'Use POST.' }, 405, { Allow: 'POST' }) : json({ error: 'Not found' }, 404)
}

export async function action({ request }: ActionFunctionArgs) {
  const secret = config().BOUNCE_SECRET
  if (!secret) return json({ error: 'Not found' }, 404)
  if (request.method !== 'POST') return json({ error: 'Use POST.' }, 405, { Allow: 'POST' })
  if (!authorised(request, secret)) return json({ error: 'A bearer token is required.' }, 401, { 'WWW-Authenticate': 'Bearer realm="plaza-bounces"' })
  const length = Number(request.headers.get('content-length') ?? 0)
  if (length > MAX_BYTES) return json({ error: 'Too large.' }, 413)
  let body: string
  try {
    body = await request.text()
  } catch {
    return json({ error: 'Unreadable body.' }, 400)
  }
  if (body.length > MAX_BYTES) return json({ error: 'Too large.' }, 413)
  const type = (request.headers.get('content-type') ?? '').toLowerCase()
  let reports
  if (type.includes('json')) {
    let value: unknown
    try {
      value = JSON.parse(body)
    } catch {
      return json({ error: 'Invalid JSON.' }, 400)
    }
    reports = parseJsonBounces(value)
    if (!reports) return json({ error: 'Expected {recipient, status, diagnostic?, action?, outbox_id?} or an array of them; status like 5.1.1.' }, 400)
  } else {
    reports = parseDeliveryStatus(body)
    if (reports.length === 0) return json({ error: 'No per-recipient fields (Final-Recipient, Action) found.' }, 400)
  }
  const outcome = await recordBounces(reports, 'endpoint')
  return json(outcome, 200)
}
