import crypto from 'node:crypto'
import { sql, type Transaction } from 'kysely'
import { Pool } from 'undici'
import type { Database, DeliveryMethod } from '../../../db/schema'
import { config } from '../../lib/config.server'
import { database } from '../../lib/db.server'
import { skipLockedSql } from '../../lib/db/claims'
import { translator } from '../../lib/i18n.server'
import type { Locale } from '../../lib/i18n'
import { cityDefaultLocale, namesIn } from '../../lib/localized.server'
import { logger } from '../../lib/logger.server'
import { composeMail, queueMail } from '../../lib/mail/outbox.server'
import { generateToken } from '../accounts/sessions.server'
import { recordAudit } from '../moderation/moderation.server'
import { onReportPublished, triageReport } from '../reports/reports.server'
import { PICTURE_HEIGHT, PICTURE_WIDTH, placePicture } from './map-picture.server'
import { parseServiceCodes, type DeliveryMethodInput } from './schema'

/**
 * Getting each report to the body that must act on it (issue 19). A body is a department of the
 * council or an outside body (a water company, a transport authority) entered as a department, so
 * the existing routing rules send it reports. Each receives them by one method:
 * - `plaza`: its staff triage inside Plaza (as before; nothing is sent);
 * - `email`: a mail with the report, its place, photos and link, whose Reply-To is an address of
 *   this report alone: the body's reply comes back through Plaza's SMTP endpoint
 *   (inbound-mail.server.ts) as a public update;
 * - `open311`: Plaza is a GeoReport v2 client of the body's back office: it POSTs requests.json,
 *   keeps the returned service_request_id, and polls servicerequestupdates for status changes.
 * Sending is a job (report_deliveries) claimed with a lease and retried with back-off, so a body
 * that is down gets each report once it answers, and never twice. Tables: delivery_methods,
 * report_deliveries, delivery_seen_updates — written here only.
 */

/** A claim keeps other senders away this long (a send times out well before). */
const LEASE_MS = 2 * 60_000
/** The longest wait between two attempts. */
const MAX_BACKOFF_MS = 6 * 3600_000
/** Deliveries claimed at once by a run. */
const BATCH = 500
/** Outcomes written to one commit. */
const BATCH_WRITE = 100
const now = () => new Date().toISOString()

/** Wait before the next attempt after `attempts` failed ones: 1, 4, 16… times the base, at most 6 h. */
export function backoffMs(attempts: number, base = config().DELIVERY_RETRY_MS): number {
  return Math.min(MAX_BACKOFF_MS, base * 4 ** Math.max(0, attempts - 1))
}

// ---------------------------------------------------------------- bodies' methods

export interface BodyDelivery {
  departmentId: number
  name: string
  slug: string
  method: DeliveryMethod
  enabled: boolean
  email: string | null
  endpoint: string | null
  hasApiKey: boolean
  jurisdictionId: string | null
  serviceCodes: Record<string, string>
  pending: number
  failed: number
}

/** Every department (body) with its method; those never configured are `plaza`. */
export async function bodiesWithDelivery(locale: string = cityDefaultLocale()): Promise<BodyDelivery[]> {
  const name = namesIn(locale)
  const rows = await database()
    .db.selectFrom('departments as d')
    .leftJoin('delivery_methods as m', 'm.department_id', 'd.id')
    .select([
      'd.id',
      'd.name',
      'd.slug',
      'm.method',
      'm.enabled',
      'm.email',
      'm.endpoint',
      'm.api_key',
      'm.jurisdiction_id',
      'm.service_codes',
      sql<number>`(select count(*) from report_deliveries x where x.department_id = d.id and x.status in ('pending', 'sending'))`.as('pending'),
      sql<number>`(select count(*) from report_deliveries x where x.department_id = d.id and x.status = 'failed')`.as('failed'),
    ])
    .where('d.active', '=', 1)
    .orderBy('d.id')
    .execute()
  return rows.map((r) => ({
    departmentId: r.id,
    name: name(r.name),
    slug: r.slug,
    method: r.method ?? 'plaza',
    enabled: (r.enabled ?? 1) === 1,
    email: r.email ?? null,
    endpoint: r.endpoint ?? null,
    hasApiKey: Boolean(r.api_key),
    jurisdictionId: r.jurisdiction_id ?? null,
    serviceCodes: r.service_codes ? (JSON.parse(r.service_codes) as Record<string, string>) : {},
    pending: Number(r.pending),
    failed: Number(r.failed),
  }))
}

export type SetMethodResult = { kind: 'ok' } | { kind: 'noSuchBody' }

/** An administrator sets how a body receives reports (audited; an empty key keeps the stored one). */
export async function setDeliveryMethod(adminId: number | null, input: DeliveryMethodInput): Promise<SetMethodResult> {
  const codes = parseServiceCodes(input.serviceCodes)
  return database().write(async (trx) => {
    const body = await trx.selectFrom('departments').select('id').where('id', '=', input.departmentId).executeTakeFirst()
    if (!body) return { kind: 'noSuchBody' as const }
    const before = await trx.selectFrom('delivery_methods').selectAll().where('department_id', '=', input.departmentId).executeTakeFirst()
    const values = {
      method: input.method,
      enabled: input.enabled === 'on' ? 1 : 0,
      email: input.email ?? null,
      endpoint: input.endpoint?.replace(/\/+$/, '') ?? null,
      api_key: input.apiKey ?? before?.api_key ?? null,
      jurisdiction_id: input.jurisdictionId ?? null,
      service_codes: JSON.stringify(codes.ok ? codes.codes : {}),
      updated_at: now(),
    }
    await trx
      .insertInto('delivery_methods')
      .values({ department_id: input.departmentId, ...values })
      .onConflict((oc) => oc.column('department_id').doUpdateSet(values))
      .execute()
    // The key is a secret of the body's: the audit says only whether it changed.
    const shown = (v: typeof values | typeof before) =>
      v ? { method: v.method, enabled: v.enabled === 1, email: v.email, endpoint: v.endpoint, jurisdictionId: v.jurisdiction_id, serviceCodes: v.service_codes } : null
    await recordAudit(trx, {
      actorId: adminId,
      action: 'delivery.method',
      targetKind: 'department',
      targetId: input.departmentId,
      before: shown(before),
      after: { ...shown(values), apiKeyChanged: Boolean(input.apiKey) && input.apiKey !== before?.api_key },
    })
    return { kind: 'ok' as const }
  })
}

// ---------------------------------------------------------------- queueing (when a report becomes public)

/**
 * Called inside the transaction that makes a report public: a report for a body that receives by
 * e-mail or Open311 gets its delivery row (the job), in the same commit as the report.
 */
export async function queueDelivery(trx: Transaction<Database>, reportId: number): Promise<boolean> {
  const row = await trx
    .selectFrom('reports as r')
    .innerJoin('delivery_methods as m', 'm.department_id', 'r.department_id')
    .select(['r.department_id', 'm.method'])
    .where('r.id', '=', reportId)
    .where('m.method', '!=', 'plaza')
    .executeTakeFirst()
  if (!row) return false
  const at = now()
  await trx
    .insertInto('report_deliveries')
    .values({ report_id: reportId, department_id: row.department_id, method: row.method, status: 'pending', next_attempt_at: at, created_at: at })
    .onConflict((oc) => oc.doNothing())
    .execute()
  wake()
  return true
}

let registered = false
export function registerDelivery() {
  if (registered) return
  registered = true
  onReportPublished(async (trx, report) => {
    await queueDelivery(trx, report.id)
  })
}

// A send run in this process is woken at once by a new delivery instead of waiting for its interval.
const wakers = new Set<() => void>()
const wake = () => {
  for (const w of wakers) w()
}

// ---------------------------------------------------------------- sending

type Claimed = {
  report_id: number
  department_id: number
  method: DeliveryMethod
  attempts: number
  claim_token: string
  reply_token: string | null
  last_error: string | null
  created_at: string
}
type SendOutcome = { ok: true; externalId: string | null; replyToken?: string } | { ok: false; error: string; permanent: boolean }
type Finished = { d: Claimed; outcome: SendOutcome; extra?: (trx: Transaction<Database>) => Promise<void> }
type Method = NonNullable<Awaited<ReturnType<typeof methodOf>>>

/** An attempt whose answer never came: the body may have filed it, so it is looked for before posting again. */
const NO_ANSWER = 'No answer from'

/**
 * Claims up to `limit` due deliveries whose body is switched on (a lease, one UPDATE … RETURNING; on
 * PostgreSQL the candidates are locked `for update skip locked`, so app servers' claims are disjoint).
 */
async function claimDue(limit: number): Promise<Claimed[]> {
  const at = new Date()
  const token = crypto.randomUUID()
  return database().write(async (trx) => {
    const rows = await sql<Claimed>`
      update report_deliveries set status = 'sending', claim_token = ${token}, claimed_until = ${new Date(at.getTime() + LEASE_MS).toISOString()}
      where report_id in (
        select x.report_id from report_deliveries x
        join delivery_methods m on m.department_id = x.department_id and m.enabled = 1
        where (x.status = 'pending' and x.next_attempt_at <= ${at.toISOString()})
           or (x.status = 'sending' and x.claimed_until < ${at.toISOString()})
        order by x.next_attempt_at
        limit ${limit}
        ${skipLockedSql(trx, 'x')})
      returning report_id, department_id, method, attempts, claim_token, reply_token, last_error, created_at`.execute(trx)
    return rows.rows
  })
}

/**
 * Writes the outcomes of many sends in one transaction (one commit for up to a few hundred: the
 * database's fsync, not the network, was the limit at one commit per report). A row is written only
 * while this run still holds its claim, and a mail is queued only with the row that marks it sent.
 */
async function finishMany(done: Finished[]) {
  if (done.length === 0) return
  const at = new Date()
  await database().write(async (trx) => {
    for (const { d, outcome, extra } of done) {
      const mine = trx.updateTable('report_deliveries').where('report_id', '=', d.report_id).where('claim_token', '=', d.claim_token)
      if (outcome.ok) {
        const updated = await mine
          .set({
            status: 'sent',
            sent_at: at.toISOString(),
            external_id: outcome.externalId,
            attempts: d.attempts + 1,
            last_error: null,
            claim_token: null,
            claimed_until: null,
            ...(outcome.replyToken ? { reply_token: outcome.replyToken } : {}),
          })
          .executeTakeFirst()
        if (Number(updated.numUpdatedRows) > 0 && extra) await extra(trx)
      } else {
        const attempts = d.attempts + 1
        await mine
          .set({
            status: outcome.permanent ? 'failed' : 'pending',
            attempts,
            last_error: outcome.error.slice(0, 1000),
            next_attempt_at: new Date(at.getTime() + backoffMs(attempts)).toISOString(),
            claim_token: null,
            claimed_until: null,
          })
          .execute()
      }
    }
  })
}

/** Outcomes gathered while sends run, written every BATCH_WRITE of them (and at the end). */
function outcomeWriter() {
  let pending: Finished[] = []
  let writing: Promise<void> = Promise.resolve()
  const flush = () => {
    const rows = pending
    pending = []
    writing = writing.then(() => finishMany(rows))
    return writing
  }
  return {
    add(f: Finished) {
      pending.push(f)
      if (pending.length >= BATCH_WRITE) void flush().catch((error) => logger().error({ err: error }, 'writing delivery outcomes failed'))
    },
    async done() {
      await flush()
    },
  }
}

async function methodOf(departmentId: number) {
  return database().db.selectFrom('delivery_methods').selectAll().where('department_id', '=', departmentId).executeTakeFirst()
}

/** The reports of a batch as their bodies receive them (one query for the reports, one for photos, one for accounts). */
async function reportsForBody(reportIds: number[]) {
  const db = database().db
  const out = new Map<number, BodyReport>()
  const base = config().PUBLIC_URL
  for (let i = 0; i < reportIds.length; i += 500) {
    const ids = reportIds.slice(i, i + 500)
    const rows = await db
      .selectFrom('reports as r')
      .innerJoin('report_categories as c', 'c.id', 'r.category_id')
      .leftJoin('areas as a', 'a.id', 'r.area_id')
      .leftJoin('users as u', 'u.id', 'r.reporter_id')
      .select([
        'r.id',
        'r.title',
        'r.description',
        'r.lat',
        'r.lng',
        'r.address',
        'r.reporter_name as reporterName',
        'r.reporter_email as reporterEmail',
        'r.attributes',
        'r.media_url as mediaUrl',
        'r.photo_count as photoCount',
        'r.created_at as createdAt',
        'c.code as categoryCode',
        'c.name as categoryName',
        'a.name as areaName',
        'u.email as accountEmail',
        'u.display_name as accountName',
      ])
      .where('r.id', 'in', ids)
      .execute()
    const withPhotos = rows.filter((r) => Number(r.photoCount) > 0).map((r) => r.id)
    const photos = withPhotos.length
      ? await db.selectFrom('report_photos').select(['id', 'report_id']).where('report_id', 'in', withPhotos).where('hidden', '=', 0).orderBy('position').orderBy('id').execute()
      : []
    for (const { accountEmail, accountName, photoCount: _photos, ...r } of rows) {
      out.set(r.id, {
        ...r,
        reporterEmail: r.reporterEmail ?? accountEmail ?? null,
        reporterName: r.reporterName || accountName || '',
        link: `${base}/reports/${r.id}`,
        photoUrls: [...photos.filter((p) => p.report_id === r.id).map((p) => `${base}/reports/photos/${p.id}/full.jpg`), ...(r.mediaUrl ? [r.mediaUrl] : [])],
      })
    }
  }
  return out
}
type BodyReport = {
  id: number
  title: string
  description: string
  lat: number
  lng: number
  address: string | null
  reporterName: string
  reporterEmail: string | null
  attributes: string
  mediaUrl: string | null
  createdAt: string
  categoryCode: string
  categoryName: string
  areaName: string | null
  link: string
  photoUrls: string[]
}

/** The per-report reply address: the body's answer to it becomes a public update. */
export function replyAddress(token: string): string {
  return `report-${token}@${replyDomain()}`
}

/** INBOUND_MAIL_DOMAIN, else PUBLIC_URL's host name (an address or bare name cannot take mail: a placeholder). */
function replyDomain(): string {
  const host = new URL(config().PUBLIC_URL).hostname
  return config().INBOUND_MAIL_DOMAIN ?? (/^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/i.test(host) ? host : 'localhost.localdomain')
}

async function sendByEmail(d: Claimed, to: string, report: BodyReport): Promise<Finished> {
  const locale = cityDefaultLocale() as Locale
  const t = translator(locale)
  const name = namesIn(locale)
  const token = d.reply_token ?? generateToken()
  const place = [report.address, name(report.areaName)].filter(Boolean).join(', ')
  const description = report.description.trim()
  const paragraphs = [
    t('delivery:mail.intro', { category: name(report.categoryName) }),
    `${t('delivery:mail.title')}: ${report.title}`,
    ...(description ? [description] : []),
    `${t('delivery:mail.place')}: ${place ? `${place} — ` : ''}${report.lat.toFixed(6)}, ${report.lng.toFixed(6)}\nhttps://www.openstreetmap.org/?mlat=${report.lat}&mlon=${report.lng}#map=18/${report.lat}/${report.lng}`,
    ...(report.photoUrls.length ? [`${t('delivery:mail.photos')}:\n${report.photoUrls.join('\n')}`] : []),
    `${t('delivery:mail.reporter')}: ${report.reporterName || t('delivery:mail.anonymous')}${report.reporterEmail ? ` <${report.reporterEmail}>` : ''}`,
    t('delivery:mail.reply'),
  ]
  // The place on Plaza's own map: the text links to it; the HTML shows a picture of it (inline, cid:).
  const mapUrl = `${config().PUBLIC_URL}/map?lat=${report.lat.toFixed(6)}&lng=${report.lng.toFixed(6)}`
  paragraphs.splice(description ? 4 : 3, 0, `${t('delivery:mail.map')}: ${mapUrl}`)
  const picture = await placePicture(report.lat, report.lng).catch((error: unknown) => {
    logger().warn({ err: error, report: report.id }, 'the map picture could not be drawn')
    return null
  })
  const cid = `map-${report.id}@plaza`
  const mail = composeMail({
    locale,
    subject: t('delivery:mail.subject', { id: report.id, title: report.title }).slice(0, 250),
    paragraphs,
    action: { label: t('delivery:mail.open'), url: report.link },
    ...(picture
      ? {
          image: {
            cid,
            alt: (place ? t('delivery:mail.mapAlt', { id: report.id, place }) : t('delivery:mail.mapAltNoPlace', { id: report.id })).slice(0, 300),
            width: PICTURE_WIDTH,
            height: PICTURE_HEIGHT,
            href: mapUrl,
            after: description ? 4 : 3,
          },
        }
      : {}),
  })
  // The outbox sends it (and retries a mail server that is down): queued in the same commit that marks it sent.
  return {
    d,
    outcome: { ok: true, externalId: null, replyToken: token },
    extra: async (trx) => {
      await queueMail(trx, {
        kind: 'delivery.report',
        to,
        replyTo: replyAddress(token),
        ...mail,
        headers: { 'X-Plaza-Report': String(report.id) },
        ...(picture ? { attachments: [{ filename: `report-${report.id}-map.png`, contentType: 'image/png', cid, content: picture }] } : {}),
      })
    },
  }
}

// ---- HTTP to back offices: one keep-alive pool per origin (undici), at most PER_BODY connections.

const pools = new Map<string, Pool>()
function poolFor(origin: string): Pool {
  let pool = pools.get(origin)
  if (!pool) {
    pool = new Pool(origin, { connections: config().DELIVERY_CONCURRENCY, keepAliveTimeout: 30_000, pipelining: 1 })
    pools.set(origin, pool)
  }
  return pool
}
/** Closes the keep-alive connections (the job's stop, a test's end). */
export async function closeDeliveryConnections() {
  const all = [...pools.values()]
  pools.clear()
  await Promise.all(all.map((p) => p.close().catch(() => undefined)))
}

async function http(url: string, init: { method: 'GET' | 'POST'; body?: string }): Promise<{ status: number; text: string }> {
  const u = new URL(url)
  const timeout = config().DELIVERY_SEND_TIMEOUT_MS
  const res = await poolFor(u.origin).request({
    path: `${u.pathname}${u.search}`,
    method: init.method,
    headers: {
      'user-agent': 'Plaza delivery (Open311 client)',
      ...(init.body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...(init.method === 'GET' ? { 'cache-control': 'no-cache' } : {}),
    },
    body: init.body,
    headersTimeout: timeout,
    bodyTimeout: timeout,
    signal: AbortSignal.timeout(timeout),
  })
  return { status: res.statusCode, text: await res.body.text() }
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

/**
 * After an attempt that got no answer, the body may have filed the request all the same: before
 * posting again, its requests.json for the service since the report was queued is searched for
 * the one whose description carries this report's link (each POST sends it). Found: that is the
 * id, nothing is posted. The body cannot be asked (down, 5xx): nothing is posted, and the next
 * attempt asks again. A body whose server does not list requests (404, 400, 501): posted again.
 */
async function findEarlierRequest(method: Method, serviceCode: string, report: BodyReport, since: string): Promise<{ found: string } | { notFound: true } | { error: string }> {
  const start = new Date(Math.max(Date.parse(since) - 10 * 60_000, Date.now() - 89 * 86_400_000))
  const end = new Date(Date.now() + 10 * 60_000)
  const marker = new RegExp(`${report.link.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![0-9])`)
  for (let page = 1; page <= 10; page++) {
    const q = new URLSearchParams({ api_key: method.api_key ?? '', service_code: serviceCode, start_date: start.toISOString(), end_date: end.toISOString(), page: String(page), page_size: '1000' })
    if (method.jurisdiction_id) q.set('jurisdiction_id', method.jurisdiction_id)
    let res: { status: number; text: string }
    try {
      res = await http(`${method.endpoint}/requests.json?${q}`, { method: 'GET' })
    } catch (error) {
      return { error: `${NO_ANSWER} ${method.endpoint} when looking for an earlier attempt: ${(error as Error).message}` }
    }
    if ([400, 404, 405, 501].includes(res.status)) return { notFound: true }
    if (res.status < 200 || res.status >= 300) return { error: `${NO_ANSWER} ${method.endpoint} when looking for an earlier attempt: HTTP ${res.status}` }
    const list = parseJson(res.text)
    if (!Array.isArray(list)) return { notFound: true }
    for (const r of list as Array<Record<string, unknown>>) {
      const id = r.service_request_id
      if ((typeof id === 'string' || typeof id === 'number') && typeof r.description === 'string' && marker.test(r.description)) return { found: String(id) }
    }
    if (list.length < 1000) break
  }
  return { notFound: true }
}

async function sendByOpen311(d: Claimed, method: Method, report: BodyReport): Promise<SendOutcome> {
  const codes = JSON.parse(method.service_codes) as Record<string, string>
  const serviceCode = codes[report.categoryCode] ?? report.categoryCode
  if (d.last_error?.startsWith(NO_ANSWER)) {
    const earlier = await findEarlierRequest(method, serviceCode, report, d.created_at)
    if ('found' in earlier) return { ok: true, externalId: earlier.found }
    if ('error' in earlier) return { ok: false, error: earlier.error, permanent: false }
  }
  const form = new URLSearchParams({
    api_key: method.api_key ?? '',
    service_code: serviceCode,
    lat: String(report.lat),
    long: String(report.lng),
    description: `${report.title}\n\n${report.description}\n\n${report.link}`.replace(/\n{3,}/g, '\n\n').slice(0, 4000),
  })
  if (method.jurisdiction_id) form.set('jurisdiction_id', method.jurisdiction_id)
  if (report.address) form.set('address_string', report.address.slice(0, 500))
  if (report.photoUrls[0]) form.set('media_url', report.photoUrls[0])
  if (report.reporterEmail) form.set('email', report.reporterEmail)
  if (report.reporterName) form.set('first_name', report.reporterName.slice(0, 100))
  const attributes = JSON.parse(report.attributes) as Record<string, string | string[]>
  for (const [code, value] of Object.entries(attributes)) {
    if (Array.isArray(value)) for (const v of value) form.append(`attribute[${code}][]`, v)
    else form.set(`attribute[${code}]`, value)
  }
  let res: { status: number; text: string }
  try {
    res = await http(`${method.endpoint}/requests.json`, { method: 'POST', body: form.toString() })
  } catch (error) {
    return { ok: false, error: `${NO_ANSWER} ${method.endpoint}: ${(error as Error).message}`, permanent: false }
  }
  const body = parseJson(res.text)
  const first = Array.isArray(body) ? (body[0] as Record<string, unknown> | undefined) : undefined
  if (res.status < 200 || res.status >= 300) {
    const said = typeof first?.description === 'string' ? first.description : res.text.slice(0, 200)
    // A refusal (4xx but 408/429) will not change by waiting: an administrator looks and resends.
    const permanent = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429
    return { ok: false, error: `HTTP ${res.status}: ${said}`, permanent }
  }
  if (first && typeof first.service_request_id === 'string' && first.service_request_id) return { ok: true, externalId: first.service_request_id }
  if (first && typeof first.service_request_id === 'number') return { ok: true, externalId: String(first.service_request_id) }
  return { ok: false, error: `The body answered without a service_request_id: ${res.text.slice(0, 200)}`, permanent: true }
}

async function sendOne(d: Claimed, method: Method | undefined, report: BodyReport | undefined): Promise<Finished> {
  if (!method || !report || method.method === 'plaza') return { d, outcome: { ok: false, error: 'The body no longer receives reports outside Plaza', permanent: true } }
  if (method.method === 'email') {
    if (!method.email) return { d, outcome: { ok: false, error: 'The body has no e-mail address', permanent: true } }
    return await sendByEmail(d, method.email, report)
  }
  const outcome = await sendByOpen311(d, method, report)
  if (!outcome.ok) logger().warn({ report: d.report_id, department: d.department_id, error: outcome.error }, 'report delivery failed')
  return { d, outcome }
}

/**
 * One run: claims due deliveries BATCH at a time; each body gets at most DELIVERY_CONCURRENCY
 * sends in flight (its own keep-alive connections), the bodies side by side; the outcomes are
 * written BATCH_WRITE to a commit.
 */
export async function sendDueDeliveries(max = 10_000): Promise<{ sent: number; failed: number }> {
  let sent = 0
  let failed = 0
  const perBody = config().DELIVERY_CONCURRENCY
  while (sent + failed < max) {
    const batch = await claimDue(Math.min(BATCH, max - sent - failed))
    if (batch.length === 0) break
    const departments = [...new Set(batch.map((d) => d.department_id))]
    const methods = new Map((await database().db.selectFrom('delivery_methods').selectAll().where('department_id', 'in', departments).execute()).map((m) => [m.department_id, m] as const))
    const reports = await reportsForBody(batch.map((d) => d.report_id))
    const writer = outcomeWriter()
    await Promise.all(
      departments.map(async (department) => {
        const queue = batch.filter((d) => d.department_id === department)
        let next = 0
        await Promise.all(
          Array.from({ length: Math.min(perBody, queue.length) }, async () => {
            while (next < queue.length) {
              const d = queue[next++]!
              let done: Finished
              try {
                done = await sendOne(d, methods.get(department), reports.get(d.report_id))
              } catch (error) {
                done = { d, outcome: { ok: false, error: `Plaza could not send it: ${(error as Error).message}`, permanent: false } }
              }
              if (done.outcome.ok) sent++
              else failed++
              writer.add(done)
            }
          }),
        )
      }),
    )
    await writer.done()
  }
  return { sent, failed }
}

// ---------------------------------------------------------------- polling Open311 back offices

// The body's extended status (mySociety) → Plaza's state; absent: keep the state, add the words.
const STATE_FROM_STATUS: Record<string, string> = {
  investigating: 'investigating',
  in_progress: 'in_progress',
  action_scheduled: 'action_scheduled',
  internal_referral: 'internal_referral',
  fixed: 'fixed',
  closed: 'closed',
  duplicate: 'duplicate',
  not_councils_responsibility: 'not_responsible',
  not_responsible: 'not_responsible',
  no_further_action: 'unable_to_fix',
  unable_to_fix: 'unable_to_fix',
  cancelled: 'closed',
}

interface RemoteUpdate {
  update_id?: unknown
  service_request_id?: unknown
  status?: unknown
  updated_datetime?: unknown
  description?: unknown
  media_url?: unknown
}

/** A page of updates is at most this many (GeoReport servers answer 1,000): a full page reads on. */
const PAGE = 1000

/**
 * Reads one body's servicerequestupdates since the last poll and applies each new one to its
 * report, as the body's staff would (audited, source "open311"). Each update_id is applied once.
 */
export async function pollBody(departmentId: number, until = new Date()): Promise<{ applied: number; seen: number }> {
  const method = await methodOf(departmentId)
  if (!method || method.method !== 'open311' || !method.endpoint || method.enabled !== 1) return { applied: 0, seen: 0 }
  let start = method.polled_until ? new Date(Date.parse(method.polled_until) - 1000) : new Date(until.getTime() - 24 * 3600_000)
  let applied = 0
  let seen = 0
  for (let pages = 0; pages < 100; pages++) {
    const q = new URLSearchParams({ api_key: method.api_key ?? '', start_date: start.toISOString(), end_date: until.toISOString() })
    if (method.jurisdiction_id) q.set('jurisdiction_id', method.jurisdiction_id)
    const res = await fetch(`${method.endpoint}/servicerequestupdates.json?${q}`, {
      signal: AbortSignal.timeout(30_000),
      headers: { 'Cache-Control': 'no-cache', 'User-Agent': 'Plaza delivery (Open311 client)' },
    })
    if (!res.ok) throw new Error(`servicerequestupdates answered HTTP ${res.status}`)
    const updates = (await res.json()) as RemoteUpdate[]
    if (!Array.isArray(updates)) throw new Error('servicerequestupdates did not answer a list')
    seen += updates.length
    applied += await applyUpdates(departmentId, updates)
    const last = updates.at(-1)?.updated_datetime
    const lastAt = typeof last === 'string' ? new Date(last) : null
    if (updates.length < PAGE || !lastAt || Number.isNaN(lastAt.getTime()) || lastAt <= start) break
    start = lastAt
  }
  await database().write((trx) => trx.updateTable('delivery_methods').set({ polled_until: until.toISOString() }).where('department_id', '=', departmentId).execute())
  return { applied, seen }
}

async function applyUpdates(departmentId: number, updates: RemoteUpdate[]): Promise<number> {
  const valid = updates.filter(
    (u): u is RemoteUpdate & { update_id: string | number; service_request_id: string | number } =>
      (typeof u.update_id === 'string' || typeof u.update_id === 'number') && (typeof u.service_request_id === 'string' || typeof u.service_request_id === 'number'),
  )
  if (valid.length === 0) return 0
  const db = database().db
  const externals = [...new Set(valid.map((u) => String(u.service_request_id)))]
  const ours = new Map<string, number>()
  for (let i = 0; i < externals.length; i += 500) {
    const rows = await db
      .selectFrom('report_deliveries')
      .select(['report_id', 'external_id'])
      .where('department_id', '=', departmentId)
      .where('external_id', 'in', externals.slice(i, i + 500))
      .execute()
    for (const r of rows) ours.set(r.external_id!, r.report_id)
  }
  const mine = valid.filter((u) => ours.has(String(u.service_request_id)))
  if (mine.length === 0) return 0
  const seen = new Set<string>()
  const ids = mine.map((u) => String(u.update_id))
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('delivery_seen_updates')
      .select('external_update_id')
      .where('department_id', '=', departmentId)
      .where('external_update_id', 'in', ids.slice(i, i + 500))
      .execute()
    for (const r of rows) seen.add(r.external_update_id)
  }
  // Each report's updates in the body's order; reports side by side (their writes share commits).
  const byReport = new Map<number, typeof mine>()
  for (const u of mine) {
    const updateId = String(u.update_id)
    if (seen.has(updateId)) continue
    seen.add(updateId)
    const reportId = ours.get(String(u.service_request_id))!
    byReport.set(reportId, [...(byReport.get(reportId) ?? []), u])
  }
  const queue = [...byReport]
  let applied = 0
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(APPLY_CONCURRENCY, queue.length) }, async () => {
      while (next < queue.length) {
        const [reportId, list] = queue[next++]!
        for (const u of list) if (await applyUpdate(departmentId, reportId, u)) applied++
      }
    }),
  )
  return applied
}

/** Updates applied at once (different reports): their writes are committed together by the writer. */
const APPLY_CONCURRENCY = 32

/** One update of the body's to its report, as its staff would make it; its update_id noted as seen. */
async function applyUpdate(departmentId: number, reportId: number, u: RemoteUpdate): Promise<boolean> {
  const updateId = String(u.update_id)
  const current = await database().db.selectFrom('reports').select(['state', 'state_kind']).where('id', '=', reportId).executeTakeFirst()
  const state = typeof u.status === 'string' ? STATE_FROM_STATUS[u.status.toLowerCase()] : undefined
  const reopen = typeof u.status === 'string' && u.status.toLowerCase() === 'open' && current && current.state_kind !== 'open' ? 'confirmed' : undefined
  const target = state ?? reopen
  const text = typeof u.description === 'string' ? u.description.trim().slice(0, 5000) : ''
  const mediaUrl = typeof u.media_url === 'string' && /^https?:\/\/\S+$/.test(u.media_url) ? u.media_url : undefined
  const markSeen = (trx: Transaction<Database>) =>
    trx
      .insertInto('delivery_seen_updates')
      .values({ department_id: departmentId, external_update_id: updateId, report_id: reportId, created_at: now() })
      .onConflict((oc) => oc.doNothing())
      .execute()
  // Seen in the same commit as the change it made: applied once, even if Plaza stops in between.
  let marked = false
  const result = await triageReport(
    { userId: null, departments: [departmentId], source: 'open311' },
    reportId,
    {
      ...(target && current && target !== current.state ? { state: target } : {}),
      ...(text ? { update: text } : {}),
      ...(mediaUrl ? { mediaUrl } : {}),
    },
    async (trx) => {
      await markSeen(trx)
      marked = true
    },
  )
  if (result.kind !== 'ok' && result.kind !== 'nothingToDo') logger().warn({ report: reportId, update: updateId, result: result.kind }, 'an update from the body could not be applied')
  if (!marked) await database().write(async (trx) => void (await markSeen(trx)))
  return result.kind === 'ok'
}

/** Polls every body whose reports go by Open311. */
export async function pollAllBodies(): Promise<{ applied: number; seen: number }> {
  const bodies = await database().db.selectFrom('delivery_methods').select('department_id').where('method', '=', 'open311').where('enabled', '=', 1).execute()
  let applied = 0
  let seen = 0
  for (const b of bodies) {
    try {
      const r = await pollBody(b.department_id)
      applied += r.applied
      seen += r.seen
    } catch (error) {
      logger().warn({ department: b.department_id, err: error }, 'polling a body for updates failed')
    }
  }
  return { applied, seen }
}

// ---------------------------------------------------------------- replies by e-mail

/** The reply token in a per-report address, or null. */
export function replyTokenOf(address: string): string | null {
  const m = /^report-([a-z2-7]{20,64})@([^@\s]+)$/i.exec(address.trim())
  if (!m) return null
  return m[2]!.toLowerCase() === replyDomain().toLowerCase() ? m[1]!.toLowerCase() : null
}

export async function deliveryByReplyToken(token: string) {
  return database()
    .db.selectFrom('report_deliveries as x')
    .innerJoin('delivery_methods as m', 'm.department_id', 'x.department_id')
    .select(['x.report_id as reportId', 'x.department_id as departmentId', 'm.email'])
    .where('x.reply_token', '=', token)
    .executeTakeFirst()
}

/** The new words of a reply: above the quoted message and the signature. */
export function replyText(text: string): string {
  const out: string[] = []
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (/^>/.test(line) || /^-- ?$/.test(line) || /^-{2,}\s*(Original Message|Mensaje original|Message d'origine)/i.test(line)) break
    if (/^(On|El|Le)\b.{0,200}(wrote|escribió|a écrit)\s*:\s*$/i.test(line)) break
    out.push(line)
  }
  return out.join('\n').trim()
}

export type ReplyResult = { kind: 'ok'; reportId: number } | { kind: 'unknown' } | { kind: 'notFromBody' } | { kind: 'empty' } | { kind: 'refused'; reason: string }

/**
 * A body's reply to a report's address: its words become a public update, as its staff's would
 * (source "email"). Only from the body's own domain, so a forwarded copy cannot speak for it.
 */
export async function receiveReply(token: string, from: string | null, text: string): Promise<ReplyResult> {
  const delivery = await deliveryByReplyToken(token)
  if (!delivery) return { kind: 'unknown' }
  const domainOf = (a: string | null) => a?.split('@')[1]?.toLowerCase() ?? null
  if (!from || !delivery.email || domainOf(from) !== domainOf(delivery.email)) return { kind: 'notFromBody' }
  const words = replyText(text).slice(0, 5000)
  if (!words) return { kind: 'empty' }
  const result = await triageReport({ userId: null, departments: [delivery.departmentId], source: 'email' }, delivery.reportId, { update: words })
  if (result.kind !== 'ok') return { kind: 'refused', reason: result.kind }
  return { kind: 'ok', reportId: delivery.reportId }
}

// ---------------------------------------------------------------- staff: what is not sent

export interface UnsentDelivery {
  reportId: number
  title: string
  body: string
  method: DeliveryMethod
  status: string
  attempts: number
  lastError: string | null
  nextAttemptAt: string
  createdAt: string
}

export async function unsentDeliveries(locale: string = cityDefaultLocale(), limit = 200): Promise<UnsentDelivery[]> {
  const name = namesIn(locale)
  const rows = await database()
    .db.selectFrom('report_deliveries as x')
    .innerJoin('reports as r', 'r.id', 'x.report_id')
    .innerJoin('departments as d', 'd.id', 'x.department_id')
    .select([
      'x.report_id as reportId',
      'r.title',
      'd.name as body',
      'x.method',
      'x.status',
      'x.attempts',
      'x.last_error as lastError',
      'x.next_attempt_at as nextAttemptAt',
      'x.created_at as createdAt',
    ])
    .where('x.status', 'in', ['pending', 'sending', 'failed'])
    .orderBy('x.created_at')
    .limit(limit)
    .execute()
  return rows.map((r) => ({ ...r, body: name(r.body) }))
}

/** Where a report went, for staff and its reporter: null when its body works inside Plaza. */
export async function deliveryStatus(reportId: number, locale: string = cityDefaultLocale()) {
  const row = await database()
    .db.selectFrom('report_deliveries as x')
    .innerJoin('departments as d', 'd.id', 'x.department_id')
    .select(['x.status', 'x.method', 'x.sent_at as sentAt', 'x.external_id as externalId', 'x.last_error as lastError', 'x.attempts', 'd.name as body'])
    .where('x.report_id', '=', reportId)
    .executeTakeFirst()
  return row ? { ...row, body: namesIn(locale)(row.body) } : null
}

export type ResendResult = { kind: 'ok' } | { kind: 'notFound' } | { kind: 'forbidden' } | { kind: 'alreadySent' } | { kind: 'sending' }

/**
 * Staff send a report again now (after the body's settings were fixed, or because the body lost
 * it), audited as `delivery.resend`. A sent one is sent again only when `evenIfSent` (the triage
 * page's button says so): it is posted or mailed anew and the body's new reference kept. One being
 * sent right now is left to its sender: taking it back could send it twice. `may` decides whether
 * this person may act on a report of the given department (staff: their own departments).
 */
export async function resendDelivery(actorId: number | null, reportId: number, options: { evenIfSent?: boolean; may?: (departmentId: number) => boolean } = {}): Promise<ResendResult> {
  const result = await database().write(async (trx) => {
    if (options.may) {
      const report = await trx.selectFrom('reports').select('department_id').where('id', '=', reportId).executeTakeFirst()
      if (!report) return { kind: 'notFound' as const }
      if (!options.may(report.department_id)) return { kind: 'forbidden' as const }
    }
    const d = await trx.selectFrom('report_deliveries').select(['status', 'attempts', 'last_error', 'external_id', 'sent_at']).where('report_id', '=', reportId).executeTakeFirst()
    if (!d) return { kind: 'notFound' as const }
    if (d.status === 'sending') return { kind: 'sending' as const }
    if (d.status === 'sent' && !options.evenIfSent) return { kind: 'alreadySent' as const }
    await trx
      .updateTable('report_deliveries')
      .set({ status: 'pending', next_attempt_at: now(), ...(d.status === 'sent' ? { last_error: null } : {}) })
      .where('report_id', '=', reportId)
      .where('status', '=', d.status)
      .execute()
    await recordAudit(trx, {
      actorId,
      action: 'delivery.resend',
      targetKind: 'report',
      targetId: reportId,
      before: { status: d.status, attempts: d.attempts, lastError: d.last_error, externalId: d.external_id, sentAt: d.sent_at },
      after: { status: 'pending' },
    })
    return { kind: 'ok' as const }
  })
  if (result.kind === 'ok') wake()
  return result
}

// ---------------------------------------------------------------- the job

/** Sends due deliveries every DELIVERY_INTERVAL_MS (and at once when one is queued here); polls bodies every DELIVERY_POLL_MS. */
export function startDeliveryJobs(): () => Promise<void> {
  let running: Promise<unknown> | null = null
  let again = false
  let stopped = false
  const run = () => {
    if (stopped) return
    if (running) {
      again = true
      return
    }
    running = sendDueDeliveries()
      .then((r) => (r.sent || r.failed ? logger().info({ delivery: r }, 'reports delivered') : undefined))
      .catch((error) => logger().error({ err: error }, 'report delivery run failed'))
      .finally(() => {
        running = null
        if (again) {
          again = false
          run()
        }
      })
  }
  wakers.add(run)
  const send = setInterval(run, config().DELIVERY_INTERVAL_MS)
  let polling: Promise<unknown> | null = null
  const poll = setInterval(() => {
    if (polling || stopped) return
    polling = pollAllBodies()
      .then((r) => (r.applied ? logger().info({ delivery: r }, 'updates from bodies applied') : undefined))
      .catch((error) => logger().error({ err: error }, 'polling bodies failed'))
      .finally(() => (polling = null))
  }, config().DELIVERY_POLL_MS)
  send.unref()
  poll.unref()
  const first = setTimeout(run, 1000)
  first.unref()
  return async () => {
    stopped = true
    wakers.delete(run)
    clearInterval(send)
    clearInterval(poll)
    clearTimeout(first)
    await Promise.all([running, polling])
    await closeDeliveryConnections()
  }
}

// ---------------------------------------------------------------- staff: where one report went

export interface DeliveryDetail {
  body: string
  method: DeliveryMethod
  status: string
  /** The body's address or back office (never its key). */
  destination: string | null
  queuedAt: string
  sentAt: string | null
  externalId: string | null
  attempts: number
  lastError: string | null
  /** When it is tried again (pending and failed ones). */
  nextAttemptAt: string | null
}

/** For the triage page: to whom, how, when, the body's reference, and any failure with its next try. */
export async function deliveryDetail(reportId: number, locale: string = cityDefaultLocale()): Promise<DeliveryDetail | null> {
  const row = await database()
    .db.selectFrom('report_deliveries as x')
    .innerJoin('departments as d', 'd.id', 'x.department_id')
    .leftJoin('delivery_methods as m', 'm.department_id', 'x.department_id')
    .select([
      'd.name as body',
      'x.method',
      'x.status',
      'm.email',
      'm.endpoint',
      'x.created_at as queuedAt',
      'x.sent_at as sentAt',
      'x.external_id as externalId',
      'x.attempts',
      'x.last_error as lastError',
      'x.next_attempt_at as nextAttemptAt',
    ])
    .where('x.report_id', '=', reportId)
    .executeTakeFirst()
  if (!row) return null
  return {
    body: namesIn(locale)(row.body),
    method: row.method,
    status: row.status,
    destination: row.method === 'email' ? (row.email ?? null) : row.method === 'open311' ? (row.endpoint ?? null) : null,
    queuedAt: row.queuedAt,
    sentAt: row.sentAt,
    externalId: row.externalId,
    attempts: Number(row.attempts),
    lastError: row.lastError,
    nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt : null,
  }
}
