import crypto from 'node:crypto'
import { sql, type Selectable, type Transaction } from 'kysely'
import { z } from 'zod'
import type { Database, OutboxStatus, OutboxTable } from '../../../db/schema'
import { config } from '../config.server'
import { database, type PlazaDatabase } from '../db.server'
import { skipLocked } from '../db/claims'
import type { Part, Statements } from '../db/statements'
import { classifyFailure, type MailTransport } from './transport.server'

export { composeMail, type ComposeInput, type ComposedMail } from './compose.server'
export type { MailTransport } from './transport.server'

/**
 * The mail outbox. A capability writes a mail with `queueMail(trx, …)` inside the transaction that
 * causes it, so a mail exists exactly when its cause was committed. Senders (`deliverDueMail`) claim
 * due rows with a lease: one UPDATE … RETURNING marks them as theirs until the lease ends, so any
 * number of processes can share the table without sending a mail twice. A temporary failure is
 * retried with backoff; a permanent one (an SMTP 5xx) fails the mail at once with the server's words.
 * See docs/decisions/030-mail-outbox.md.
 */

export type OutboxRow = Selectable<OutboxTable>

/** Waits after the 1st, 2nd, … failed attempt; the attempt after the last wait is the final one. */
export const RETRY_DELAYS_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000, 12 * 3600_000] as const
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1
/** How long a claim keeps other senders away. A send never starts with less than SEND_MARGIN_MS of it left. */
export const DEFAULT_LEASE_MS = 10 * 60_000
// Longer than the transport's own timeouts (transport.server.ts), so a send ends before its lease.
const SEND_MARGIN_MS = 3 * 60_000

// Header names Plaza sets itself, or that would change who receives the mail.
const RESERVED_HEADERS = new Set(['from', 'to', 'cc', 'bcc', 'reply-to', 'subject', 'date', 'message-id', 'sender', 'return-path', 'mime-version', 'content-type', 'content-transfer-encoding'])

const singleLine = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((v) => !/[\r\n\0]/.test(v), 'must be a single line')

const namedAddress = z
  .string()
  .max(420)
  .regex(/^"[^"\\\r\n\0]{1,160}" <[^<>\s"]{3,254}>$/, 'must be "Name" <address>')
  .refine((v) => z.email().safeParse(v.slice(v.lastIndexOf('<') + 1, -1)).success, 'must contain a valid address')

export const mailSchema = z.object({
  kind: z
    .string()
    .regex(/^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/, 'must look like "account.confirm"')
    .max(64),
  to: z.email().max(254),
  // A bare address, or a quoted display name and an address ('"Ana Ruiz" <ana@example.org>', for letters).
  replyTo: z.union([z.email().max(254), namedAddress]).optional(),
  subject: singleLine(250),
  text: z.string().min(1).max(200_000),
  html: z.string().min(1).max(500_000).optional(),
  headers: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9-]{0,75}$/, 'must be a header name')
        .refine((name) => !RESERVED_HEADERS.has(name.toLowerCase()), 'is set by Plaza'),
      singleLine(2000),
    )
    .optional(),
  // Inline pictures the HTML part shows with `cid:` (a report's map for a body, issue 19): at most 4, 1 MB each.
  attachments: z
    .array(
      z.object({
        filename: z.string().regex(/^[\w.-]{1,100}$/),
        contentType: z.enum(['image/png', 'image/jpeg']),
        cid: z.string().regex(/^[\w.-]{1,100}@[\w.-]{1,100}$/),
        content: z.instanceof(Buffer).refine((b) => b.length > 0 && b.length <= 1_000_000, 'must be 1 byte to 1 MB'),
      }),
    )
    .max(4)
    .optional(),
})
export type QueuedMail = z.input<typeof mailSchema>
type StoredAttachment = { filename: string; contentType: string; cid: string; content: string }

// Senders in this process that want to hear about new mail (startMailWorker).
// Process-wide: the worker started by scripts/start.ts and the server bundle load this module
// separately, and the bundle's queueMail must still wake that worker.
const listeners: Set<() => void> = ((globalThis as { __plazaMailListeners?: Set<() => void> }).__plazaMailListeners ??= new Set())
/** Called by a worker in this process: `queueMail` wakes it instead of waiting for the next poll. */
export function onMailQueued(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/**
 * Write a mail to the outbox through the caller's transaction (inside `database().write`).
 * Throws a ZodError for an invalid mail, which rolls back the caller's write with it.
 */
/** The newest outbox row's id, 0 when the outbox is empty. */
export async function newestMailId(db: PlazaDatabase = database()): Promise<number> {
  const row = await db.db
    .selectFrom('outbox')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst()
  return Number(row?.id ?? 0)
}

/**
 * Drops the unsent mail queued after `afterId`. For the demo seed only: it writes months of history
 * through the modules (reports filed, triaged and fixed), and the people following those reports
 * must not be mailed that history as news once the demo site delivers mail.
 */
export async function discardMailQueuedAfter(afterId: number, db: PlazaDatabase = database()): Promise<number> {
  const result = await db.write((trx) => trx.deleteFrom('outbox').where('id', '>', afterId).where('status', '=', 'pending').executeTakeFirst())
  return Number(result.numDeletedRows)
}

export async function queueMail(trx: Transaction<Database>, mail: QueuedMail): Promise<number> {
  const m = mailSchema.parse(mail)
  const now = new Date().toISOString()
  const row = await trx
    .insertInto('outbox')
    .values({
      kind: m.kind,
      to_address: m.to,
      reply_to: m.replyTo ?? null,
      subject: m.subject,
      text_body: m.text,
      html_body: m.html ?? null,
      headers: JSON.stringify(m.headers ?? {}),
      attachments: m.attachments?.length
        ? JSON.stringify(m.attachments.map((a): StoredAttachment => ({ filename: a.filename, contentType: a.contentType, cid: a.cid, content: a.content.toString('base64') })))
        : null,
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  // After this turn (the caller's commit is queued before any claim the wake-up makes).
  if (listeners.size) setImmediate(() => listeners.forEach((wake) => wake()))
  return row.id
}

/**
 * queueMail for the hottest writers (a petition's signing batch): the same row through a statement
 * prepared once per connection, with the mail checked by the same schema the first time a given
 * kind/subject/headers shape is seen and only its address afterwards. Must run inside
 * `database().write`, through the write's statements (app/lib/db/statements.ts), like queueMail.
 */
const OUTBOX_INSERT = `insert into outbox (kind, to_address, reply_to, subject, text_body, html_body, headers, status, attempts, next_attempt_at, created_at)
      values (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)`
const checkedShapes = new Set<string>()
const addressSchema = z.email().max(254)
export async function queueMailPrepared(run: Pick<Statements, 'run'>, mail: QueuedMail): Promise<void> {
  checkPrepared(mail)
  const now = new Date().toISOString()
  await run.run(OUTBOX_INSERT, mail.kind, mail.to, mail.replyTo ?? null, mail.subject.trim(), mail.text, mail.html ?? null, JSON.stringify(mail.headers ?? {}), now, now)
  if (listeners.size) setImmediate(() => listeners.forEach((wake) => wake()))
}

const OUTBOX_COLUMNS = {
  kind: 'text',
  to_address: 'text',
  reply_to: 'text',
  subject: 'text',
  text_body: 'text',
  html_body: 'text',
  headers: 'text',
  status: 'text',
  attempts: 'integer',
  next_attempt_at: 'text',
  created_at: 'text',
} as const

/**
 * queueMailPrepared for many mails at once, as one part of a caller's `together` (a signing batch's
 * confirmations with its rows and counts: on PostgreSQL one round trip, ADR 146): the same checks,
 * one insert for the lot; null when there is no mail.
 */
export function mailsPart(run: Pick<Statements, 'insertPart'>, mails: QueuedMail[]): Part | null {
  if (mails.length === 0) return null
  for (const mail of mails) checkPrepared(mail)
  const now = new Date().toISOString()
  const part = run.insertPart(
    'outbox',
    OUTBOX_COLUMNS,
    mails.map((mail) => [mail.kind, mail.to, mail.replyTo ?? null, mail.subject.trim(), mail.text, mail.html ?? null, JSON.stringify(mail.headers ?? {}), 'pending', 0, now, now]),
  )
  if (listeners.size) setImmediate(() => listeners.forEach((wake) => wake()))
  return part
}

function checkPrepared(mail: QueuedMail) {
  const shape = `${mail.kind}\n${mail.subject}\n${JSON.stringify(mail.headers ?? {})}`
  if (!checkedShapes.has(shape)) {
    mailSchema.parse(mail)
    if (checkedShapes.size < 10_000) checkedShapes.add(shape)
  } else {
    addressSchema.parse(mail.to)
    if (mail.replyTo !== undefined) mailSchema.shape.replyTo.parse(mail.replyTo)
    if (!mail.text || mail.text.length > 200_000 || (mail.html !== undefined && mail.html.length > 500_000)) mailSchema.parse(mail)
  }
}

/** The stored attachments as nodemailer takes them: inline, each with its Content-ID. */
function inlineAttachments(json: string) {
  return (JSON.parse(json) as StoredAttachment[]).map((a) => ({
    filename: a.filename,
    contentType: a.contentType,
    cid: a.cid,
    content: Buffer.from(a.content, 'base64'),
    contentDisposition: 'inline' as const,
  }))
}

export interface ClaimedMail extends OutboxRow {
  claim_token: string
  claimed_until: string
}

/**
 * Claim up to `limit` mails that are due at `now`: pending ones whose time has come, and ones whose
 * sender's lease ran out (it died mid-send). One UPDATE … RETURNING, so two senders never claim the
 * same row (SQLite serialises writers; on PostgreSQL the candidates are locked `for update skip
 * locked`, app/lib/db/claims.ts, so two servers' claims are disjoint).
 * Each claim counts as an attempt, so a mail that kills its sender is not retried forever.
 */
export async function claimDueMail(limit: number, now: Date = new Date(), options: { database?: PlazaDatabase; leaseMs?: number } = {}): Promise<ClaimedMail[]> {
  const db = options.database ?? database()
  const n = z.number().int().min(1).max(1000).parse(limit)
  const at = now.toISOString()
  // A cheap read first: an idle sender polls without taking the write lock.
  const due = await db.db.selectFrom('outbox').select('id').where('status', 'in', ['pending', 'sending']).where('next_attempt_at', '<=', at).limit(1).executeTakeFirst()
  if (!due) return []
  const token = crypto.randomUUID()
  const until = new Date(now.getTime() + (options.leaseMs ?? DEFAULT_LEASE_MS)).toISOString()
  const rows = await db.write((trx) =>
    trx
      .updateTable('outbox')
      .set((eb) => ({
        status: 'sending',
        claim_token: token,
        claimed_until: until,
        // While claimed, the row is due again when the lease ends.
        next_attempt_at: until,
        attempts: eb('attempts', '+', 1),
      }))
      .where(
        'id',
        'in',
        skipLocked(trx, trx.selectFrom('outbox').select('id').where('status', 'in', ['pending', 'sending']).where('next_attempt_at', '<=', at).orderBy('next_attempt_at').orderBy('id').limit(n)),
      )
      .returningAll()
      .execute(),
  )
  return rows.sort((a, b) => a.id - b.id) as ClaimedMail[]
}

export interface DeliveryReport {
  sent: number
  retried: number
  failed: number
}

export interface DeliverOptions {
  transport: MailTransport
  /** Most mails claimed in this call (default 20). */
  limit?: number
  /**
   * The time the claim and the backoff are computed from: a Date (then moved on by the time this call
   * takes) or a clock to read. Tests use it to move time forward.
   */
  now?: Date | (() => Date)
  database?: PlazaDatabase
  leaseMs?: number
  /** The From address (default: MAIL_FROM). */
  from?: string
  log?: { warn: (obj: object, msg: string) => void }
}

/** When the next attempt may start after `attempts` failed ones; null when there is none. */
export function nextAttemptAfter(attempts: number, failedAt: Date): Date | null {
  const delay = RETRY_DELAYS_MS[attempts - 1]
  return attempts >= MAX_ATTEMPTS || delay === undefined ? null : new Date(failedAt.getTime() + delay)
}

/** Claim the due mails and send them one by one; record each outcome. */
export async function deliverDueMail(options: DeliverOptions): Promise<DeliveryReport> {
  const db = options.database ?? database()
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS
  const started = Date.now()
  const given = options.now ?? new Date()
  const clock = typeof given === 'function' ? given : () => new Date(given.getTime() + (Date.now() - started))
  const startedAt = clock()
  const claimed = await claimDueMail(options.limit ?? 20, startedAt, { database: db, leaseMs })
  const report: DeliveryReport = { sent: 0, retried: 0, failed: 0 }
  const from = options.from ?? config().MAIL_FROM

  for (let i = 0; i < claimed.length; i++) {
    const mail = claimed[i]!
    if (mail.attempts > MAX_ATTEMPTS) {
      // Its last attempt never reported back (the sender died while sending).
      await finish(db, mail, { status: 'failed', last_error: `No result after ${MAX_ATTEMPTS} attempts`, next_attempt_at: mail.claimed_until }, options.log)
      report.failed++
      continue
    }
    if (Date.now() - started > leaseMs - SEND_MARGIN_MS) {
      // Too little of the lease is left to send safely: hand the rest back untouched.
      await release(db, claimed.slice(i), clock())
      break
    }
    try {
      const info = await options.transport.sendMail({
        from,
        to: mail.to_address,
        ...(mail.reply_to ? { replyTo: mail.reply_to } : {}),
        subject: mail.subject,
        text: mail.text_body,
        ...(mail.html_body ? { html: mail.html_body } : {}),
        ...(mail.attachments ? { attachments: inlineAttachments(mail.attachments) } : {}),
        // The row's id travels with the mail, so a bounce (a DSN quotes the original headers) finds it.
        headers: { ...parseHeaders(mail.headers), 'X-Plaza-Outbox-Id': String(mail.id) },
        messageId: messageIdFor(mail, from),
      })
      const sentAt = clock().toISOString()
      await finish(
        db,
        mail,
        {
          status: 'sent',
          sent_at: sentAt,
          message_id: info.messageId ?? messageIdFor(mail, from),
          last_error: null,
          next_attempt_at: sentAt,
        },
        options.log,
      )
      report.sent++
    } catch (error) {
      const failure = classifyFailure(error)
      const failedAt = clock()
      const retryAt = failure.permanent ? null : nextAttemptAfter(mail.attempts, failedAt)
      if (retryAt) {
        await finish(db, mail, { status: 'pending', last_error: failure.message, next_attempt_at: retryAt.toISOString() })
        report.retried++
      } else {
        await finish(db, mail, { status: 'failed', last_error: failure.message, next_attempt_at: failedAt.toISOString() }, options.log)
        report.failed++
      }
      options.log?.warn({ mailId: mail.id, kind: mail.kind, attempts: mail.attempts, permanent: failure.permanent, error: failure.message }, 'mail not delivered')
    }
  }
  return report
}

type Outcome = { status: OutboxStatus; next_attempt_at: string; last_error?: string | null; sent_at?: string; message_id?: string }

/** A mail's final outcome: delivered to the next server, or given up on (with the reason recorded). */
export type MailOutcome = { status: 'sent'; at: string } | { status: 'failed'; at: string; reason: string }
export type MailOutcomeHandler = (trx: Transaction<Database>, mail: OutboxRow, outcome: MailOutcome) => Promise<void>

// Process-wide for the same reason as the listeners above: the worker started by scripts/start.ts
// and the server bundle (where capabilities register) load this module separately.
const outcomeHandlers: Map<string, MailOutcomeHandler> = ((globalThis as { __plazaMailOutcomeHandlers?: Map<string, MailOutcomeHandler> }).__plazaMailOutcomeHandlers ??= new Map())

/**
 * Hear the final outcome (sent, or failed for good) of every mail whose kind is `kindPrefix` or starts
 * with `kindPrefix.`, inside the write that records it: what the handler writes commits with the
 * outcome, or not at all. A handler that throws is rolled back alone (its own savepoint) and logged;
 * the outcome is still recorded. Registering a prefix again replaces its handler.
 * See docs/decisions/070-mail-outcome-hook.md.
 */
export function onMailOutcome(kindPrefix: string, handler: MailOutcomeHandler): () => void {
  outcomeHandlers.set(kindPrefix, handler)
  return () => {
    if (outcomeHandlers.get(kindPrefix) === handler) outcomeHandlers.delete(kindPrefix)
  }
}

const handlersFor = (kind: string) => [...outcomeHandlers].filter(([prefix]) => kind === prefix || kind.startsWith(`${prefix}.`)).map(([, h]) => h)

// Only the claim that holds the row may record its outcome.
async function finish(db: PlazaDatabase, mail: ClaimedMail, outcome: Outcome, log?: DeliverOptions['log']) {
  const final = outcome.status === 'sent' || outcome.status === 'failed'
  const handlers = final ? handlersFor(mail.kind) : []
  await db.write(async (trx) => {
    const row = await trx
      .updateTable('outbox')
      .set({ ...outcome, claim_token: null, claimed_until: null })
      .where('id', '=', mail.id)
      .where('claim_token', '=', mail.claim_token)
      .returningAll()
      .executeTakeFirst()
    if (!row || handlers.length === 0) return
    const heard: MailOutcome =
      outcome.status === 'sent' ? { status: 'sent', at: outcome.sent_at ?? outcome.next_attempt_at } : { status: 'failed', at: outcome.next_attempt_at, reason: outcome.last_error ?? 'failed' }
    for (let i = 0; i < handlers.length; i++) {
      const savepoint = sql.raw(`mail_outcome_${i}`)
      await sql`savepoint ${savepoint}`.execute(trx)
      try {
        await handlers[i]!(trx, row, heard)
        await sql`release savepoint ${savepoint}`.execute(trx)
      } catch (error) {
        await sql`rollback to savepoint ${savepoint}`.execute(trx)
        await sql`release savepoint ${savepoint}`.execute(trx)
        log?.warn({ mailId: mail.id, kind: mail.kind, error: error instanceof Error ? error.message : String(error) }, 'mail outcome handler failed')
      }
    }
  })
}

async function release(db: PlazaDatabase, mails: ClaimedMail[], now: Date) {
  await db.write(async (trx) => {
    for (const mail of mails) {
      await trx
        .updateTable('outbox')
        .set((eb) => ({
          status: 'pending',
          attempts: eb('attempts', '-', 1),
          next_attempt_at: now.toISOString(),
          claim_token: null,
          claimed_until: null,
        }))
        .where('id', '=', mail.id)
        .where('claim_token', '=', mail.claim_token)
        .execute()
    }
  })
}

const headersSchema = z.record(z.string(), z.string())
function parseHeaders(json: string): Record<string, string> {
  try {
    return headersSchema.parse(JSON.parse(json))
  } catch {
    return {}
  }
}

/** The same Message-ID for every attempt of a mail, so a rare duplicate is recognisable as one. */
function messageIdFor(mail: Pick<OutboxRow, 'id' | 'created_at'>, from: string) {
  const domain = /@([^\s>]+)>?\s*$/.exec(from)?.[1] ?? 'plaza.invalid'
  return `<plaza.${mail.id}.${Date.parse(mail.created_at).toString(36)}@${domain}>`
}

export interface MailStatus {
  id: number
  kind: string
  status: OutboxStatus
  attempts: number
  lastError: string | null
  nextAttemptAt: string | null
  sentAt: string | null
  messageId: string | null
}

/** Where a mail stands, for the capability that queued it (e.g. a letter telling its sender). */
export async function mailStatus(id: number, options: { database?: PlazaDatabase } = {}): Promise<MailStatus | null> {
  const db = options.database ?? database()
  const row = await db.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) return null
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    nextAttemptAt: row.status === 'pending' || row.status === 'sending' ? row.next_attempt_at : null,
    sentAt: row.sent_at,
    messageId: row.message_id,
  }
}

export interface OutboxPage {
  mails: Array<Pick<OutboxRow, 'id' | 'kind' | 'to_address' | 'subject' | 'status' | 'created_at'>>
  hasOlder: boolean
}

/** The outbox newest first, `pageSize` mails per page (for /dev/mail). */
export async function listOutbox(page: number, pageSize = 50, options: { database?: PlazaDatabase } = {}): Promise<OutboxPage> {
  const db = options.database ?? database()
  const rows = await db.db
    .selectFrom('outbox')
    .select(['id', 'kind', 'to_address', 'subject', 'status', 'created_at'])
    .orderBy('id', 'desc')
    .limit(pageSize + 1)
    .offset((page - 1) * pageSize)
    .execute()
  return { mails: rows.slice(0, pageSize), hasOlder: rows.length > pageSize }
}

/** One mail with everything stored about it (for /dev/mail/:id). */
export async function outboxMail(id: number, options: { database?: PlazaDatabase } = {}) {
  const db = options.database ?? database()
  const row = await db.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst()
  return row ? { ...row, headers: parseHeaders(row.headers) } : null
}
