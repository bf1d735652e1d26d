import { z } from 'zod'
import { database } from '../../lib/db.server'
import { failDelivery } from './letters.server'
import { markRepresentativeBounced } from './representatives.server'

/**
 * Bounces reported back for any mail Plaza sent (issue 9): delivery status notifications
 * (RFC 3464) and the simple JSON mail services post, received at POST /mail/bounces. Every
 * recipient's report is recorded in `mail_bounces`; a permanent failure (Action: failed, Status
 * 5.x.x) of a letter's delivery marks the delivery failed if it still says 'sent', tells the sender,
 * and marks the representative's address as bouncing (the first permanent bounce is enough).
 * A mailbox reader is not built: a city that receives DSNs in a mailbox pipes them to the endpoint
 * (docs/letters.md).
 */

export interface BounceReport {
  recipient: string
  /** 'failed' (permanent), 'delayed', or what the DSN says ('delivered', 'relayed', 'expanded'). */
  action: string
  /** Enhanced status code, e.g. 5.1.1. */
  status: string | null
  diagnostic: string | null
  outboxId: number | null
}

const clean = (v: string, max: number) =>
  v
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim()
    .slice(0, max)
const STATUS_RE = /^[245]\.\d{1,3}\.\d{1,3}$/

// ---------------------------------------------------------------- RFC 3464

/** Header-style fields of a block (continuation lines unfolded), names lower-cased. */
function fields(block: string): Map<string, string> {
  const out = new Map<string, string>()
  const lines = block
    .replace(/\r\n?/g, '\n')
    .replace(/\n[ \t]+/g, ' ')
    .split('\n')
  for (const line of lines) {
    const m = /^([A-Za-z][A-Za-z0-9-]*)\s*:\s*(.*)$/.exec(line)
    if (m && !out.has(m[1]!.toLowerCase())) out.set(m[1]!.toLowerCase(), m[2]!.trim())
  }
  return out
}

/** "rfc822; ana@example.org" → ana@example.org */
const addressOf = (value: string) => clean(value.replace(/^[^;]*;\s*/, '').replace(/^<|>$/g, ''), 254).toLowerCase()

/**
 * Reads a delivery status notification: the whole multipart/report mail, or just its
 * message/delivery-status part. Per-recipient fields Final-Recipient (or Original-Recipient),
 * Action, Status, Diagnostic-Code; the original mail's X-Plaza-Outbox-Id or Message-ID
 * (<plaza.<outbox id>.…>, as the outbox writes it) names the outbox row. Parts encoded in base64
 * are not decoded (MTAs send these parts as 7-bit text).
 */
export function parseDeliveryStatus(raw: string): BounceReport[] {
  const text = raw.replace(/\r\n?/g, '\n')
  const idHeader = /^X-Plaza-Outbox-Id:\s*(\d{1,15})\s*$/im.exec(text)
  const idFromMessageId = /^Message-ID:\s*<plaza\.(\d{1,15})\./im.exec(text)
  const outboxId = idHeader ? Number(idHeader[1]) : idFromMessageId ? Number(idFromMessageId[1]) : null
  const reports: BounceReport[] = []
  for (const block of text.split(/\n[ \t]*\n/)) {
    const f = fields(block)
    const recipient = f.get('final-recipient') ?? f.get('original-recipient')
    const action = f.get('action')
    if (!recipient || !action) continue
    const status = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(f.get('status') ?? '')?.[1] ?? null
    const diagnostic = f.get('diagnostic-code')
    reports.push({
      recipient: addressOf(recipient),
      action: clean(action.toLowerCase(), 20),
      status,
      diagnostic: diagnostic ? clean(diagnostic.replace(/^smtp;\s*/i, ''), 1000) : null,
      outboxId,
    })
  }
  return reports
}

// ---------------------------------------------------------------- JSON

const jsonBounce = z.object({
  recipient: z.string().trim().max(254).pipe(z.email()),
  status: z.string().trim().regex(STATUS_RE),
  diagnostic: z.string().max(2000).optional(),
  action: z.enum(['failed', 'delayed']).optional(),
  outbox_id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
})
export const jsonBouncesSchema = z.union([jsonBounce, z.array(jsonBounce).min(1).max(100)])

/** The JSON form ({recipient, status, diagnostic?, action?, outbox_id?}, or an array of them). */
export function parseJsonBounces(value: unknown): BounceReport[] | null {
  const parsed = jsonBouncesSchema.safeParse(value)
  if (!parsed.success) return null
  const list = Array.isArray(parsed.data) ? parsed.data : [parsed.data]
  return list.map((b) => ({
    recipient: b.recipient.toLowerCase(),
    action: b.action ?? (b.status.startsWith('5') ? 'failed' : 'delayed'),
    status: b.status,
    diagnostic: b.diagnostic ? clean(b.diagnostic, 1000) : null,
    outboxId: b.outbox_id ?? null,
  }))
}

// ---------------------------------------------------------------- recording

export const isPermanent = (r: Pick<BounceReport, 'action' | 'status'>) => r.action === 'failed' && (r.status === null || r.status.startsWith('5'))

export interface BounceOutcome {
  recorded: number
  deliveriesFailed: number
  representativesMarked: number
}

/** Records the reports and acts on the permanent ones, in one write. */
export async function recordBounces(reports: BounceReport[], source: 'endpoint' | 'mailbox', now: Date = new Date()): Promise<BounceOutcome> {
  const at = now.toISOString()
  return database().write(async (trx) => {
    const outcome: BounceOutcome = { recorded: 0, deliveriesFailed: 0, representativesMarked: 0 }
    for (const r of reports) {
      // Only failures and delays are bounces; "delivered", "relayed", "expanded" are not recorded.
      if (r.action !== 'failed' && r.action !== 'delayed') continue
      const action: 'failed' | 'delayed' = r.action
      const mail = r.outboxId ? await trx.selectFrom('outbox').select(['id', 'to_address', 'kind']).where('id', '=', r.outboxId).executeTakeFirst() : undefined
      const delivery = mail ? await trx.selectFrom('letter_deliveries').select(['id', 'status', 'representative_id']).where('outbox_id', '=', mail.id).executeTakeFirst() : undefined
      // Without a delivery, a representative whose address it is (a bounce of an older mail).
      const representativeId = delivery?.representative_id ?? (await trx.selectFrom('representatives').select('id').where('email', '=', r.recipient).orderBy('id').executeTakeFirst())?.id ?? null
      await trx
        .insertInto('mail_bounces')
        .values({ outbox_id: mail?.id ?? null, recipient: r.recipient, action, status: r.status, diagnostic: r.diagnostic, source, representative_id: representativeId, received_at: at })
        .execute()
      outcome.recorded++
      if (!isPermanent(r)) continue
      const reason = [r.status, r.diagnostic].filter(Boolean).join(' ') || 'bounced'
      if (delivery && (await failDelivery(trx, delivery.id, reason, at, ['sent']))) outcome.deliveriesFailed++
      if (representativeId !== null) {
        const rep = await trx.selectFrom('representatives').select('email_bounced_at').where('id', '=', representativeId).executeTakeFirst()
        if (rep && !rep.email_bounced_at) {
          await markRepresentativeBounced(trx, representativeId, `${r.recipient}: ${reason}`)
          outcome.representativesMarked++
        }
      }
    }
    return outcome
  })
}
