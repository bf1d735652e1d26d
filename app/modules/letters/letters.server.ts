import crypto from 'node:crypto'
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding'
import type { Selectable, Transaction } from 'kysely'
import { z } from 'zod'
import type { Database, LetterAnswer, LetterDeliveryStatus, LettersTable, LetterStatus } from '../../../db/schema'
import { config } from '../../lib/config.server'
import { database } from '../../lib/db.server'
import { isLocale, type Locale } from '../../lib/i18n'
import { translator } from '../../lib/i18n.server'
import { composeMail, onMailOutcome, queueMail, type ComposedMail, type MailOutcome, type OutboxRow } from '../../lib/mail/outbox.server'
import { secretKey } from '../../lib/secrets.server'
import { generateToken, hashToken } from '../accounts/sessions.server'
import { checkLetterLimits, ipKeyOf, letterSignature, letterSimilarity, selfRecipients, senderKeyOf } from './abuse.server'
import { getRepresentative, representativesFor, type Place, type RepresentativeGroup } from './representatives.server'
import { groupKey } from './groups'
import { isEmptySignature, signatureFromBuffer, signatureToBuffer } from './similarity'
import { citySettings } from '../city/settings.server'
import { recordAudit } from '../moderation/moderation.server'

export { groupKey }

/**
 * Letters to representatives (issue 9): writing, confirming, delivering, the sender's status page,
 * staff review of frozen letters, and retention. The only code that writes `letters` and
 * `letter_deliveries` (the questionnaire columns are questionnaire.server.ts's; bounces.server.ts
 * fails a delivery through `failDelivery`).
 *
 * A letter is stored 'unconfirmed' with one 'waiting' delivery per representative and a
 * confirmation mail, in one write; nothing goes out until the sender confirms. Confirming runs the
 * campaign check: a letter near-identical to those of several other senders is 'frozen' for review;
 * otherwise each delivery is 'queued' with its mail in the outbox, and becomes 'sent' or 'failed'
 * when the outbox finishes it (onMailOutcome, ADR 070).
 *
 * Tokens. The status page token and the questionnaire token are derived from the row id with
 * HMAC-SHA256(secret key) (as report alerts, ADR 043), so every later mail (failure, questionnaire,
 * reminder) can carry them while the table keeps only their SHA-256. The confirmation token is
 * random and one-use.
 */

export const BODY_MAX = 10_000
export const SUBJECT_MAX = 200
export const ADDRESS_MAX = 500
export const NAME_MAX = 120
/** Most representatives one letter goes to. */
export const MAX_RECIPIENTS = 30
/** Unconfirmed letters older than this expire (their text deleted). */
export const UNCONFIRMED_DAYS = 7
/** The questionnaire is sent this long after delivery; the reminder a week after it. */
export const QUESTIONNAIRE_AFTER_DAYS = 14
export const REMINDER_AFTER_DAYS = 7

const DAY = 86_400_000
const link = (path: string) => `${config().PUBLIC_URL}${path}`
export const statusPath = (token: string) => `/letters/${token}`
export const confirmPath = (token: string) => `/letters/confirm/${token}`
export const TOKEN_RE = /^[a-z2-7]{32}$/

// ---------------------------------------------------------------- input

const singleLine = (max: number, required: string, tooLong: string) =>
  z
    .string({ message: required })
    .transform((v) => v.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim())
    .pipe(z.string().min(1, required).max(max, tooLong))

export const letterFieldsSchema = z.object({
  name: singleLine(NAME_MAX, 'letters:errors.name', 'letters:errors.nameLong'),
  email: z.string({ message: 'letters:errors.email' }).trim().max(254, 'letters:errors.email').pipe(z.email('letters:errors.email')),
  address: z
    .string({ message: 'letters:errors.address' })
    .transform((v) =>
      v
        .replace(/\r\n?/g, '\n')
        .replace(/[\u0000-\u0009\u000b-\u001f\u007f]+/g, ' ')
        .trim(),
    )
    .pipe(z.string().min(5, 'letters:errors.address').max(ADDRESS_MAX, 'letters:errors.addressLong')),
  subject: singleLine(SUBJECT_MAX, 'letters:errors.subject', 'letters:errors.subjectLong'),
  body: z
    .string({ message: 'letters:errors.body' })
    .transform((v) =>
      v
        .replace(/\r\n?/g, '\n')
        .replace(/[\u0000-\u0008\u000b-\u001f\u007f]+/g, '')
        .trim(),
    )
    .pipe(z.string().min(20, 'letters:errors.bodyShort').max(BODY_MAX, 'letters:errors.bodyLong')),
})
export type LetterFields = z.output<typeof letterFieldsSchema>

// ---------------------------------------------------------------- tokens

const derived = (key: Buffer, purpose: string, id: number) => encodeBase32LowerCaseNoPadding(crypto.createHmac('sha256', key).update(`${purpose}\u0000${id}`).digest().subarray(0, 20))

/** The sender's status page token of a letter. */
export async function letterToken(letterId: number): Promise<string> {
  return derived(await secretKey(), 'letter', letterId)
}
/** The questionnaire token of a delivery. */
export async function questionnaireToken(deliveryId: number): Promise<string> {
  return derived(await secretKey(), 'letter-questionnaire', deliveryId)
}
export const tokenKey = () => secretKey()
export const deriveLetterToken = (key: Buffer, letterId: number) => derived(key, 'letter', letterId)
export const deriveQuestionnaireToken = (key: Buffer, deliveryId: number) => derived(key, 'letter-questionnaire', deliveryId)

// ---------------------------------------------------------------- the mails

export interface LetterContent {
  senderName: string
  senderEmail: string
  senderAddress: string
  subject: string
  body: string
}

/** A display name safe inside a quoted header phrase. */
const headerName = (name: string) =>
  name
    .replace(/["\\<>\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 160) || 'Constituent'
export const replyToOf = (name: string, email: string) => `"${headerName(name)}" <${email}>`

/**
 * The mail a representative receives, exactly (the preview shows this): in the site's language
 * (DEFAULT_LOCALE), around the sender's own text, signed with their name, postal address and
 * e-mail, and a footer saying it came through Plaza and that a reply goes straight to the sender.
 */
export function letterToRepresentative(representativeName: string, letter: LetterContent): ComposedMail & { replyTo: string } {
  const locale = config().DEFAULT_LOCALE
  const t = translator(locale)
  const site = new URL(config().PUBLIC_URL).host
  const mail = composeMail({
    locale,
    subject: letter.subject,
    greeting: t('letters:delivery.greeting', { name: representativeName }),
    paragraphs: [letter.body, `${letter.senderName}\n${letter.senderAddress}\n${letter.senderEmail}`],
    footer: t('letters:delivery.footer', { site, name: letter.senderName, email: letter.senderEmail }),
  })
  return { ...mail, replyTo: replyToOf(letter.senderName, letter.senderEmail) }
}

const localeOf = (value: string | null | undefined): Locale => (isLocale(value) ? value : config().DEFAULT_LOCALE)
const list = (names: string[], locale: Locale) => new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' }).format(names)

function confirmationMail(locale: Locale, input: { name: string; subject: string; recipients: string[]; confirmToken: string; statusToken: string }) {
  const t = translator(locale)
  return composeMail({
    locale,
    subject: t('letters:mail.confirm.subject', { subject: input.subject }),
    greeting: t('letters:mail.greeting', { name: input.name }),
    paragraphs: [
      t('letters:mail.confirm.body', { recipients: list(input.recipients, locale), subject: input.subject }),
      t('letters:mail.confirm.ignore', { days: UNCONFIRMED_DAYS }),
      t('letters:mail.statusLink', { url: link(statusPath(input.statusToken)) }),
    ],
    action: { label: t('letters:mail.confirm.action'), url: link(confirmPath(input.confirmToken)) },
  })
}

function frozenMail(locale: Locale, input: { name: string; subject: string; statusToken: string }) {
  const t = translator(locale)
  return composeMail({
    locale,
    subject: t('letters:mail.frozen.subject', { subject: input.subject }),
    greeting: t('letters:mail.greeting', { name: input.name }),
    paragraphs: [t('letters:mail.frozen.body'), t('letters:mail.frozen.petition', { url: link('/petitions/new') })],
    action: { label: t('letters:mail.statusAction'), url: link(statusPath(input.statusToken)) },
  })
}

function failedMail(locale: Locale, input: { name: string; subject: string; representative: string; reason: string; statusToken: string }) {
  const t = translator(locale)
  return composeMail({
    locale,
    subject: t('letters:mail.failed.subject', { representative: input.representative }),
    greeting: t('letters:mail.greeting', { name: input.name }),
    paragraphs: [t('letters:mail.failed.body', { representative: input.representative, subject: input.subject }), t('letters:mail.failed.reason', { reason: input.reason })],
    action: { label: t('letters:mail.statusAction'), url: link(statusPath(input.statusToken)) },
  })
}

function rejectedMail(locale: Locale, input: { name: string; subject: string; note: string | null; statusToken: string }) {
  const t = translator(locale)
  return composeMail({
    locale,
    subject: t('letters:mail.rejected.subject', { subject: input.subject }),
    greeting: t('letters:mail.greeting', { name: input.name }),
    paragraphs: [t('letters:mail.rejected.body'), ...(input.note ? [t('letters:mail.rejected.note', { note: input.note })] : []), t('letters:mail.frozen.petition', { url: link('/petitions/new') })],
    action: { label: t('letters:mail.statusAction'), url: link(statusPath(input.statusToken)) },
  })
}

// ---------------------------------------------------------------- choosing representatives

export interface Recipient {
  id: number
  name: string
  role: string
  email: string
}

export type RecipientsResult = { ok: true; recipients: Recipient[] } | { ok: false; reason: 'none' | 'tooMany' | 'unavailable'; ids: number[] }

/**
 * The chosen representatives, checked against the place: each must be an active representative of
 * it whose address does not bounce. `all` names groups ("level:areaId") chosen whole.
 */
export async function chosenRecipients(place: Place, ids: readonly number[], all: readonly string[] = [], groups?: RepresentativeGroup[]): Promise<RecipientsResult> {
  const found = groups ?? (await representativesFor(place))
  const members = new Map(found.flatMap((g) => g.members.map((m) => [m.id, m] as const)))
  const wanted = new Set(ids)
  for (const g of found) if (all.includes(groupKey(g))) for (const m of g.members) if (!m.bounced) wanted.add(m.id)
  if (wanted.size === 0) return { ok: false, reason: 'none', ids: [] }
  if (wanted.size > MAX_RECIPIENTS) return { ok: false, reason: 'tooMany', ids: [...wanted] }
  const unavailable = [...wanted].filter((id) => !members.has(id) || members.get(id)!.bounced)
  if (unavailable.length) return { ok: false, reason: 'unavailable', ids: unavailable }
  const recipients: Recipient[] = []
  for (const id of wanted) {
    const r = await getRepresentative(id)
    if (!r || r.emailBouncedAt) return { ok: false, reason: 'unavailable', ids: [id] }
    recipients.push({ id: r.id, name: r.name, role: r.role, email: r.email })
  }
  return { ok: true, recipients }
}

// ---------------------------------------------------------------- writing

export interface WriteLetterInput extends LetterFields {
  recipients: Recipient[]
  place: Place
  locale: Locale
  userId: number | null
  ip: string
}

export type WriteLetterResult = { kind: 'written'; letterId: number; statusToken: string } | { kind: 'limited'; which: 'sender' | 'ip'; retryAfterSeconds: number } | { kind: 'self'; names: string[] }

/**
 * Stores the letter 'unconfirmed' with a 'waiting' delivery per recipient and queues the
 * confirmation mail, in one write — after the submission checks (limits per sender and IP, no
 * letter to oneself). The fingerprint is computed before the write.
 */
export async function writeLetter(input: WriteLetterInput, now: Date = new Date()): Promise<WriteLetterResult> {
  const self = selfRecipients(input.email, input.recipients)
  if (self.length) return { kind: 'self', names: self.map((r) => r.name) }
  const senderKey = senderKeyOf(input.email)
  const ipKey = input.ip && input.ip !== 'unknown' ? ipKeyOf(input.ip) : null
  const signature = letterSignature(input.body)
  const fingerprint = isEmptySignature(signature) ? null : signatureToBuffer(signature)
  const confirmToken = generateToken()
  const key = await tokenKey()
  const at = now.toISOString()
  const result = await database().write(async (trx): Promise<WriteLetterResult> => {
    const limit = await checkLetterLimits(trx, { senderKey, ipKey }, now)
    if (limit.kind !== 'ok') return { kind: 'limited', which: limit.kind, retryAfterSeconds: limit.retryAfterSeconds }
    const row = await trx
      .insertInto('letters')
      .values({
        // Replaced below: the status token is derived from the id the insert gives.
        token_hash: `pending:${confirmToken}`,
        confirm_token_hash: hashToken(confirmToken),
        status: 'unconfirmed',
        sender_user_id: input.userId,
        sender_name: input.name,
        sender_email: input.email,
        sender_key: senderKey,
        sender_address: input.address,
        lat: 'lat' in input.place ? input.place.lat : null,
        lng: 'lng' in input.place ? input.place.lng : null,
        area_id: 'areaId' in input.place ? input.place.areaId : null,
        subject: input.subject,
        body: input.body,
        fingerprint,
        frozen_reason: null,
        frozen_details: null,
        reviewed_by: null,
        reviewed_at: null,
        review_note: null,
        ip: input.ip && input.ip !== 'unknown' ? input.ip.slice(0, 64) : null,
        ip_key: ipKey,
        locale: input.locale,
        created_at: at,
        confirmed_at: null,
        body_deleted_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const statusToken = deriveLetterToken(key, row.id)
    await trx
      .updateTable('letters')
      .set({ token_hash: hashToken(statusToken) })
      .where('id', '=', row.id)
      .execute()
    await trx
      .insertInto('letter_deliveries')
      .values(input.recipients.map((r) => ({ letter_id: row.id, representative_id: r.id, status: 'waiting' as const })))
      .execute()
    const mail = confirmationMail(input.locale, { name: input.name, subject: input.subject, recipients: input.recipients.map((r) => r.name), confirmToken, statusToken })
    await queueMail(trx, { kind: 'letters.confirm', to: input.email, ...mail })
    return { kind: 'written', letterId: row.id, statusToken }
  })
  if (result.kind === 'written' && fingerprint) letterSimilarity().add(result.letterId, signature)
  return result
}

// ---------------------------------------------------------------- confirming

export interface PendingLetter {
  id: number
  subject: string
  senderName: string
  recipients: string[]
  createdAt: string
}

/** The unconfirmed letter a confirmation link names (for the page that asks to confirm). */
export async function pendingLetter(confirmToken: string): Promise<PendingLetter | null> {
  if (!TOKEN_RE.test(confirmToken)) return null
  const letter = await database().db.selectFrom('letters').select(['id', 'subject', 'sender_name', 'created_at', 'status']).where('confirm_token_hash', '=', hashToken(confirmToken)).executeTakeFirst()
  if (!letter || letter.status !== 'unconfirmed') return null
  const recipients = await database()
    .db.selectFrom('letter_deliveries as d')
    .innerJoin('representatives as r', 'r.id', 'd.representative_id')
    .select('r.name')
    .where('d.letter_id', '=', letter.id)
    .orderBy('d.id')
    .execute()
  return { id: letter.id, subject: letter.subject, senderName: letter.sender_name, recipients: recipients.map((r) => r.name), createdAt: letter.created_at }
}

export type ConfirmResult = { kind: 'queued' | 'frozen'; statusToken: string } | { kind: 'invalid' }

/**
 * The sender's confirmation: the campaign check, then in one write (conditional on the letter still
 * being unconfirmed, so two clicks confirm once) either each delivery queued with its mail to the
 * representative, or the letter frozen for review and the sender told why.
 */
export async function confirmLetter(confirmToken: string, now: Date = new Date()): Promise<ConfirmResult> {
  if (!TOKEN_RE.test(confirmToken)) return { kind: 'invalid' }
  const letter = await database().db.selectFrom('letters').selectAll().where('confirm_token_hash', '=', hashToken(confirmToken)).executeTakeFirst()
  if (!letter || letter.status !== 'unconfirmed' || letter.body === null) return { kind: 'invalid' }
  const key = await tokenKey()
  const statusToken = deriveLetterToken(key, letter.id)
  const signature = letter.fingerprint ? signatureFromBuffer(letter.fingerprint) : null
  const check = signature ? await letterSimilarity().check(signature, letter.sender_key, letter.id) : null
  const frozen = check?.campaign ?? false
  const deliveries = await deliveryMails(letter.id, letter)
  const at = now.toISOString()
  const done = await database().write(async (trx) => {
    const claimed = await trx
      .updateTable('letters')
      .set({
        status: frozen ? 'frozen' : 'confirmed',
        confirmed_at: at,
        confirm_token_hash: null,
        frozen_reason: frozen ? 'similar' : null,
        frozen_details: frozen ? JSON.stringify({ senders: check!.senders, letters: check!.matches.length, sample: check!.matches.slice(0, 10) }) : null,
      })
      .where('id', '=', letter.id)
      .where('status', '=', 'unconfirmed')
      .executeTakeFirst()
    if (!claimed.numUpdatedRows) return false
    if (frozen) {
      await trx.updateTable('letter_deliveries').set({ status: 'frozen' }).where('letter_id', '=', letter.id).where('status', '=', 'waiting').execute()
      await queueMail(trx, { kind: 'letters.frozen', to: letter.sender_email, ...frozenMail(localeOf(letter.locale), { name: letter.sender_name, subject: letter.subject, statusToken }) })
    } else {
      await queueDeliveries(trx, deliveries, ['waiting'], at)
    }
    return true
  })
  if (!done) return { kind: 'invalid' }
  return { kind: frozen ? 'frozen' : 'queued', statusToken }
}

interface DeliveryMail {
  deliveryId: number
  representativeId: number
  email: string
  bouncedAt: string | null
  mail: ComposedMail & { replyTo: string }
}

async function deliveryMails(letterId: number, letter: { sender_name: string; sender_email: string; sender_address: string; subject: string; body: string | null }): Promise<DeliveryMail[]> {
  const rows = await database()
    .db.selectFrom('letter_deliveries as d')
    .innerJoin('representatives as r', 'r.id', 'd.representative_id')
    .select(['d.id', 'd.representative_id', 'r.name', 'r.email', 'r.email_bounced_at'])
    .where('d.letter_id', '=', letterId)
    .orderBy('d.id')
    .execute()
  const content: LetterContent = { senderName: letter.sender_name, senderEmail: letter.sender_email, senderAddress: letter.sender_address, subject: letter.subject, body: letter.body ?? '' }
  return rows.map((r) => ({ deliveryId: r.id, representativeId: r.representative_id, email: r.email, bouncedAt: r.email_bounced_at, mail: letterToRepresentative(r.name, content) }))
}

/** Queues the mail of each delivery still in one of `from`; a bouncing address fails the delivery instead. */
async function queueDeliveries(trx: Transaction<Database>, deliveries: DeliveryMail[], from: LetterDeliveryStatus[], at: string) {
  const t = translator(config().DEFAULT_LOCALE)
  for (const d of deliveries) {
    const current = await trx.selectFrom('letter_deliveries').select('status').where('id', '=', d.deliveryId).executeTakeFirst()
    if (!current || !from.includes(current.status)) continue
    if (d.bouncedAt) {
      await trx
        .updateTable('letter_deliveries')
        .set({ status: 'failed', failed_at: at, failure_reason: t('letters:status.bouncingAddress') })
        .where('id', '=', d.deliveryId)
        .execute()
      continue
    }
    const outboxId = await queueMail(trx, { kind: 'letters.deliver', to: d.email, replyTo: d.mail.replyTo, subject: d.mail.subject, text: d.mail.text, html: d.mail.html })
    await trx.updateTable('letter_deliveries').set({ status: 'queued', queued_at: at, outbox_id: outboxId }).where('id', '=', d.deliveryId).execute()
  }
}

// ---------------------------------------------------------------- delivery outcome

/**
 * The outbox finished a letter's mail (onMailOutcome, inside its write): the delivery becomes
 * 'sent' (the questionnaire due two weeks later) or 'failed' with the server's words, and the
 * sender is told of a failure. Conditional on the delivery still being 'queued', so hearing the
 * same outcome twice (the hook and the reconciling job) changes nothing.
 */
export async function applyDeliveryOutcome(trx: Transaction<Database>, mail: Pick<OutboxRow, 'id'>, outcome: MailOutcome): Promise<void> {
  const delivery = await trx.selectFrom('letter_deliveries').select(['id', 'letter_id', 'representative_id', 'status']).where('outbox_id', '=', mail.id).executeTakeFirst()
  if (!delivery || delivery.status !== 'queued') return
  if (outcome.status === 'sent') {
    const due = new Date(Date.parse(outcome.at) + QUESTIONNAIRE_AFTER_DAYS * DAY).toISOString()
    await trx.updateTable('letter_deliveries').set({ status: 'sent', sent_at: outcome.at, questionnaire_due_at: due }).where('id', '=', delivery.id).where('status', '=', 'queued').execute()
    return
  }
  await failDelivery(trx, delivery.id, outcome.reason, outcome.at, ['queued'])
}

/**
 * Marks a delivery failed (from the outbox, or a permanent bounce after it was sent) and queues the
 * mail telling the sender. Returns whether it changed the delivery.
 */
export async function failDelivery(trx: Transaction<Database>, deliveryId: number, reason: string, at: string, from: LetterDeliveryStatus[]): Promise<boolean> {
  const cleanReason =
    reason
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .trim()
      .slice(0, 1000) || 'failed'
  const changed = await trx
    .updateTable('letter_deliveries')
    .set({ status: 'failed', failed_at: at, failure_reason: cleanReason, questionnaire_due_at: null })
    .where('id', '=', deliveryId)
    .where('status', 'in', from)
    .returning(['letter_id', 'representative_id'])
    .executeTakeFirst()
  if (!changed) return false
  const letter = await trx.selectFrom('letters').select(['id', 'sender_name', 'sender_email', 'subject', 'locale']).where('id', '=', changed.letter_id).executeTakeFirstOrThrow()
  const rep = await trx.selectFrom('representatives').select('name').where('id', '=', changed.representative_id).executeTakeFirst()
  const key = await keyIn(trx)
  await queueMail(trx, {
    kind: 'letters.failed',
    to: letter.sender_email,
    ...failedMail(localeOf(letter.locale), { name: letter.sender_name, subject: letter.subject, representative: rep?.name ?? '', reason: cleanReason, statusToken: deriveLetterToken(key, letter.id) }),
  })
  return true
}

/**
 * The key inside a write (secretKey() may need its own write the first time, which cannot run
 * inside ours). It exists by then: writing the letter called secretKey().
 */
async function keyIn(trx: Transaction<Database>): Promise<Buffer> {
  const fromEnv = config().SECRET_KEY
  if (fromEnv) return Buffer.from(fromEnv, 'utf8')
  const row = await trx.selectFrom('settings').select('value').where('key', '=', 'secret_key').executeTakeFirst()
  if (!row) throw new Error('letters: no secret key in settings')
  return Buffer.from(JSON.parse(row.value) as string, 'utf8')
}

/**
 * Deliveries still 'queued' whose mail the outbox has finished (a process that delivered it had not
 * registered the hook, e.g. `npm run mail:worker`): applies the outcome now. Safe to run anywhere,
 * any number of times.
 */
export async function reconcileDeliveries(limit = 200): Promise<number> {
  const rows = await database()
    .db.selectFrom('letter_deliveries as d')
    .innerJoin('outbox as o', 'o.id', 'd.outbox_id')
    .select(['o.id', 'o.status', 'o.sent_at', 'o.last_error', 'o.next_attempt_at'])
    .where('d.status', '=', 'queued')
    .where('o.status', 'in', ['sent', 'failed'])
    .limit(limit)
    .execute()
  if (rows.length === 0) return 0
  await database().write(async (trx) => {
    for (const r of rows) {
      const outcome: MailOutcome = r.status === 'sent' ? { status: 'sent', at: r.sent_at ?? r.next_attempt_at } : { status: 'failed', at: r.next_attempt_at, reason: r.last_error ?? 'failed' }
      await applyDeliveryOutcome(trx, r, outcome)
    }
  })
  return rows.length
}

/** Registers the outbox hook (registry.server.ts, and the background jobs' process). */
export function registerLetterMail() {
  onMailOutcome('letters.deliver', applyDeliveryOutcome)
}

// ---------------------------------------------------------------- the status page

export interface DeliveryView {
  id: number
  representative: { id: number; name: string; role: string }
  status: LetterDeliveryStatus
  failureReason: string | null
  queuedAt: string | null
  sentAt: string | null
  failedAt: string | null
  answer: LetterAnswer | null
  answeredAt: string | null
}

export interface LetterView {
  id: number
  status: LetterStatus
  subject: string
  body: string | null
  senderName: string
  senderEmail: string
  senderAddress: string
  createdAt: string
  confirmedAt: string | null
  bodyDeletedAt: string | null
  frozenReason: string | null
  reviewNote: string | null
  deliveries: DeliveryView[]
}

/** The letter a status link names (the sender's private page); null for an unknown token. */
export async function letterByToken(token: string): Promise<LetterView | null> {
  if (!TOKEN_RE.test(token)) return null
  const letter = await database().db.selectFrom('letters').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst()
  return letter ? letterView(letter) : null
}

async function letterView(letter: Selectable<LettersTable>): Promise<LetterView> {
  const deliveries = await database()
    .db.selectFrom('letter_deliveries as d')
    .innerJoin('representatives as r', 'r.id', 'd.representative_id')
    .select(['d.id', 'r.id as repId', 'r.name', 'r.role', 'd.status', 'd.failure_reason', 'd.queued_at', 'd.sent_at', 'd.failed_at', 'd.answer', 'd.answered_at'])
    .where('d.letter_id', '=', letter.id)
    .orderBy('d.id')
    .execute()
  return {
    id: letter.id,
    status: letter.status,
    subject: letter.subject,
    body: letter.body,
    senderName: letter.sender_name,
    senderEmail: letter.sender_email,
    senderAddress: letter.sender_address,
    createdAt: letter.created_at,
    confirmedAt: letter.confirmed_at,
    bodyDeletedAt: letter.body_deleted_at,
    frozenReason: letter.frozen_reason,
    reviewNote: letter.status === 'rejected' ? letter.review_note : null,
    deliveries: deliveries.map((d) => ({
      id: d.id,
      representative: { id: d.repId, name: d.name, role: d.role },
      status: d.status,
      failureReason: d.failure_reason,
      queuedAt: d.queued_at,
      sentAt: d.sent_at,
      failedAt: d.failed_at,
      answer: d.answer,
      answeredAt: d.answered_at,
    })),
  }
}

// ---------------------------------------------------------------- review of frozen letters

export interface FrozenLetterSummary {
  id: number
  subject: string
  senderName: string
  createdAt: string
  confirmedAt: string | null
  reason: string | null
  similarSenders: number
  recipients: number
}

/** Letters waiting for review, oldest first. */
export async function frozenLetters(limit = 100): Promise<FrozenLetterSummary[]> {
  const rows = await database()
    .db.selectFrom('letters as l')
    .select((eb) => [
      'l.id',
      'l.subject',
      'l.sender_name',
      'l.created_at',
      'l.confirmed_at',
      'l.frozen_reason',
      'l.frozen_details',
      eb
        .selectFrom('letter_deliveries as d')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('d.letter_id', '=', 'l.id')
        .as('recipients'),
    ])
    .where('l.status', '=', 'frozen')
    .orderBy('l.created_at')
    .limit(limit)
    .execute()
  return rows.map((r) => ({
    id: r.id,
    subject: r.subject,
    senderName: r.sender_name,
    createdAt: r.created_at,
    confirmedAt: r.confirmed_at,
    reason: r.frozen_reason,
    similarSenders: frozenDetails(r.frozen_details).senders,
    recipients: Number(r.recipients ?? 0),
  }))
}

const detailsSchema = z.object({ senders: z.number().default(0), letters: z.number().default(0), sample: z.array(z.object({ id: z.number(), similarity: z.number() })).default([]) })
function frozenDetails(json: string | null) {
  try {
    return detailsSchema.parse(JSON.parse(json ?? '{}'))
  } catch {
    return { senders: 0, letters: 0, sample: [] }
  }
}

export interface FrozenLetterDetail extends LetterView {
  similar: { senders: number; letters: number; sample: Array<{ id: number; similarity: number; subject: string; senderName: string; createdAt: string; status: LetterStatus; body: string | null }> }
}

/** One letter for review: its text, why it was frozen, and the similar letters (count and a sample). */
export async function letterForReview(id: number): Promise<FrozenLetterDetail | null> {
  if (!Number.isSafeInteger(id)) return null
  const letter = await database().db.selectFrom('letters').selectAll().where('id', '=', id).executeTakeFirst()
  if (!letter) return null
  const view = await letterView(letter)
  const details = frozenDetails(letter.frozen_details)
  // Fresh from the index when the text is still there (the campaign may have grown since).
  let sample = details.sample
  let senders = details.senders
  let letters = details.letters
  if (letter.fingerprint) {
    const check = await letterSimilarity().check(signatureFromBuffer(letter.fingerprint), letter.sender_key, letter.id)
    if (check.matches.length >= letters) {
      sample = check.matches.slice(0, 10)
      senders = Math.max(senders, check.senders)
      letters = check.matches.length
    }
  }
  const rows = sample.length
    ? await database()
        .db.selectFrom('letters')
        .select(['id', 'subject', 'sender_name', 'created_at', 'status', 'body'])
        .where(
          'id',
          'in',
          sample.map((s) => s.id),
        )
        .execute()
    : []
  const byId = new Map(rows.map((r) => [r.id, r]))
  return {
    ...view,
    similar: {
      senders,
      letters,
      sample: sample.flatMap((s) => {
        const r = byId.get(s.id)
        return r ? [{ id: r.id, similarity: s.similarity, subject: r.subject, senderName: r.sender_name, createdAt: r.created_at, status: r.status, body: r.body }] : []
      }),
    },
  }
}

export type ReviewResult = { kind: 'ok' } | { kind: 'notFrozen' }

/** A reviewer lets a frozen letter go: every frozen delivery is queued; an audit row. */
export async function releaseLetter(actorId: number, id: number, note: string | null, now: Date = new Date()): Promise<ReviewResult> {
  const letter = await database().db.selectFrom('letters').selectAll().where('id', '=', id).executeTakeFirst()
  if (!letter || letter.status !== 'frozen') return { kind: 'notFrozen' }
  const deliveries = await deliveryMails(id, letter)
  const at = now.toISOString()
  return database().write(async (trx) => {
    const changed = await trx
      .updateTable('letters')
      .set({ status: 'confirmed', reviewed_by: actorId, reviewed_at: at, review_note: note })
      .where('id', '=', id)
      .where('status', '=', 'frozen')
      .executeTakeFirst()
    if (!changed.numUpdatedRows) return { kind: 'notFrozen' as const }
    await queueDeliveries(trx, deliveries, ['frozen'], at)
    await audit(trx, actorId, 'letter.release', id, { status: 'frozen', frozen_reason: letter.frozen_reason }, { status: 'confirmed' }, note)
    return { kind: 'ok' as const }
  })
}

/** A reviewer refuses a frozen letter: nothing is sent, the sender is told (with the note); an audit row. */
export async function rejectLetter(actorId: number, id: number, note: string | null, now: Date = new Date()): Promise<ReviewResult> {
  const key = await tokenKey()
  const at = now.toISOString()
  return database().write(async (trx) => {
    const letter = await trx.selectFrom('letters').selectAll().where('id', '=', id).executeTakeFirst()
    if (!letter || letter.status !== 'frozen') return { kind: 'notFrozen' as const }
    await trx.updateTable('letters').set({ status: 'rejected', reviewed_by: actorId, reviewed_at: at, review_note: note }).where('id', '=', id).where('status', '=', 'frozen').execute()
    await trx.updateTable('letter_deliveries').set({ status: 'rejected' }).where('letter_id', '=', id).where('status', '=', 'frozen').execute()
    await queueMail(trx, {
      kind: 'letters.rejected',
      to: letter.sender_email,
      ...rejectedMail(localeOf(letter.locale), { name: letter.sender_name, subject: letter.subject, note, statusToken: deriveLetterToken(key, id) }),
    })
    await audit(trx, actorId, 'letter.reject', id, { status: 'frozen', frozen_reason: letter.frozen_reason }, { status: 'rejected' }, note)
    return { kind: 'ok' as const }
  })
}

/** The audit row of a staff decision on a letter, through moderation's recordAudit (it owns audit_log). */
async function audit(trx: Transaction<Database>, actorId: number, action: string, id: number, before: object, after: object, reason: string | null) {
  await recordAudit(trx, { actorId, action, targetKind: 'letter', targetId: id, before, after, reason })
}

// ---------------------------------------------------------------- retention

export interface RetentionRun {
  /** Letters whose text (body, postal address, fingerprint) was deleted. */
  deleted: number
  /** Unconfirmed letters past UNCONFIRMED_DAYS marked expired (their text deleted too). */
  expired: number
}

/**
 * Deletes the text of letters older than LETTER_RETENTION_DAYS — body, postal address and
 * fingerprint; the subject, the sender's name and e-mail (the questionnaire still writes to them),
 * the deliveries and their answers stay — and expires letters never confirmed within
 * UNCONFIRMED_DAYS (their text deleted at once). Batches of `limit`; safe to run twice.
 */
export async function applyRetention(now: Date = new Date(), limit = 500): Promise<RetentionRun> {
  const at = now.toISOString()
  const cutoff = new Date(now.getTime() - (await citySettings()).LETTER_RETENTION_DAYS * DAY).toISOString()
  const unconfirmedCutoff = new Date(now.getTime() - UNCONFIRMED_DAYS * DAY).toISOString()
  const run = await database().write(async (trx) => {
    const expired = await trx
      .updateTable('letters')
      .set({ status: 'expired', confirm_token_hash: null, body: null, sender_address: '', fingerprint: null, body_deleted_at: at })
      .where('id', 'in', trx.selectFrom('letters').select('id').where('status', '=', 'unconfirmed').where('created_at', '<', unconfirmedCutoff).limit(limit))
      .returning('id')
      .execute()
    const deleted = await trx
      .updateTable('letters')
      .set({ body: null, sender_address: '', fingerprint: null, body_deleted_at: at })
      .where('id', 'in', trx.selectFrom('letters').select('id').where('body', 'is not', null).where('created_at', '<', cutoff).limit(limit))
      .returning('id')
      .execute()
    return { expired: expired.map((r) => r.id), deleted: deleted.map((r) => r.id) }
  })
  const index = letterSimilarity()
  for (const id of [...run.expired, ...run.deleted]) index.remove(id)
  return { deleted: run.deleted.length, expired: run.expired.length }
}

/** The place a letter's page was opened for, from the area's id (for ?representative=). */
export async function areaSlugOf(areaId: number): Promise<string | null> {
  const row = await database().db.selectFrom('areas').select('slug').where('id', '=', areaId).executeTakeFirst()
  return row?.slug ?? null
}
