import { sql, type Transaction } from 'kysely'
import type { Database } from '../../../db/schema'
import { z } from 'zod'
import { config } from '../../lib/config.server'
import { database } from '../../lib/db.server'
import type { FieldErrors } from '../../lib/forms'
import type { Locale } from '../../lib/i18n'
import { translator } from '../../lib/i18n.server'
import { composeMail, queueMail } from '../../lib/mail/outbox.server'
import { attemptCounter } from '../../lib/rate-limit.server'
import { secretKey } from '../../lib/secrets.server'
import { generateToken, hashToken } from '../accounts/sessions.server'
import { CONFIRM_TOKEN_RE, FOLLOW_KINDS, FOLLOW_MODES, targetPath, type FollowKind, type FollowMode } from './follow'
import { keyIn, localeOf, readUnsubscribeToken, targetIsPublic, unsubscribeHeaders, unsubscribePath, unsubscribeToken } from './notify.server'

/**
 * Following anything by e-mail: a report, proposal, petition, voting process or area, with mail at
 * once or in a daily digest. The only code that writes `subscriptions` (and, with the digest job
 * and notify, `notifications`).
 *
 * - Logged in with that address confirmed: active at once. Otherwise a confirmation mail
 *   (/follow/confirm/:token, a random token whose SHA-256 is kept).
 * - Following again changes the mode (or, for someone not logged in as that address, mails them
 *   that the mode changed — the page never tells a stranger whether an address follows something).
 * - Unsubscribing: /follow/unsubscribe/:token (derived tokens, notify.server.ts), or
 *   /account/subscriptions.
 */

export const MAX_FOLLOWS_PER_EMAIL = 200
// Follows per client IP, and mails to an address that is not the sender's own (nobody floods an inbox).
export const followIpAttempts = attemptCounter('follow:ip', 60, 3600)
export const followEmailAttempts = attemptCounter('follow:email', 5, 3600)

const now = () => new Date().toISOString()
const link = (path: string) => `${config().PUBLIC_URL}${path}`

// ---------------------------------------------------------------- targets

export interface FollowTarget {
  kind: FollowKind
  id: number
  title: string
  url: string
}

/** A public target's title and page, or null (unknown, hidden, draft, unconfirmed, rejected…). */
export async function followTarget(kind: FollowKind, id: number): Promise<FollowTarget | null> {
  const { db } = database()
  if (!Number.isSafeInteger(id) || id < 1) return null
  if (!(await targetIsPublic(db, kind, id))) return null
  switch (kind) {
    case 'report': {
      const r = await db.selectFrom('reports').select('title').where('id', '=', id).executeTakeFirstOrThrow()
      return { kind, id, title: r.title, url: targetPath(kind, id) }
    }
    case 'proposal': {
      const r = await db.selectFrom('proposals').select('title').where('id', '=', id).executeTakeFirstOrThrow()
      return { kind, id, title: r.title, url: targetPath(kind, id) }
    }
    case 'petition': {
      const r = await db.selectFrom('petitions').select('title').where('id', '=', id).executeTakeFirstOrThrow()
      return { kind, id, title: r.title, url: targetPath(kind, id) }
    }
    case 'vote': {
      const r = await db.selectFrom('voting_processes').select('title').where('id', '=', id).executeTakeFirstOrThrow()
      return { kind, id, title: r.title, url: targetPath(kind, id) }
    }
    case 'area': {
      const r = await db.selectFrom('areas').select(['name', 'slug']).where('id', '=', id).executeTakeFirstOrThrow()
      return { kind, id, title: r.name, url: targetPath(kind, id, r.slug) }
    }
  }
}

// ---------------------------------------------------------------- following

export interface FollowInput {
  email: string
  /** The logged-in person (their own confirmed address makes it active at once). */
  user?: { id: number; email: string | null; emailConfirmed: boolean } | null
  targetKind: string
  targetId: number
  mode: string
  locale: Locale
  /** The client's address, for the per-IP limit. */
  ip?: string
}

export type FollowResult =
  | { kind: 'active'; subscriptionId: number; changed: boolean }
  /** A mail is on its way (a confirmation, or a note that the mode changed). */
  | { kind: 'pending' }
  /** Field errors as i18n keys (notifications:errors.…). */
  | { kind: 'invalid'; errors: FieldErrors }
  | { kind: 'notFound' }
  | { kind: 'tooMany' }
  | { kind: 'rateLimited'; retryAfterSeconds: number }

const emailSchema = z.string().trim().toLowerCase().max(254).pipe(z.email())

export async function follow(input: FollowInput): Promise<FollowResult> {
  const errors: FieldErrors = {}
  const email = emailSchema.safeParse(input.email)
  if (!email.success) errors.email = ['notifications:errors.email']
  if (!(FOLLOW_MODES as readonly string[]).includes(input.mode)) errors.mode = ['notifications:errors.mode']
  if (!(FOLLOW_KINDS as readonly string[]).includes(input.targetKind)) return { kind: 'notFound' }
  const kind = input.targetKind as FollowKind
  const mode = input.mode as FollowMode
  const target = await followTarget(kind, input.targetId)
  if (!target) return { kind: 'notFound' }
  if (Object.keys(errors).length || !email.success) return { kind: 'invalid', errors }
  const address = email.data

  if (input.ip) {
    const counted = await followIpAttempts.count(input.ip)
    if (counted.over) return { kind: 'rateLimited', retryAfterSeconds: counted.retryAfterSeconds }
  }
  const own = Boolean(input.user?.email && input.user.emailConfirmed && input.user.email.toLowerCase() === address)
  if (!own) {
    const counted = await followEmailAttempts.count(address)
    if (counted.over) return { kind: 'rateLimited', retryAfterSeconds: counted.retryAfterSeconds }
  }
  // Creates the key on first use (its own write), before ours needs it.
  const key = await secretKey()
  const confirmToken = own ? null : generateToken()
  const t = translator(input.locale)

  return database().write(async (trx) => {
    const at = now()
    const existing = await trx.selectFrom('subscriptions').selectAll().where('email_key', '=', address).where('target_kind', '=', kind).where('target_id', '=', target.id).executeTakeFirst()
    const active = existing && existing.confirmed_at && !existing.unsubscribed_at
    if (own) {
      if (existing) {
        await trx
          .updateTable('subscriptions')
          .set({ mode, locale: input.locale, user_id: input.user!.id, confirmed_at: existing.confirmed_at ?? at, unsubscribed_at: null, confirm_token_hash: null })
          .where('id', '=', existing.id)
          .execute()
        return { kind: 'active' as const, subscriptionId: existing.id, changed: !active || existing.mode !== mode }
      }
    }
    if (!existing) {
      const live = await trx
        .selectFrom('subscriptions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('email_key', '=', address)
        .where('unsubscribed_at', 'is', null)
        .executeTakeFirstOrThrow()
      if (live.n >= MAX_FOLLOWS_PER_EMAIL) return { kind: 'tooMany' as const }
      const row = await trx
        .insertInto('subscriptions')
        .values({
          email: address,
          email_key: address,
          user_id: own ? input.user!.id : null,
          target_kind: kind,
          target_id: target.id,
          mode,
          locale: input.locale,
          confirm_token_hash: confirmToken ? hashToken(confirmToken) : null,
          confirmed_at: own ? at : null,
          unsubscribed_at: null,
          last_digest_at: null,
          created_at: at,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      if (own) return { kind: 'active' as const, subscriptionId: row.id, changed: true }
    } else if (active) {
      // Someone (maybe not the owner) follows again: the mode changes and the address is told, with the way back.
      await trx.updateTable('subscriptions').set({ mode, locale: input.locale }).where('id', '=', existing.id).execute()
      const token = unsubscribeToken(key, existing.id)
      const mail = composeMail({
        locale: input.locale,
        subject: t('notifications:mail.changed.subject', { title: target.title }),
        paragraphs: [t('notifications:mail.changed.body', { title: target.title, mode: t(`notifications:modes.${mode}`) })],
        action: { label: t('notifications:mail.changed.action'), url: link('/account/subscriptions') },
        footer: t('notifications:mail.footer', { url: link(unsubscribePath(token)), all: link('/account/subscriptions') }),
      })
      await queueMail(trx, { kind: 'follow.changed', to: address, ...mail, headers: unsubscribeHeaders(token) })
      return { kind: 'pending' as const }
    } else {
      // Unconfirmed, or stopped earlier: a new confirmation (the old link no longer works).
      await trx
        .updateTable('subscriptions')
        .set({ mode, locale: input.locale, confirm_token_hash: hashToken(confirmToken!) })
        .where('id', '=', existing.id)
        .execute()
    }
    const mail = composeMail({
      locale: input.locale,
      subject: t('notifications:mail.confirm.subject', { title: target.title }),
      paragraphs: [
        t('notifications:mail.confirm.body', { title: target.title, what: t(`notifications:kinds.${kind}`), mode: t(`notifications:modes.${mode}`) }),
        t('notifications:mail.confirm.ignore'),
      ],
      action: { label: t('notifications:mail.confirm.action'), url: link(`/follow/confirm/${confirmToken}`) },
    })
    await queueMail(trx, { kind: 'follow.confirm', to: address, ...mail })
    return { kind: 'pending' as const }
  })
}

/**
 * The author of what they just created follows it (issue 18: a report, petition or proposal you
 * file is followed unless you untick the box). Only for a logged-in person with a confirmed
 * address — that address is theirs, so no confirmation mail; a draft is followed too (events are
 * sent only once it is public). An earlier "stop" for the same item is respected.
 */
export async function followAsAuthor(input: { user: { id: number; email: string | null; emailConfirmed: boolean }; targetKind: FollowKind; targetId: number; locale: Locale }): Promise<boolean> {
  if (!input.user.email || !input.user.emailConfirmed) return false
  const address = input.user.email.trim().toLowerCase()
  return database().write(async (trx) => {
    const at = now()
    const inserted = await trx
      .insertInto('subscriptions')
      .values({
        email: address,
        email_key: address,
        user_id: input.user.id,
        target_kind: input.targetKind,
        target_id: input.targetId,
        mode: 'immediate',
        locale: input.locale,
        confirm_token_hash: null,
        confirmed_at: at,
        unsubscribed_at: null,
        last_digest_at: null,
        created_at: at,
      })
      .onConflict((oc) => oc.columns(['email_key', 'target_kind', 'target_id']).doNothing())
      .returning('id')
      .executeTakeFirst()
    return inserted !== undefined
  })
}

// ---------------------------------------------------------------- confirming

export interface SubscriptionView {
  id: number
  email: string
  targetKind: FollowKind
  targetId: number
  title: string
  url: string
  mode: FollowMode
  confirmed: boolean
  active: boolean
  createdAt: string
}

function subscriptionQuery() {
  return database()
    .db.selectFrom('subscriptions as s')
    .leftJoin('reports as r', (j) => j.onRef('r.id', '=', 's.target_id').on('s.target_kind', '=', 'report'))
    .leftJoin('proposals as p', (j) => j.onRef('p.id', '=', 's.target_id').on('s.target_kind', '=', 'proposal'))
    .leftJoin('petitions as pe', (j) => j.onRef('pe.id', '=', 's.target_id').on('s.target_kind', '=', 'petition'))
    .leftJoin('voting_processes as v', (j) => j.onRef('v.id', '=', 's.target_id').on('s.target_kind', '=', 'vote'))
    .leftJoin('areas as a', (j) => j.onRef('a.id', '=', 's.target_id').on('s.target_kind', '=', 'area'))
    .select(['s.id', 's.email', 's.target_kind', 's.target_id', 's.mode', 's.confirmed_at', 's.unsubscribed_at', 's.created_at', 'a.slug'])
    .select(sql<string>`coalesce(r.title, p.title, pe.title, v.title, a.name, '')`.as('title'))
}

type SubscriptionRow = Awaited<ReturnType<ReturnType<typeof subscriptionQuery>['executeTakeFirstOrThrow']>>
const viewOf = (r: SubscriptionRow): SubscriptionView => ({
  id: r.id,
  email: r.email,
  targetKind: r.target_kind,
  targetId: r.target_id,
  title: r.title,
  url: targetPath(r.target_kind, r.target_id, r.slug),
  mode: r.mode,
  confirmed: r.confirmed_at !== null,
  active: r.confirmed_at !== null && r.unsubscribed_at === null,
  createdAt: r.created_at,
})

export type ConfirmFollowResult = { kind: 'ok'; subscription: SubscriptionView; unsubscribePath: string } | { kind: 'invalid' }

/**
 * What a confirmation link would start, changing nothing (its page shows this with a button; only
 * the button's POST confirms, so a mail scanner that opens the link follows nothing). Null for a
 * link that does not work (unknown, used, or its target no longer public).
 */
export async function pendingFollow(token: string): Promise<SubscriptionView | null> {
  if (!CONFIRM_TOKEN_RE.test(token)) return null
  const row = await subscriptionQuery().where('s.confirm_token_hash', '=', hashToken(token)).executeTakeFirst()
  if (!row || !(await targetIsPublic(database().db, row.target_kind, row.target_id))) return null
  return viewOf(row)
}

/** The link in the confirmation mail (its page's button POSTs). Used once: the token is forgotten when it works. */
export async function confirmFollow(token: string): Promise<ConfirmFollowResult> {
  if (!CONFIRM_TOKEN_RE.test(token)) return { kind: 'invalid' }
  const tokenHash = hashToken(token)
  const key = await secretKey()
  const id = await database().write(async (trx) => {
    const row = await trx.selectFrom('subscriptions').select(['id', 'target_kind', 'target_id']).where('confirm_token_hash', '=', tokenHash).executeTakeFirst()
    if (!row) return null
    // A target hidden since the mail was sent is not followed.
    if (!(await targetIsPublic(trx, row.target_kind, row.target_id))) return null
    await trx.updateTable('subscriptions').set({ confirmed_at: now(), unsubscribed_at: null, confirm_token_hash: null }).where('id', '=', row.id).execute()
    return row.id
  })
  if (id === null) return { kind: 'invalid' }
  const row = await subscriptionQuery().where('s.id', '=', id).executeTakeFirstOrThrow()
  return { kind: 'ok', subscription: viewOf(row), unsubscribePath: unsubscribePath(unsubscribeToken(key, id)) }
}

// ---------------------------------------------------------------- unsubscribing

export interface UnsubscribeView {
  scope: 'one' | 'daily'
  email: string
  /** The one subscription's target (scope 'one'). */
  title: string
  url: string
  /** Still receiving (false once stopped). */
  active: boolean
}

/** What an unsubscribe link would stop (GET shows it; nothing changes). Null for a link that is not genuine. */
export async function unsubscribeView(token: string): Promise<UnsubscribeView | null> {
  const key = await keyIn(database().db)
  const parsed = key ? readUnsubscribeToken(key, token) : null
  if (!parsed) return null
  const row = await subscriptionQuery().where('s.id', '=', parsed.subscriptionId).executeTakeFirst()
  if (!row) return null
  const view = viewOf(row)
  if (parsed.scope === 'one') return { scope: 'one', email: row.email, title: view.title, url: view.url, active: view.active }
  const daily = await database()
    .db.selectFrom('subscriptions')
    .select('id')
    .where('email_key', '=', row.email.toLowerCase())
    .where('mode', '=', 'daily')
    .where('confirmed_at', 'is not', null)
    .where('unsubscribed_at', 'is', null)
    .executeTakeFirst()
  return { scope: 'daily', email: row.email, title: '', url: '', active: Boolean(daily) }
}

/**
 * The unsubscribe link (the page's button, or a mail program's RFC 8058 one-click POST): stops one
 * subscription, or every daily one of the address for a digest's link. Pending digest rows go too.
 */
export async function unfollowByToken(token: string): Promise<{ kind: 'ok'; stopped: number } | { kind: 'invalid' }> {
  const key = await keyIn(database().db)
  const parsed = key ? readUnsubscribeToken(key, token) : null
  if (!parsed) return { kind: 'invalid' }
  return database().write(async (trx) => {
    const row = await trx.selectFrom('subscriptions').select(['id', 'email_key']).where('id', '=', parsed.subscriptionId).executeTakeFirst()
    if (!row) return { kind: 'invalid' as const }
    let q = trx.selectFrom('subscriptions').select('id').where('unsubscribed_at', 'is', null)
    q = parsed.scope === 'one' ? q.where('id', '=', row.id) : q.where('email_key', '=', row.email_key).where('mode', '=', 'daily')
    const ids = (await q.execute()).map((r) => r.id)
    if (ids.length === 0) return { kind: 'ok' as const, stopped: 0 }
    await trx.updateTable('subscriptions').set({ unsubscribed_at: now() }).where('id', 'in', ids).execute()
    await trx.deleteFrom('notifications').where('subscription_id', 'in', ids).where('sent_at', 'is', null).execute()
    return { kind: 'ok' as const, stopped: ids.length }
  })
}

// ---------------------------------------------------------------- one's own (/account/subscriptions)

export interface Owner {
  id: number
  email: string | null
  emailConfirmed: boolean
}

// A person's subscriptions: made while logged in, or to their own confirmed address.
const ownKey = (owner: Owner) => (owner.email && owner.emailConfirmed ? owner.email.toLowerCase() : '-')

/** The person's subscriptions that are active or awaiting confirmation, newest first. */
export async function subscriptionsOf(owner: Owner): Promise<SubscriptionView[]> {
  const rows = await subscriptionQuery()
    .where((eb) => eb.or([eb('s.user_id', '=', owner.id), eb('s.email_key', '=', ownKey(owner))]))
    .where('s.unsubscribed_at', 'is', null)
    .orderBy('s.id', 'desc')
    .limit(MAX_FOLLOWS_PER_EMAIL)
    .execute()
  return rows.map(viewOf)
}

/** Change the mode of, or stop, one of the person's own subscriptions (anyone else's: notFound). */
export async function changeOwnSubscription(owner: Owner, id: number, change: { mode: FollowMode } | { stop: true }): Promise<{ kind: 'ok' } | { kind: 'notFound' }> {
  return database().write(async (trx) => {
    const row = await trx
      .selectFrom('subscriptions')
      .select('id')
      .where('id', '=', id)
      .where((eb) => eb.or([eb('user_id', '=', owner.id), eb('email_key', '=', ownKey(owner))]))
      .where('unsubscribed_at', 'is', null)
      .executeTakeFirst()
    if (!row) return { kind: 'notFound' as const }
    if ('stop' in change) {
      await trx.updateTable('subscriptions').set({ unsubscribed_at: now() }).where('id', '=', id).execute()
      await trx.deleteFrom('notifications').where('subscription_id', '=', id).where('sent_at', 'is', null).execute()
    } else {
      await trx.updateTable('subscriptions').set({ mode: change.mode }).where('id', '=', id).execute()
    }
    return { kind: 'ok' as const }
  })
}

// ---------------------------------------------------------------- the reporter follows their own report

/**
 * Called inside the write that makes a report public (FixMyStreet-style, issue 19 part 3): the
 * reporter follows their report at once, so every status change, public update and reply from the
 * body that received it reaches them by e-mail, each mail with a one-click unsubscribe. The address
 * is the account's confirmed one, or the guest's (confirmed by the link that published the report,
 * or vouched for by a trusted Open311 client). Someone who stopped following it earlier is left so.
 */
export async function followOwnReport(trx: Transaction<Database>, reportId: number): Promise<boolean> {
  const r = await trx
    .selectFrom('reports as r')
    .leftJoin('users as u', 'u.id', 'r.reporter_id')
    .select(['r.reporter_id as userId', 'r.reporter_email as guest', 'r.locale', 'u.email as account', 'u.email_confirmed_at as confirmedAt', 'u.deleted_at as deletedAt'])
    .where('r.id', '=', reportId)
    .executeTakeFirst()
  if (!r || r.deletedAt) return false
  const email = emailSchema.safeParse(r.account && r.confirmedAt ? r.account : (r.guest ?? ''))
  if (!email.success) return false
  const at = now()
  const inserted = await trx
    .insertInto('subscriptions')
    .values({
      email: email.data,
      email_key: email.data,
      user_id: r.account && r.confirmedAt ? r.userId : null,
      target_kind: 'report',
      target_id: reportId,
      mode: 'immediate',
      locale: localeOf(r.locale),
      confirm_token_hash: null,
      confirmed_at: at,
      unsubscribed_at: null,
      last_digest_at: null,
      created_at: at,
    })
    .onConflict((oc) => oc.columns(['email_key', 'target_kind', 'target_id']).doNothing())
    .executeTakeFirst()
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0
}
