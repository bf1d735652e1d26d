import crypto from 'node:crypto'
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding'
import { sql, type Transaction } from 'kysely'
import { z } from 'zod'
import type { AreaLevel, Database } from '../../../db/schema'
import { config } from '../../lib/config.server'
import { database } from '../../lib/db.server'
import type { FieldErrors } from '../../lib/forms'
import type { Locale } from '../../lib/i18n'
import { nearLabel } from '../basemap/search.server'
import { translator } from '../../lib/i18n.server'
import { namesIn } from '../../lib/localized.server'
import { logger } from '../../lib/logger.server'
import { composeMail, queueMail } from '../../lib/mail/outbox.server'
import { attemptCounter } from '../../lib/rate-limit.server'
import { secretKey } from '../../lib/secrets.server'
import { hashToken } from '../accounts/sessions.server'
import { metresBetween, onReportPublished, onReportUpdated, type ReportPublishedListener, type ReportUpdatedListener } from './reports.server'

/**
 * Local alerts (FixMyStreet's "local alerts"): an e-mail for every new public report within a radius
 * of a point, or in an area (a neighbourhood, a district or the whole city). The only code that
 * writes `report_alerts`.
 *
 * Tokens. Every alert has one link token; the table keeps only its SHA-256 (`token_hash`). Because
 * each alert e-mail must carry the one-click unsubscribe link long after the confirmation mail was
 * sent, the token is not random but derived: HMAC-SHA256(SECRET_KEY, "report-alert" ‖ id), cut to
 * 160 bits (the size of generateToken's). Whoever reads the database cannot make a link without the
 * key; changing SECRET_KEY invalidates the links of older mails (people can still unsubscribe from
 * /alerts when logged in, or subscribe again).
 */

export const ALERT_RADII = [250, 500, 1000, 2000] as const
export const MAX_RADIUS_M = 2000
export const MAX_ALERTS_PER_EMAIL = 20
/** Unconfirmed alerts older than this no longer count towards the per-address limit. */
const UNCONFIRMED_COUNT_DAYS = 7

// Subscriptions per client IP, and confirmation mails per address (nobody can flood someone's inbox).
const ipAttempts = attemptCounter('alert:ip', 30, 3600)
const emailAttempts = attemptCounter('alert:email', 5, 3600)

const now = () => new Date().toISOString()
const link = (path: string) => `${config().PUBLIC_URL}${path}`

// ---------------------------------------------------------------- tokens

const TOKEN_RE = /^[a-z2-7]{32}$/
const tokenFor = (key: Buffer, alertId: number) => encodeBase32LowerCaseNoPadding(crypto.createHmac('sha256', key).update(`report-alert\u0000${alertId}`).digest().subarray(0, 20))

/**
 * The key inside a write (secretKey() would need its own write to create it, which cannot run inside
 * ours). It exists by then: subscribeAlert called secretKey() before the alert was written.
 */
async function keyIn(trx: Transaction<Database>): Promise<Buffer> {
  const fromEnv = config().SECRET_KEY
  if (fromEnv) return Buffer.from(fromEnv, 'utf8')
  const row = await trx.selectFrom('settings').select('value').where('key', '=', 'secret_key').executeTakeFirst()
  if (!row) throw new Error('report alerts: no secret key in settings')
  return Buffer.from(JSON.parse(row.value) as string, 'utf8')
}

export const alertConfirmPath = (token: string) => `/alerts/confirm/${token}`
export const alertUnsubscribePath = (token: string) => `/alerts/unsubscribe/${token}`

/** RFC 2369 / RFC 8058 headers: mail programs show an "Unsubscribe" button that POSTs to the link. */
export function unsubscribeHeaders(token: string): Record<string, string> {
  return {
    'List-Unsubscribe': `<${link(alertUnsubscribePath(token))}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'List-Id': `Plaza report alerts <report-alerts.${new URL(config().PUBLIC_URL).hostname}>`,
  }
}

// ---------------------------------------------------------------- what an alert covers

export type AlertScope = { kind: 'radius'; lat: number; lng: number; radiusM: number } | { kind: 'area'; areaId: number; slug: string; name: string; level: AreaLevel }

export interface AlertView {
  id: number
  email: string
  scope: AlertScope
  /** Also the updates to the reports it covers. */
  includeUpdates: boolean
  confirmed: boolean
  cancelled: boolean
  createdAt: string
}

type AlertRow = {
  id: number
  email: string
  lat: number | null
  lng: number | null
  radius_m: number | null
  area_id: number | null
  include_updates: number
  confirmed_at: string | null
  cancelled_at: string | null
  created_at: string
  areaSlug: string | null
  areaName: string | null
  areaLevel: AreaLevel | null
  locale: string | null
}

const scopeOf = (r: Pick<AlertRow, 'lat' | 'lng' | 'radius_m' | 'area_id' | 'areaSlug' | 'areaName' | 'areaLevel'>): AlertScope =>
  r.area_id !== null
    ? { kind: 'area', areaId: r.area_id, slug: r.areaSlug ?? '', name: r.areaName ?? '', level: r.areaLevel ?? 'city' }
    : { kind: 'radius', lat: r.lat ?? 0, lng: r.lng ?? 0, radiusM: r.radius_m ?? 0 }

const viewOf = (r: AlertRow): AlertView => ({
  id: r.id,
  email: r.email,
  scope: scopeOf(r),
  includeUpdates: r.include_updates === 1,
  confirmed: r.confirmed_at !== null,
  cancelled: r.cancelled_at !== null,
  createdAt: r.created_at,
})

function alertQuery(executor: Pick<Transaction<Database>, 'selectFrom'> = database().db) {
  return executor
    .selectFrom('report_alerts as ra')
    .leftJoin('areas as a', 'a.id', 'ra.area_id')
    .select([
      'ra.id',
      'ra.email',
      'ra.lat',
      'ra.lng',
      'ra.radius_m',
      'ra.area_id',
      'ra.include_updates',
      'ra.confirmed_at',
      'ra.cancelled_at',
      'ra.created_at',
      'ra.locale',
      'a.slug as areaSlug',
      'a.name as areaName',
      'a.level as areaLevel',
    ])
}

/** The words for an alert's scope, in a mail's language. */
function describeScope(t: ReturnType<typeof translator>, scope: AlertScope) {
  if (scope.kind === 'radius') return t('alerts:scope.radius', { radius: scope.radiusM, latitude: scope.lat, longitude: scope.lng })
  if (scope.level === 'city') return t('alerts:scope.city', { name: scope.name })
  return scope.level === 'district' ? t('alerts:scope.district', { name: scope.name }) : t('alerts:scope.area', { name: scope.name })
}

// ---------------------------------------------------------------- subscribing

/** An area by its slug (any level, the city too), for the alert choices. */
export async function alertArea(slug: string) {
  return database().db.selectFrom('areas').select(['id', 'slug', 'name', 'level']).where('slug', '=', slug).executeTakeFirst() ?? null
}

/** The city itself (the widest alert). */
export async function cityArea() {
  return (await database().db.selectFrom('areas').select(['id', 'slug', 'name', 'level']).where('level', '=', 'city').executeTakeFirst()) ?? null
}

export interface AlertSubscription {
  email: string
  /** The logged-in person subscribing (their own confirmed address makes the alert active at once). */
  userId?: number | null
  lat?: number
  lng?: number
  radiusM?: number
  areaId?: number
  /** Also the public updates to the reports it covers (FixMyStreet issue 766). */
  includeUpdates?: boolean
  locale: Locale
  /** The client's address, for the per-IP limit. */
  ip?: string
}

export type SubscribeResult =
  /** A confirmation e-mail is on its way. */
  | { kind: 'pending'; alertId: number }
  /** Active now (the subscriber's own confirmed address, or the same alert was already active). */
  | { kind: 'active'; alertId: number }
  /** Field errors as i18n keys (alerts:errors.…). */
  | { kind: 'invalid'; errors: FieldErrors }
  | { kind: 'tooMany' }
  | { kind: 'rateLimited'; retryAfterSeconds: number }

const emailSchema = z.string().trim().toLowerCase().max(254, 'alerts:errors.email').pipe(z.email('alerts:errors.email'))

export async function subscribeAlert(input: AlertSubscription): Promise<SubscribeResult> {
  const errors: FieldErrors = {}
  const email = emailSchema.safeParse(input.email)
  if (!email.success) errors.email = ['alerts:errors.email']
  const byPoint = input.lat !== undefined || input.lng !== undefined || input.radiusM !== undefined
  const byArea = input.areaId !== undefined
  if (byPoint === byArea) errors.choice = ['alerts:errors.choice']
  if (byPoint) {
    const { lat, lng, radiusM } = input
    if (lat === undefined || lng === undefined || !Number.isFinite(lat) || !Number.isFinite(lng) || Math.abs(lat) > 90 || Math.abs(lng) > 180) errors.location = ['alerts:errors.location']
    if (radiusM === undefined || !(ALERT_RADII as readonly number[]).includes(radiusM)) errors.choice = ['alerts:errors.radius']
  }
  let area: { id: number; name: string; slug: string; level: AreaLevel } | undefined
  if (byArea && !errors.choice) {
    area = await database().db.selectFrom('areas').select(['id', 'name', 'slug', 'level']).where('id', '=', input.areaId!).executeTakeFirst()
    if (!area) errors.choice = ['alerts:errors.area']
  }
  if (Object.keys(errors).length || !email.success) return { kind: 'invalid', errors }
  const address = email.data

  if (input.ip) {
    const counted = await ipAttempts.count(input.ip)
    if (counted.over) return { kind: 'rateLimited', retryAfterSeconds: counted.retryAfterSeconds }
  }
  const account = input.userId
    ? await database().db.selectFrom('users').select(['id', 'email', 'email_confirmed_at']).where('id', '=', input.userId).where('deleted_at', 'is', null).executeTakeFirst()
    : undefined
  const ownAddress = Boolean(account && account.email === address && account.email_confirmed_at)
  if (!ownAddress) {
    // Only unconfirmed subscriptions send mail to an address that may not be the sender's.
    const counted = await emailAttempts.count(address)
    if (counted.over) return { kind: 'rateLimited', retryAfterSeconds: counted.retryAfterSeconds }
  }
  // Creates the key on first use (its own write), before ours needs it.
  const key = await secretKey()
  const scope: AlertScope = area
    ? { kind: 'area', areaId: area.id, slug: area.slug, name: area.name, level: area.level }
    : { kind: 'radius', lat: input.lat!, lng: input.lng!, radiusM: input.radiusM! }
  const t = translator(input.locale)

  return database().write(async (trx) => {
    const at = now()
    let same = trx.selectFrom('report_alerts').select(['id', 'confirmed_at']).where('email', '=', address).where('cancelled_at', 'is', null)
    same =
      scope.kind === 'area'
        ? same.where('area_id', '=', scope.areaId)
        : same.where('area_id', 'is', null).where('lat', '=', scope.lat).where('lng', '=', scope.lng).where('radius_m', '=', scope.radiusM)
    const existing = await same.executeTakeFirst()
    const includeUpdates = input.includeUpdates ? 1 : 0
    if (existing?.confirmed_at) {
      // The owner changes whether it brings updates; anyone else cannot change someone's alert.
      if (ownAddress) await trx.updateTable('report_alerts').set({ include_updates: includeUpdates }).where('id', '=', existing.id).execute()
      return { kind: 'active' as const, alertId: existing.id }
    }

    let alertId: number
    if (existing) {
      alertId = existing.id
    } else {
      const live = await trx
        .selectFrom('report_alerts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('email', '=', address)
        .where('cancelled_at', 'is', null)
        .where((eb) => eb.or([eb('confirmed_at', 'is not', null), eb('created_at', '>=', new Date(Date.now() - UNCONFIRMED_COUNT_DAYS * 86_400_000).toISOString())]))
        .executeTakeFirstOrThrow()
      if (live.n >= MAX_ALERTS_PER_EMAIL) return { kind: 'tooMany' as const }
      const row = await trx
        .insertInto('report_alerts')
        .values({
          email: address,
          user_id: ownAddress ? account!.id : null,
          lat: scope.kind === 'radius' ? scope.lat : null,
          lng: scope.kind === 'radius' ? scope.lng : null,
          radius_m: scope.kind === 'radius' ? scope.radiusM : null,
          area_id: scope.kind === 'area' ? scope.areaId : null,
          include_updates: includeUpdates,
          // Replaced below: the token is derived from the id, which the insert gives.
          token_hash: `new:${crypto.randomUUID()}`,
          locale: input.locale,
          created_at: at,
          confirmed_at: null,
          cancelled_at: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      alertId = row.id
    }
    const token = tokenFor(key, alertId)
    if (ownAddress) {
      await trx
        .updateTable('report_alerts')
        .set({ token_hash: hashToken(token), confirmed_at: at, user_id: account!.id })
        .where('id', '=', alertId)
        .execute()
      return { kind: 'active' as const, alertId }
    }
    await trx
      .updateTable('report_alerts')
      .set({ token_hash: hashToken(token), locale: input.locale, include_updates: includeUpdates })
      .where('id', '=', alertId)
      .execute()
    const mail = composeMail({
      locale: input.locale,
      subject: t('alerts:mail.confirm.subject'),
      paragraphs: [t('alerts:mail.confirm.body', { scope: describeScope(t, scope) }), t('alerts:mail.confirm.ignore')],
      action: { label: t('alerts:mail.confirm.action'), url: link(alertConfirmPath(token)) },
    })
    await queueMail(trx, { kind: 'report.alert-confirm', to: address, ...mail, headers: unsubscribeHeaders(token) })
    return { kind: 'pending' as const, alertId }
  })
}

// ---------------------------------------------------------------- confirming and cancelling

export type ConfirmAlertResult = { kind: 'ok' | 'already'; alert: AlertView; unsubscribePath: string } | { kind: 'cancelled' } | { kind: 'invalid' }

/** The link in the confirmation e-mail, from its page's button (a GET shows the button and changes nothing, issue 18). */
export async function confirmAlert(token: string): Promise<ConfirmAlertResult> {
  if (!TOKEN_RE.test(token)) return { kind: 'invalid' }
  const tokenHash = hashToken(token)
  return database().write(async (trx) => {
    const row = await alertQuery(trx).where('ra.token_hash', '=', tokenHash).executeTakeFirst()
    if (!row) return { kind: 'invalid' as const }
    if (row.cancelled_at) return { kind: 'cancelled' as const }
    const unsubscribePath = alertUnsubscribePath(token)
    if (row.confirmed_at) return { kind: 'already' as const, alert: viewOf(row), unsubscribePath }
    const at = now()
    await trx.updateTable('report_alerts').set({ confirmed_at: at }).where('id', '=', row.id).execute()
    return { kind: 'ok' as const, alert: viewOf({ ...row, confirmed_at: at }), unsubscribePath }
  })
}

/** The alert a link names (the unsubscribe page shows what it stops); null for an unknown token. */
export async function alertByToken(token: string): Promise<AlertView | null> {
  if (!TOKEN_RE.test(token)) return null
  const row = await alertQuery().where('ra.token_hash', '=', hashToken(token)).executeTakeFirst()
  return row ? viewOf(row) : null
}

export type CancelAlertResult = { kind: 'ok' | 'already'; alert: AlertView } | { kind: 'invalid' }

/** The unsubscribe link (the page's button, or a mail program's RFC 8058 one-click POST). */
export async function cancelAlert(token: string): Promise<CancelAlertResult> {
  if (!TOKEN_RE.test(token)) return { kind: 'invalid' }
  const tokenHash = hashToken(token)
  return database().write(async (trx) => {
    const row = await alertQuery(trx).where('ra.token_hash', '=', tokenHash).executeTakeFirst()
    if (!row) return { kind: 'invalid' as const }
    if (row.cancelled_at) return { kind: 'already' as const, alert: viewOf(row) }
    const at = now()
    await trx.updateTable('report_alerts').set({ cancelled_at: at }).where('id', '=', row.id).execute()
    return { kind: 'ok' as const, alert: viewOf({ ...row, cancelled_at: at }) }
  })
}

interface AlertOwner {
  id: number
  email: string | null
  emailConfirmed: boolean
}

// A person's alerts: those made while logged in, and those confirmed through their own address.
const ownAddresses = (owner: AlertOwner) => (owner.email && owner.emailConfirmed ? [owner.email] : ['-'])

/** The logged-in person's alerts that are not cancelled, newest first (for /alerts). */
export async function alertsOf(owner: AlertOwner): Promise<AlertView[]> {
  const rows = await alertQuery()
    .where((eb) => eb.or([eb('ra.user_id', '=', owner.id), eb('ra.email', 'in', ownAddresses(owner))]))
    .where('ra.cancelled_at', 'is', null)
    .orderBy('ra.id', 'desc')
    .limit(100)
    .execute()
  return rows.map(viewOf)
}

/** The "stop" button beside one of the person's own alerts. */
export async function cancelOwnAlert(owner: AlertOwner, alertId: number): Promise<{ kind: 'ok' } | { kind: 'notFound' }> {
  return database().write(async (trx) => {
    const row = await alertQuery(trx)
      .where('ra.id', '=', alertId)
      .where((eb) => eb.or([eb('ra.user_id', '=', owner.id), eb('ra.email', 'in', ownAddresses(owner))]))
      .where('ra.cancelled_at', 'is', null)
      .executeTakeFirst()
    if (!row) return { kind: 'notFound' as const }
    await trx.updateTable('report_alerts').set({ cancelled_at: now() }).where('id', '=', alertId).execute()
    return { kind: 'ok' as const }
  })
}

// ---------------------------------------------------------------- delivery

type PublishedReport = Parameters<ReportPublishedListener>[1]

/**
 * Queues one mail per address whose confirmed alerts cover a newly public report. Runs inside the
 * publishing transaction (filing must stay ≥ 200/s): one query finds the alerts — area alerts by
 * the report's areas (indexed), radius alerts by a bounding box of the largest radius, then the
 * exact distance — and, only when some match, one more leaves out the reporter's own.
 */
export async function queueReportAlerts(trx: Transaction<Database>, report: PublishedReport): Promise<number> {
  const dLat = MAX_RADIUS_M / 111_320
  const dLng = MAX_RADIUS_M / (111_320 * Math.max(Math.cos((report.lat * Math.PI) / 180), 0.01))
  const live = () => alertQuery(trx).where('ra.confirmed_at', 'is not', null).where('ra.cancelled_at', 'is', null)
  // Two index-friendly halves rather than one OR (SQLite would scan the table for it). In the
  // second, "+area_id" keeps SQLite from walking every radius alert through the area_id index, so
  // an index on (lat, lng) is used where one exists; without one it is a plain scan.
  const candidates = await live()
    .where('ra.area_id', 'in', report.areaIds.length ? report.areaIds : [-1])
    .unionAll(
      live()
        .where(sql<boolean>`+${sql.ref('ra.area_id')} is null`)
        .where('ra.lat', '>=', report.lat - dLat)
        .where('ra.lat', '<=', report.lat + dLat)
        .where('ra.lng', '>=', report.lng - dLng)
        .where('ra.lng', '<=', report.lng + dLng),
    )
    .execute()
  if (candidates.length === 0) return 0
  // Reporters are not told about their own report.
  const reporter = await trx
    .selectFrom('reports as r')
    .leftJoin('users as u', 'u.id', 'r.reporter_id')
    .select(['u.email as account', 'r.reporter_email as guest'])
    .where('r.id', '=', report.id)
    .executeTakeFirst()
  const own = new Set([reporter?.account, reporter?.guest].filter((e): e is string => Boolean(e)))
  const byAddress = new Map<string, AlertRow>()
  for (const alert of candidates.sort((a, b) => a.id - b.id)) {
    if (own.has(alert.email)) continue
    if (alert.area_id === null && metresBetween(report.lat, report.lng, alert.lat!, alert.lng!) > alert.radius_m!) continue
    if (!byAddress.has(alert.email)) byAddress.set(alert.email, alert)
  }
  if (byAddress.size === 0) return 0

  const key = await keyIn(trx)
  const category = await trx.selectFrom('report_categories').select('name').where('id', '=', report.categoryId).executeTakeFirst()
  // "Near Carrer Major 12" (issue 17), read inside this transaction.
  const near = await nearLabel(report.lat, report.lng, null, { db: trx })
  let queued = 0
  for (const alert of byAddress.values()) {
    const locale = (['en', 'es', 'fr'] as const).find((l) => l === alert.locale) ?? config().DEFAULT_LOCALE
    const t = translator(locale)
    const token = tokenFor(key, alert.id)
    const scope = scopeOf(alert)
    try {
      const mail = composeMail({
        locale,
        subject: scope.kind === 'radius' ? t('alerts:mail.alert.subjectNear', { title: report.title }) : t('alerts:mail.alert.subjectArea', { title: report.title, area: scope.name }),
        paragraphs: [
          t('alerts:mail.alert.body', { title: report.title, category: namesIn(locale)(category?.name) }),
          ...(near ? [t('basemap:search.near', { address: near })] : []),
          t('alerts:mail.alert.why', { scope: describeScope(t, scope) }),
        ],
        action: { label: t('alerts:mail.alert.action'), url: link(`/reports/${report.id}`) },
        footer: t('alerts:mail.alert.footer', { url: link(alertUnsubscribePath(token)), all: link('/alerts') }),
      })
      await queueMail(trx, { kind: 'report.alert', to: alert.email, ...mail, headers: unsubscribeHeaders(token) })
      queued++
    } catch (error) {
      // A mail that cannot be written (a bad stored address) must not stop the report being published.
      if (!(error instanceof z.ZodError)) throw error
      logger().warn({ alertId: alert.id, err: error }, 'report alert not queued')
    }
  }
  return queued
}

type UpdatedReport = Parameters<ReportUpdatedListener>[1]
type ReportUpdate = Parameters<ReportUpdatedListener>[2]

/** Confirmed alerts covering a point and areas (area alerts by index, radius alerts by a box, then the distance). */
async function alertsCovering(trx: Transaction<Database>, report: { lat: number; lng: number; areaIds: number[] }, onlyWithUpdates: boolean) {
  const dLat = MAX_RADIUS_M / 111_320
  const dLng = MAX_RADIUS_M / (111_320 * Math.max(Math.cos((report.lat * Math.PI) / 180), 0.01))
  const live = () => {
    const q = alertQuery(trx).where('ra.confirmed_at', 'is not', null).where('ra.cancelled_at', 'is', null)
    return onlyWithUpdates ? q.where('ra.include_updates', '=', 1) : q
  }
  const candidates = await live()
    .where('ra.area_id', 'in', report.areaIds.length ? report.areaIds : [-1])
    .unionAll(
      live()
        .where(sql<boolean>`+${sql.ref('ra.area_id')} is null`)
        .where('ra.lat', '>=', report.lat - dLat)
        .where('ra.lat', '<=', report.lat + dLat)
        .where('ra.lng', '>=', report.lng - dLng)
        .where('ra.lng', '<=', report.lng + dLng),
    )
    .execute()
  return candidates.filter((a) => a.area_id !== null || metresBetween(report.lat, report.lng, a.lat!, a.lng!) <= a.radius_m!).sort((a, b) => a.id - b.id)
}

/**
 * A public update or status change on a public report: one mail per address whose confirmed
 * alerts cover the report and asked for updates (FixMyStreet issue 766). Not to whoever made the
 * update, nor to an address that follows the report itself (it hears through following, so never
 * twice); the reporter follows their report, so is left out here too.
 */
export async function queueAlertUpdates(trx: Transaction<Database>, report: UpdatedReport, update: ReportUpdate): Promise<number> {
  const candidates = await alertsCovering(trx, report, true)
  if (candidates.length === 0) return 0
  const r = await trx
    .selectFrom('reports as r')
    .leftJoin('users as u', 'u.id', 'r.reporter_id')
    .select(['r.state_kind', 'r.reporter_email as guest', 'u.email as account'])
    .where('r.id', '=', report.id)
    .executeTakeFirst()
  if (!r || !['open', 'fixed', 'closed'].includes(r.state_kind)) return 0
  const author = update.authorId === null ? undefined : await trx.selectFrom('users').select('email').where('id', '=', update.authorId).executeTakeFirst()
  const followers = await trx
    .selectFrom('subscriptions')
    .select('email_key')
    .where('target_kind', '=', 'report')
    .where('target_id', '=', report.id)
    .where('confirmed_at', 'is not', null)
    .where('unsubscribed_at', 'is', null)
    .execute()
  const skip = new Set([r.guest, r.account, author?.email, ...followers.map((f) => f.email_key)].filter((e): e is string => Boolean(e)).map((e) => e.toLowerCase()))
  const byAddress = new Map<string, AlertRow>()
  for (const alert of candidates) if (!skip.has(alert.email) && !byAddress.has(alert.email)) byAddress.set(alert.email, alert)
  if (byAddress.size === 0) return 0
  const key = await keyIn(trx)
  const toState = update.toState && update.toState !== update.fromState ? update.toState : null
  const state = toState ? await trx.selectFrom('report_states').select('label').where('code', '=', toState).executeTakeFirst() : undefined
  let queued = 0
  for (const alert of byAddress.values()) {
    const locale = (['en', 'es', 'fr'] as const).find((l) => l === alert.locale) ?? config().DEFAULT_LOCALE
    const t = translator(locale)
    const token = tokenFor(key, alert.id)
    const stateName = toState ? (state?.label && namesIn(locale)(state.label)) || (t(`reports:states.${toState}`, { defaultValue: toState }) as string) : ''
    try {
      const mail = composeMail({
        locale,
        subject: t('alerts:mail.update.subject', { title: report.title }).slice(0, 250),
        paragraphs: [
          ...(stateName ? [t('alerts:mail.update.state', { title: report.title, state: stateName })] : [t('alerts:mail.update.body', { title: report.title })]),
          ...(update.text ? [update.text.length > 600 ? `${update.text.slice(0, 599)}…` : update.text] : []),
          t('alerts:mail.update.why', { scope: describeScope(t, scopeOf(alert)) }),
        ],
        action: { label: t('alerts:mail.alert.action'), url: link(`/reports/${report.id}`) },
        footer: t('alerts:mail.alert.footer', { url: link(alertUnsubscribePath(token)), all: link('/alerts') }),
      })
      await queueMail(trx, { kind: 'report.alert-update', to: alert.email, ...mail, headers: unsubscribeHeaders(token) })
      queued++
    } catch (error) {
      if (!(error instanceof z.ZodError)) throw error
      logger().warn({ alertId: alert.id, err: error }, 'report alert update not queued')
    }
  }
  return queued
}

let registered = false
/** Alerts listen for reports becoming public (call once per process, from the capability registry). */
export function registerReportAlerts() {
  if (registered) return
  registered = true
  onReportPublished(async (trx, report) => {
    await queueReportAlerts(trx, report)
  })
  onReportUpdated(async (trx, report, update) => {
    await queueAlertUpdates(trx, report, update)
  })
}
