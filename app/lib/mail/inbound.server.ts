import { simpleParser } from 'mailparser'
import { SMTPServer, type SMTPServerAddress } from 'smtp-server'
import { database, nowIso } from '../db.server'
import { config } from '../config.server'
import { logger } from '../logger.server'

/**
 * Plaza's one inbound SMTP endpoint (issues 19 and 22; docs/decisions/125-inbound-mail.md). The
 * city's mail exchanger (the MX of INBOUND_MAIL_DOMAIN) hands it mail for per-item addresses:
 * report-<token>@… (delivery: a body's reply to a report), request-<token>@… (foi: a body's answer
 * to an information request). Modules register a handler for their prefix; smtp-server speaks SMTP
 * and mailparser reads the MIME message once for all of them.
 *
 * - An address on another domain, or without a registered prefix, is refused at RCPT (550): the
 *   endpoint relays nothing.
 * - A registered prefix whose token is unknown, or whose item is closed, is accepted and kept in
 *   the holding pen (inbound_held_mail) for an administrator: a body's answer is never lost.
 * - A handler may refuse a message (e.g. a reply to a report from a stranger's domain): 5xx.
 * - A failure while storing answers 451, so the sending server tries again later.
 */

export const MAX_INBOUND_MESSAGE_BYTES = 25 * 1024 * 1024

export interface InboundAttachment {
  filename: string
  contentType: string
  content: Buffer
}

export interface InboundMail {
  /** The recipient address this handler was called for. */
  recipient: string
  /** The token after the prefix, lower-case. */
  token: string
  from: string | null
  subject: string
  text: string
  messageId: string | null
  attachments: InboundAttachment[]
  size: number
}

export type InboundOutcome = { kind: 'accepted' } | { kind: 'hold'; reason: 'unknown' | 'closed' } | { kind: 'refused'; code: number; message: string }

export type InboundHandler = (mail: InboundMail) => Promise<InboundOutcome>

// Process-wide, as the outbox's listeners: the endpoint and the modules registering may be loaded
// through different module graphs (scripts/start.ts and the server bundle).
const handlers: Map<string, InboundHandler> = ((globalThis as { __plazaInboundHandlers?: Map<string, InboundHandler> }).__plazaInboundHandlers ??= new Map())

/** Registers the handler for `<prefix><token>@INBOUND_MAIL_DOMAIN` (prefix like 'report-'). */
export function registerInboundHandler(prefix: string, handler: InboundHandler): () => void {
  if (!/^[a-z][a-z0-9]*-$/.test(prefix)) throw new Error(`inbound prefix ${prefix} must look like "name-"`)
  handlers.set(prefix, handler)
  return () => handlers.delete(prefix)
}

/** INBOUND_MAIL_DOMAIN, else PUBLIC_URL's host name (an address or bare name cannot take mail: a placeholder). */
export function inboundDomain(): string {
  const host = new URL(config().PUBLIC_URL).hostname
  return config().INBOUND_MAIL_DOMAIN ?? (/^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/i.test(host) ? host : 'localhost.localdomain')
}

/** The address for an item: `<prefix><token>@<domain>`. */
export function inboundAddress(prefix: string, token: string): string {
  return `${prefix}${token}@${inboundDomain()}`
}

/** The registered prefix and token of an address on our domain, or null. Tokens are base32 (a–z, 2–7). */
export function routeOf(address: string): { prefix: string; token: string } | null {
  const m = /^([a-z][a-z0-9]*-)([a-z2-7]{20,64})@([^@\s]+)$/i.exec(address.trim())
  if (!m) return null
  if (m[3]!.toLowerCase() !== inboundDomain().toLowerCase()) return null
  const prefix = m[1]!.toLowerCase()
  return handlers.has(prefix) ? { prefix, token: m[2]!.toLowerCase() } : null
}

const smtpError = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code })

/** Keeps a message no handler could place, for an administrator. */
export async function holdMail(mail: Omit<InboundMail, 'token' | 'messageId'>, reason: string): Promise<number> {
  const row = await database().write((trx) =>
    trx
      .insertInto('inbound_held_mail')
      .values({
        recipient: mail.recipient.slice(0, 320),
        from_address: mail.from?.slice(0, 320) ?? null,
        subject: mail.subject.slice(0, 500),
        text: mail.text.slice(0, 100_000),
        attachments: mail.attachments.length,
        size: mail.size,
        reason,
        received_at: nowIso(),
      })
      .returning('id')
      .executeTakeFirstOrThrow(),
  )
  return row.id
}

export interface HeldMail {
  id: number
  recipient: string
  from: string | null
  subject: string
  text: string
  attachments: number
  size: number
  reason: string
  receivedAt: string
}

/** The holding pen, newest first (unresolved only). */
export async function heldMail(limit = 200): Promise<HeldMail[]> {
  const rows = await database()
    .db.selectFrom('inbound_held_mail')
    .select(['id', 'recipient', 'from_address as from', 'subject', 'text', 'attachments', 'size', 'reason', 'received_at as receivedAt'])
    .where('resolved_at', 'is', null)
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
  return rows
}

/** An administrator has dealt with a held message (forwarded it, or judged it spam). */
export async function resolveHeldMail(id: number): Promise<boolean> {
  const result = await database().write((trx) => trx.updateTable('inbound_held_mail').set({ resolved_at: nowIso() }).where('id', '=', id).where('resolved_at', 'is', null).executeTakeFirst())
  return Number(result.numUpdatedRows) > 0
}

/** Hands one parsed message to the handler of each recipient; what no handler places is held. */
export async function dispatchInbound(recipients: string[], parsed: Omit<InboundMail, 'recipient' | 'token'>): Promise<void> {
  for (const recipient of recipients) {
    const route = routeOf(recipient)
    if (!route) continue
    const handler = handlers.get(route.prefix)!
    const mail: InboundMail = { ...parsed, recipient, token: route.token }
    const outcome = await handler(mail)
    logger().info({ inbound: outcome.kind, prefix: route.prefix, from: parsed.from }, 'inbound mail')
    if (outcome.kind === 'hold') await holdMail(mail, outcome.reason)
    if (outcome.kind === 'refused') throw smtpError(outcome.code, outcome.message)
  }
}

export async function startInboundMail(options: { port: number; host: string }): Promise<{ port: number; stop(): Promise<void> }> {
  const server = new SMTPServer({
    // A mail exchanger delivers without logging in; TLS belongs to the relay in front.
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    size: MAX_INBOUND_MESSAGE_BYTES,
    banner: 'Plaza',
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      if (!routeOf(address.address)) return callback(smtpError(550, `5.1.1 <${address.address}> is not an address of this Plaza`))
      callback()
    },
    onData(stream, session, callback) {
      let size = 0
      stream.on('data', (chunk: Buffer) => (size += chunk.length))
      simpleParser(stream, { skipImageLinks: true, skipTextToHtml: true })
        .then(async (mail) => {
          if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) throw smtpError(552, '5.3.4 The message is too large')
          const from = mail.from?.value[0]?.address ?? (session.envelope.mailFrom ? session.envelope.mailFrom.address : null)
          await dispatchInbound(
            session.envelope.rcptTo.map((r) => r.address),
            {
              from,
              subject: mail.subject ?? '',
              text: mail.text ?? '',
              messageId: mail.messageId ?? null,
              size,
              attachments: mail.attachments
                .filter((a) => !a.related)
                .map((a) => ({ filename: a.filename ?? 'attachment', contentType: a.contentType || 'application/octet-stream', content: a.content })),
            },
          )
        })
        .then(
          () => callback(),
          (error: Error & { responseCode?: number }) => {
            if (!error.responseCode) logger().error({ err: error }, 'inbound mail could not be stored')
            callback(error.responseCode ? error : smtpError(451, '4.3.0 The message could not be stored; try again later'))
          },
        )
    },
  })
  server.on('error', (error) => logger().error({ err: error }, 'inbound SMTP error'))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => resolve())
  })
  const address = server.server.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  logger().info({ port, host: options.host, prefixes: [...handlers.keys()] }, 'inbound SMTP endpoint listening')
  return { port, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}
