import crypto from 'node:crypto'
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding'
import type { Kysely, Transaction } from 'kysely'
import { z } from 'zod'
import type { Database } from '../../../db/schema'
import { config } from '../../lib/config.server'
import { supportedLocales, type Locale } from '../../lib/i18n'
import { translator } from '../../lib/i18n.server'
import { logger } from '../../lib/logger.server'
import { composeMail, queueMail } from '../../lib/mail/outbox.server'
import { UNSUBSCRIBE_TOKEN_RE, type FollowKind } from './follow'

/**
 * Events for followers: `notify(trx, event)` is called inside the write where something happened
 * (a report's public update, a proposal answered, a vote opening, a petition responded to, a new
 * item in an area…). It looks up the confirmed followers of the target — and, for new items, of
 * the areas that contain it — through the partial index `subscriptions_target`; with none (the
 * common case) that one indexed lookup is all it costs. Immediate followers get one mail queued in
 * the same write; daily ones a `notifications` row for the digest job (digest.server.ts).
 *
 * This module reads other capabilities' tables only to check that a target is public (never
 * writes them), so every capability can call it without an import cycle.
 */

const now = () => new Date().toISOString()
const link = (path: string) => `${config().PUBLIC_URL}${path}`

// ---------------------------------------------------------------- tokens

/**
 * Unsubscribe links are derived, not stored (like report alerts, ADR 043): HMAC-SHA256(SECRET_KEY,
 * purpose ‖ id) cut to 160 bits, with the id in the clear so the link names its row. Whoever reads
 * the database cannot make one without the key.
 */
const mac = (key: Buffer, purpose: 's' | 'd', id: number) => encodeBase32LowerCaseNoPadding(crypto.createHmac('sha256', key).update(`follow-${purpose}\u0000${id}`).digest().subarray(0, 20))

export const unsubscribeToken = (key: Buffer, subscriptionId: number) => `s${subscriptionId}.${mac(key, 's', subscriptionId)}`
/** One link that stops every daily subscription of the address of this subscription (digest mails). */
export const digestUnsubscribeToken = (key: Buffer, subscriptionId: number) => `d${subscriptionId}.${mac(key, 'd', subscriptionId)}`

/** The subscription a token names and what it stops, or null when the token is not genuine. */
export function readUnsubscribeToken(key: Buffer, token: string): { scope: 'one' | 'daily'; subscriptionId: number } | null {
  const m = UNSUBSCRIBE_TOKEN_RE.exec(token)
  if (!m) return null
  const purpose = m[1] as 's' | 'd'
  const id = Number(m[2])
  const expected = Buffer.from(mac(key, purpose, id))
  const given = Buffer.from(m[3]!)
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return null
  return { scope: purpose === 's' ? 'one' : 'daily', subscriptionId: id }
}

export const unsubscribePath = (token: string) => `/follow/unsubscribe/${token}`

/** RFC 2369 / RFC 8058: mail programs show an "Unsubscribe" button that POSTs to the link. */
export function unsubscribeHeaders(token: string): Record<string, string> {
  return {
    'List-Unsubscribe': `<${link(unsubscribePath(token))}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'List-Id': `Plaza follow <follow.${new URL(config().PUBLIC_URL).hostname}>`,
  }
}

/** The key inside a write (secretKey() would need its own write). follow() creates it first. */
export async function keyIn(trx: Transaction<Database> | Kysely<Database>): Promise<Buffer | null> {
  const fromEnv = config().SECRET_KEY
  if (fromEnv) return Buffer.from(fromEnv, 'utf8')
  const row = await trx.selectFrom('settings').select('value').where('key', '=', 'secret_key').executeTakeFirst()
  return row ? Buffer.from(JSON.parse(row.value) as string, 'utf8') : null
}

export const localeOf = (value: string | null | undefined): Locale => supportedLocales.find((l) => l === value) ?? config().DEFAULT_LOCALE

// ---------------------------------------------------------------- is it public?

type Reader = Transaction<Database> | Kysely<Database>

/**
 * Whether a followed item of a capability is public, registered by the capability itself
 * (registerProposalKinds, registerPetitionKinds): notifications never imports the modules that
 * notify through it (ADR 114).
 */
export type PublicCheck = (db: Reader, id: number) => Promise<boolean>
const publicChecks = new Map<FollowKind, PublicCheck>()
export function registerFollowable(kind: FollowKind, isPublic: PublicCheck) {
  publicChecks.set(kind, isPublic)
}
function registeredCheck(kind: FollowKind): PublicCheck {
  const check = publicChecks.get(kind)
  if (!check) throw new Error(`No capability registered followable kind "${kind}" (app/modules/registry.server.ts).`)
  return check
}

/** The target exists and anyone may see it (hidden, draft, unconfirmed, rejected… are not). */
export async function targetIsPublic(db: Reader, kind: FollowKind, id: number): Promise<boolean> {
  switch (kind) {
    case 'report': {
      const r = await db.selectFrom('reports').select('state_kind').where('id', '=', id).executeTakeFirst()
      return r !== undefined && (r.state_kind === 'open' || r.state_kind === 'fixed' || r.state_kind === 'closed')
    }
    case 'proposal':
    case 'petition':
      return registeredCheck(kind)(db, id)
    case 'vote': {
      const v = await db.selectFrom('voting_processes').select('state').where('id', '=', id).executeTakeFirst()
      return v !== undefined && v.state !== 'draft' && v.state !== 'cancelled'
    }
    case 'area': {
      const a = await db.selectFrom('areas').select('id').where('id', '=', id).executeTakeFirst()
      return a !== undefined
    }
  }
}

// ---------------------------------------------------------------- areas and their parents

let parents: { at: number; map: Map<number, number | null> } | null = null
/** The areas and every area above them (neighbourhood → district → city). Areas change rarely: kept 60 s. */
export async function withAncestors(db: Reader, ids: Array<number | null | undefined>): Promise<number[]> {
  if (!parents || Date.now() - parents.at > 60_000) {
    const rows = await db.selectFrom('areas').select(['id', 'parent_id']).execute()
    parents = { at: Date.now(), map: new Map(rows.map((r) => [r.id, r.parent_id])) }
  }
  const out = new Set<number>()
  for (const start of ids) {
    let id: number | null | undefined = start
    for (let depth = 0; id !== null && id !== undefined && depth < 8 && !out.has(id); depth++) {
      out.add(id)
      id = parents.map.get(id) ?? null
    }
  }
  // Everything is in the city: its followers hear of every new item, located or not.
  for (const [id, parent] of parents.map) if (parent === null) out.add(id)
  return [...out]
}

// ---------------------------------------------------------------- notify

/**
 * Words for a mail: a plain string, a key of the notifications namespace in each follower's
 * language, or a function of that language (e.g. a name an administrator entered per language).
 */
export type Words = string | { key: string; values?: Record<string, string | number> } | ((locale: Locale) => string)

export interface FollowEvent {
  targetKind: FollowKind
  targetId: number
  /** e.g. 'report.update', 'proposal.answered', 'vote.opened', 'petition.response', 'area.report'. */
  event: string
  title: Words
  text?: Words
  /** A path on this site (made absolute here). */
  url: string
  /** For new items: the areas containing it; their followers (and their districts' and the city's) hear too. */
  areaIds?: Array<number | null | undefined>
  /** Who caused it: they are not told about their own action. */
  actorUserId?: number | null
  actorEmail?: string | null
}

interface Follower {
  id: number
  email: string
  email_key: string
  user_id: number | null
  mode: 'immediate' | 'daily'
  locale: string | null
  target_kind: FollowKind
}

const say = (locale: Locale, words: Words | undefined) => {
  if (words === undefined) return ''
  if (typeof words === 'string') return words
  if (typeof words === 'function') return words(locale)
  return translator(locale)(`notifications:${words.key}`, words.values ?? {}) as string
}

/**
 * Inside the write where the event happened: one mail per immediate follower, one digest row per
 * daily follower (each address once, even when it follows the item and its area). Returns how many
 * followers were told. Never throws for a bad stored address (the write must go on).
 */
export async function notify(trx: Transaction<Database>, e: FollowEvent): Promise<number> {
  const live = () =>
    trx.selectFrom('subscriptions').select(['id', 'email', 'email_key', 'user_id', 'mode', 'locale', 'target_kind']).where('confirmed_at', 'is not', null).where('unsubscribed_at', 'is', null)
  let q = live().where('target_kind', '=', e.targetKind).where('target_id', '=', e.targetId)
  const areaIds = e.areaIds?.length ? await withAncestors(trx, e.areaIds) : []
  if (areaIds.length && e.targetKind !== 'area') q = q.unionAll(live().where('target_kind', '=', 'area').where('target_id', 'in', areaIds))
  const found = (await q.execute()) as Follower[]
  if (found.length === 0) return 0
  // Never about hidden content, whoever calls.
  if (!(await targetIsPublic(trx, e.targetKind, e.targetId))) return 0

  const actorEmail = e.actorEmail?.toLowerCase() ?? null
  const byAddress = new Map<string, Follower>()
  // The item's own followers first (their link stops that subscription), then the areas'.
  for (const f of found.sort((a, b) => Number(a.target_kind === 'area') - Number(b.target_kind === 'area') || a.id - b.id)) {
    if (e.actorUserId && f.user_id === e.actorUserId) continue
    if (actorEmail && f.email_key === actorEmail) continue
    if (!byAddress.has(f.email_key)) byAddress.set(f.email_key, f)
  }
  if (byAddress.size === 0) return 0
  const at = now()
  const key = await keyIn(trx)
  let told = 0
  for (const f of byAddress.values()) {
    const locale = localeOf(f.locale)
    const title = say(locale, e.title)
    const text = say(locale, e.text)
    if (f.mode === 'daily') {
      await trx.insertInto('notifications').values({ subscription_id: f.id, event: e.event, title, text, url: e.url, created_at: at, sent_at: null }).execute()
      told++
      continue
    }
    if (!key) continue
    const t = translator(locale)
    const token = unsubscribeToken(key, f.id)
    try {
      const mail = composeMail({
        locale,
        subject: title.slice(0, 250).replace(/[\r\n]+/g, ' '),
        paragraphs: [title, ...(text ? [text] : []), t('notifications:mail.event.why', { what: t(`notifications:kinds.${f.target_kind}`) })],
        action: { label: t('notifications:mail.event.action'), url: link(e.url) },
        footer: t('notifications:mail.footer', { url: link(unsubscribePath(token)), all: link('/account/subscriptions') }),
      })
      await queueMail(trx, { kind: 'follow.event', to: f.email, ...mail, headers: unsubscribeHeaders(token) })
      told++
    } catch (error) {
      if (!(error instanceof z.ZodError)) throw error
      logger().warn({ subscriptionId: f.id, err: error }, 'follow mail not queued')
    }
  }
  return told
}
