import { sql, type Transaction } from 'kysely'
import type { Database, ReportPriority, ReportStateKind, ReportUpdateKind } from '../../../db/schema'
import { config } from '../../lib/config.server'
import { database } from '../../lib/db.server'
import { cityDefaultLocale, namesIn } from '../../lib/localized.server'
import { translator } from '../../lib/i18n.server'
import type { Locale } from '../../lib/i18n'
import { composeMail, queueMail } from '../../lib/mail/outbox.server'
import { attemptCounter } from '../../lib/rate-limit.server'
import { generateToken, hashToken } from '../accounts/sessions.server'
import type { AreaHit } from '../geo/lookup.server'
import { moveItem, placeItem, updateItem } from '../geo/map-index.server'
import { recordAudit } from '../moderation/moderation.server'
import { attachPhotos } from './photos.server'
import { routeReport } from './department-routing.server'
import { canTransition, isPublic } from './states'
import { itemPublished, reportUpdated } from '../notifications/events.server'

/**
 * Street-issue reports: filing, confirmation, supports ("me too"), triage by the department's staff
 * and the reporter's own changes. The only code that writes `reports`, `report_updates`,
 * `report_supports` and `report_state_counts`. Every change is one transaction that also keeps the map in step and writes the
 * timeline (public rows are the report's history; private rows are staff notes) and, for staff, the
 * audit log.
 */

export const MAP_KIND = 'reports'
export const SIMILAR_RADIUS_M = 250
export const QUESTIONNAIRE_AFTER_DAYS = 28
export const priorities: readonly ReportPriority[] = ['low', 'normal', 'high', 'urgent']

// Confirmation e-mails cost something: logged-out filing is limited per address of origin.
export const guestFilings = attemptCounter('report:guest', 20, 3600)

const now = () => new Date().toISOString()
const link = (path: string) => `${config().PUBLIC_URL}${path}`

// ---------------------------------------------------------------- states (data, cached briefly)

let statesCache: { at: number; states: Map<string, { kind: ReportStateKind; label: string | null; position: number }> } | null = null
export async function reportStates() {
  if (statesCache && Date.now() - statesCache.at < 10_000) return statesCache.states
  const rows = await database().db.selectFrom('report_states').selectAll().orderBy('position').execute()
  statesCache = { at: Date.now(), states: new Map(rows.map((r) => [r.code, { kind: r.kind, label: r.label, position: r.position }])) }
  return statesCache.states
}
export const forgetReportStates = () => {
  statesCache = null
}

/**
 * Every state's label in `locale`: the administrator's own name (localized, falling back to the
 * default language), else the translation of the code that `translate` gives.
 */
export async function reportStateLabels(locale: string, translate: (code: string) => string): Promise<Record<string, string>> {
  const name = namesIn(locale)
  const states = await reportStates()
  return Object.fromEntries([...states].map(([code, s]) => [code, (s.label && name(s.label)) || translate(code)]))
}

// ---------------------------------------------------------------- events

/** Called inside the transaction that makes a report public (alerts subscribe here). */
export type ReportPublishedListener = (trx: Transaction<Database>, report: { id: number; lat: number; lng: number; areaIds: number[]; title: string; categoryId: number }) => Promise<void>
const publishedListeners: ReportPublishedListener[] = []
export function onReportPublished(listener: ReportPublishedListener) {
  publishedListeners.push(listener)
}
async function publishedReport(trx: Transaction<Database>, id: number) {
  const r = await trx.selectFrom('reports').select(['id', 'lat', 'lng', 'title', 'category_id', 'area_id', 'district_id']).where('id', '=', id).executeTakeFirstOrThrow()
  const item = await trx.selectFrom('map_items').select('area_ids').where('kind', '=', MAP_KIND).where('item_id', '=', id).executeTakeFirst()
  const areaIds = item ? (JSON.parse(item.area_ids) as number[]) : [r.area_id, r.district_id].filter((x): x is number => x !== null)
  return { id: r.id, lat: r.lat, lng: r.lng, areaIds, title: r.title, categoryId: r.category_id }
}
async function published(trx: Transaction<Database>, id: number) {
  // Followers of the report's areas (issue 10).
  await itemPublished(trx, 'report', id)
  if (publishedListeners.length === 0) return
  const report = await publishedReport(trx, id)
  for (const listener of publishedListeners) await listener(trx, report)
}

/**
 * Called inside the write that adds a public update or status change to a public report (area
 * and radius alerts that asked for updates listen here, issue 19).
 */
export type ReportUpdatedListener = (
  trx: Transaction<Database>,
  report: Parameters<ReportPublishedListener>[1],
  update: { authorId: number | null; text: string; fromState: string | null; toState: string | null },
) => Promise<void>
const updatedListeners: ReportUpdatedListener[] = []
export function onReportUpdated(listener: ReportUpdatedListener) {
  updatedListeners.push(listener)
}

// ---------------------------------------------------------------- filing

export type Reporter =
  | { kind: 'user'; userId: number; name: string }
  | { kind: 'guest'; email: string; name: string }
  /** An Open311 client; `confirmed` false sends the person a confirmation e-mail (the token flow). */
  | { kind: 'api'; apiKeyId: number; email: string | null; name: string; confirmed: boolean }

export interface NewReport {
  categoryCode: string
  title: string
  description: string
  lat: number
  lng: number
  address?: string | null
  anonymous: boolean
  photoRefs?: string[]
  attributes?: Record<string, string | string[]>
  /** A photo elsewhere (an Open311 client's media_url). */
  mediaUrl?: string | null
  locale: Locale
  /** For demo data and imports: when it was filed. */
  createdAt?: string
}

export type FileResult = { kind: 'filed'; id: number; confirmed: boolean; open311Token: string | null } | { kind: 'outsideCity' } | { kind: 'notServedHere' }

const mostSpecific = (areas: AreaHit[]) => ({
  areaId: areas.find((a) => a.level === 'neighbourhood')?.id ?? areas.find((a) => a.level === 'district')?.id ?? null,
  districtId: areas.find((a) => a.level === 'district')?.id ?? null,
})

export async function fileReport(input: NewReport, reporter: Reporter): Promise<FileResult> {
  const routing = await routeReport(input.categoryCode, input.lat, input.lng)
  if (routing.kind !== 'routed') return routing
  const areas = mostSpecific(routing.areas)
  const confirmed = reporter.kind === 'user' || (reporter.kind === 'api' && (reporter.confirmed || !reporter.email))
  const confirmToken = confirmed ? null : generateToken()
  const open311Token = reporter.kind === 'api' ? generateToken() : null
  const at = input.createdAt ?? now()
  const email = reporter.kind === 'user' ? null : reporter.email?.trim().toLowerCase() || null

  return database().write(async (trx) => {
    // A guest whose e-mail belongs to an account files as that account once confirmed.
    const row = await trx
      .insertInto('reports')
      .values({
        category_id: routing.categoryId,
        department_id: routing.departmentId,
        state: confirmed ? 'confirmed' : 'unconfirmed',
        state_kind: confirmed ? 'open' : 'unconfirmed',
        title: input.title.trim(),
        description: input.description.trim(),
        lat: input.lat,
        lng: input.lng,
        address: input.address?.trim() || null,
        area_id: areas.areaId,
        district_id: areas.districtId,
        reporter_id: reporter.kind === 'user' ? reporter.userId : null,
        reporter_email: email,
        reporter_name: reporter.name.trim(),
        anonymous: input.anonymous ? 1 : 0,
        source: reporter.kind === 'api' ? 'open311' : 'web',
        api_key_id: reporter.kind === 'api' ? reporter.apiKeyId : null,
        attributes: JSON.stringify(input.attributes ?? {}),
        media_url: input.mediaUrl ?? null,
        confirm_token_hash: confirmToken ? hashToken(confirmToken) : null,
        open311_token: open311Token,
        locale: input.locale,
        created_at: at,
        confirmed_at: confirmed ? at : null,
        updated_at: at,
        questionnaire_due_at: confirmed && (reporter.kind === 'user' || email) ? addDays(at, QUESTIONNAIRE_AFTER_DAYS) : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await countState(trx, routing.departmentId, confirmed ? 'confirmed' : 'unconfirmed', 1)
    // attachPhotos also sets the report's photo_count.
    if (input.photoRefs?.length) await attachPhotos(trx, row.id, input.photoRefs)
    await placeItem(trx, {
      kind: MAP_KIND,
      itemId: row.id,
      lat: input.lat,
      lng: input.lng,
      status: confirmed ? 'open' : 'unconfirmed',
      category: input.categoryCode,
      title: input.title.trim(),
      createdAt: at,
      visible: confirmed,
    })
    await addUpdate(trx, { reportId: row.id, authorId: reporter.kind === 'user' ? reporter.userId : null, kind: 'created', public: true, toState: confirmed ? 'confirmed' : 'unconfirmed', at })
    if (confirmed) await published(trx, row.id)
    else if (email && confirmToken) {
      const t = translator(input.locale)
      const mail = composeMail({
        locale: input.locale,
        subject: t('reports:mail.confirm.subject', { title: input.title.trim() }),
        greeting: t('reports:mail.greeting', { name: reporter.name.trim() }),
        paragraphs: [t('reports:mail.confirm.body', { title: input.title.trim() })],
        action: { label: t('reports:mail.confirm.action'), url: link(`/reports/confirm/${confirmToken}`) },
      })
      await queueMail(trx, { kind: 'report.confirm', to: email, ...mail })
    }
    return { kind: 'filed' as const, id: row.id, confirmed, open311Token }
  })
}

export type ConfirmResult = { kind: 'ok'; id: number } | { kind: 'invalid' }

/** The link in the logged-out reporter's e-mail: the report becomes public. */
export async function confirmReport(token: string): Promise<ConfirmResult> {
  if (!/^[a-z0-9]{10,100}$/.test(token)) return { kind: 'invalid' }
  const tokenHash = hashToken(token)
  return database().write(async (trx) => {
    const report = await trx.selectFrom('reports').select(['id', 'department_id', 'state', 'state_kind', 'reporter_email']).where('confirm_token_hash', '=', tokenHash).executeTakeFirst()
    if (!report || report.state_kind !== 'unconfirmed') return { kind: 'invalid' as const }
    const at = now()
    const account = report.reporter_email ? await trx.selectFrom('users').select('id').where('email', '=', report.reporter_email).where('deleted_at', 'is', null).executeTakeFirst() : undefined
    await trx
      .updateTable('reports')
      .set({
        state: 'confirmed',
        state_kind: 'open',
        confirmed_at: at,
        updated_at: at,
        confirm_token_hash: null,
        questionnaire_due_at: addDays(at, QUESTIONNAIRE_AFTER_DAYS),
        ...(account ? { reporter_id: account.id } : {}),
      })
      .where('id', '=', report.id)
      .execute()
    await moveStateCount(trx, { departmentId: report.department_id, state: report.state }, { departmentId: report.department_id, state: 'confirmed' })
    await updateItem(trx, MAP_KIND, report.id, { status: 'open', visible: true })
    await addUpdate(trx, { reportId: report.id, authorId: null, kind: 'confirmed', public: true, fromState: 'unconfirmed', toState: 'confirmed', at })
    await published(trx, report.id)
    return { kind: 'ok' as const, id: report.id }
  })
}

// ---------------------------------------------------------------- reading

export interface ReportSummary {
  id: number
  title: string
  state: string
  stateKind: ReportStateKind
  categoryCode: string
  categoryName: string
  department: string
  areaName: string | null
  createdAt: string
  updatedAt: string
  supports: number
  photoCount: number
  lat: number
  lng: number
}

function summaryQuery() {
  return database()
    .db.selectFrom('reports')
    .innerJoin('report_categories as c', 'c.id', 'reports.category_id')
    .innerJoin('departments as d', 'd.id', 'reports.department_id')
    .leftJoin('areas as a', 'a.id', 'reports.area_id')
    .select([
      'reports.id',
      'reports.title',
      'reports.state',
      'reports.state_kind as stateKind',
      'c.code as categoryCode',
      'c.name as categoryName',
      'd.name as department',
      'a.names as areaName',
      'reports.created_at as createdAt',
      'reports.updated_at as updatedAt',
      'reports.supports',
      'reports.photo_count as photoCount',
      'reports.lat',
      'reports.lng',
    ])
}

export interface PublicReportFilter {
  /** Any area: a district matches its neighbourhoods' reports too. */
  areaId?: number
  categoryCode?: string
  kind?: 'open' | 'fixed' | 'closed'
  /** Only reports filed in the last N days. */
  maxAgeDays?: number
  page?: number
  pageSize?: number
}

/** Public reports (never unconfirmed or hidden), newest first, with the total for paging. */
/** Names (category, department, area) of report summaries in `locale`, else the city's default language. */
export function localizeSummary<T extends { categoryName: string; department: string; areaName: string | null }>(row: T, locale: string): T {
  const name = namesIn(locale)
  return { ...row, categoryName: name(row.categoryName), department: name(row.department), areaName: row.areaName === null ? null : name(row.areaName) }
}

export async function listPublicReports(filter: PublicReportFilter, locale: string = cityDefaultLocale()): Promise<{ items: ReportSummary[]; total: number }> {
  const pageSize = Math.min(Math.max(filter.pageSize ?? 20, 1), 100)
  const page = Math.max(filter.page ?? 1, 1)
  let areaIds: number[] | null = null
  if (filter.areaId !== undefined) {
    const rows = await database()
      .db.selectFrom('areas')
      .select('id')
      .where((eb) => eb.or([eb('id', '=', filter.areaId!), eb('parent_id', '=', filter.areaId!)]))
      .execute()
    const all = await database().db.selectFrom('areas').select(['id', 'level']).where('id', '=', filter.areaId).executeTakeFirst()
    // The whole city: no area condition at all.
    areaIds = all?.level === 'city' ? null : rows.map((r) => r.id)
    if (!all) areaIds = []
  }
  let base = summaryQuery().where('reports.state_kind', 'in', filter.kind ? [filter.kind] : ['open', 'fixed', 'closed'])
  if (areaIds) base = base.where((eb) => eb.or([eb('reports.area_id', 'in', areaIds!.length ? areaIds! : [-1]), eb('reports.district_id', 'in', areaIds!.length ? areaIds! : [-1])]))
  if (filter.categoryCode) base = base.where('c.code', '=', filter.categoryCode)
  if (filter.maxAgeDays) base = base.where('reports.created_at', '>=', new Date(Date.now() - filter.maxAgeDays * 86_400_000).toISOString())
  const [items, total] = await Promise.all([
    base
      .orderBy('reports.created_at', 'desc')
      .orderBy('reports.id', 'desc')
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute(),
    base
      .clearSelect()
      .select(sql<number>`count(*)`.as('n'))
      .executeTakeFirstOrThrow(),
  ])
  return { items: items.map((r) => localizeSummary(r, locale)), total: total.n }
}

/** Open public reports of a category within `radius` metres, nearest first (duplicate suggestions). */
export async function similarReports(categoryCode: string, lat: number, lng: number, radius = SIMILAR_RADIUS_M, limit = 5, locale: string = cityDefaultLocale()) {
  const dLat = radius / 111_320
  const dLng = radius / (111_320 * Math.max(Math.cos((lat * Math.PI) / 180), 0.01))
  const rows = await summaryQuery()
    .where('c.code', '=', categoryCode)
    .where('reports.state_kind', '=', 'open')
    .where('reports.lat', '>=', lat - dLat)
    .where('reports.lat', '<=', lat + dLat)
    .where('reports.lng', '>=', lng - dLng)
    .where('reports.lng', '<=', lng + dLng)
    .limit(200)
    .execute()
  return rows
    .map((r) => ({ ...localizeSummary(r, locale), distanceM: Math.round(metresBetween(lat, lng, r.lat, r.lng)) }))
    .filter((r) => r.distanceM <= radius)
    .sort((a, b) => a.distanceM - b.distanceM)
    .slice(0, limit)
}

export function metresBetween(lat1: number, lng1: number, lat2: number, lng2: number) {
  const rad = Math.PI / 180
  const a = Math.sin(((lat2 - lat1) * rad) / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lng2 - lng1) * rad) / 2) ** 2
  return 2 * 6_371_008.8 * Math.asin(Math.min(1, Math.sqrt(a)))
}

export interface Viewer {
  id: number
  roles: Array<{ role: string; departmentId: number | null }>
}

const isAdmin = (v: Viewer | null) => Boolean(v?.roles.some((r) => r.role === 'admin'))
export const mayTriage = (v: Viewer | null, departmentId: number) => isAdmin(v) || Boolean(v?.roles.some((r) => r.role === 'staff' && r.departmentId === departmentId))

/** One report as its page shows it; null when it does not exist or the viewer may not see it. */
export async function reportForViewer(id: number, viewer: Viewer | null, locale: string = cityDefaultLocale()) {
  const name = namesIn(locale)
  const row = await database()
    .db.selectFrom('reports')
    .innerJoin('report_categories as c', 'c.id', 'reports.category_id')
    .innerJoin('departments as d', 'd.id', 'reports.department_id')
    .leftJoin('areas as a', 'a.id', 'reports.area_id')
    .leftJoin('areas as dist', 'dist.id', 'reports.district_id')
    .leftJoin('users as u', 'u.id', 'reports.reporter_id')
    .leftJoin('users as assignee', 'assignee.id', 'reports.assignee_id')
    .selectAll('reports')
    .select([
      'c.code as categoryCode',
      'c.name as categoryName',
      'd.name as departmentName',
      'd.slug as departmentSlug',
      'a.names as areaName',
      'a.slug as areaSlug',
      'dist.names as districtName',
      'u.display_name as reporterAccountName',
      'u.deleted_at as reporterDeletedAt',
      'assignee.display_name as assigneeName',
    ])
    .where('reports.id', '=', id)
    .executeTakeFirst()
  if (!row) return null
  const isReporter = viewer !== null && row.reporter_id === viewer.id
  const staff = mayTriage(viewer, row.department_id)
  if (!isPublic(row.state_kind) && !isReporter && !staff) return null
  const supported = viewer ? Boolean(await database().db.selectFrom('report_supports').select('user_id').where('report_id', '=', id).where('user_id', '=', viewer.id).executeTakeFirst()) : false
  const shownName = row.anonymous ? null : row.reporter_id ? (row.reporterDeletedAt ? null : row.reporterAccountName) : row.reporter_name
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    state: row.state,
    stateKind: row.state_kind,
    priority: row.priority,
    category: { code: row.categoryCode, name: name(row.categoryName) },
    department: { id: row.department_id, name: name(row.departmentName), slug: row.departmentSlug },
    area: row.areaName ? { name: name(row.areaName), slug: row.areaSlug! } : null,
    districtName: row.districtName === null ? null : name(row.districtName),
    lat: row.lat,
    lng: row.lng,
    address: row.address,
    /** null: shown as anonymous (or the account was deleted). */
    reporterName: shownName,
    anonymous: row.anonymous === 1,
    assignee: row.assignee_id ? { id: row.assignee_id, name: row.assigneeName } : null,
    duplicateOf: row.duplicate_of,
    supports: row.supports,
    /** Answers to the category's questions (Open311 attributes), by attribute code. */
    attributes: safeJson(row.attributes),
    photoCount: row.photo_count,
    source: row.source,
    createdAt: row.created_at,
    confirmedAt: row.confirmed_at,
    updatedAt: row.updated_at,
    viewer: {
      isReporter,
      mayTriage: staff,
      supported,
      mayMarkFixed: isReporter && canTransition(row.state_kind, 'fixed', 'reporter'),
      mayReopen: isReporter && canTransition(row.state_kind, 'open', 'reporter'),
    },
    // Staff-only facts, withheld from everyone else.
    reporterContact: staff ? { name: row.reporter_name, email: row.reporter_email, accountId: row.reporter_id } : null,
  }
}
export type ReportView = NonNullable<Awaited<ReturnType<typeof reportForViewer>>>

/** The timeline: public rows for everyone, private notes too for staff. */
export async function reportTimeline(reportId: number, options: { includePrivate?: boolean; locale?: string } = {}) {
  const name = namesIn(options.locale ?? cityDefaultLocale())
  let q = database()
    .db.selectFrom('report_updates as up')
    .leftJoin('users as u', 'u.id', 'up.author_id')
    .innerJoin('reports as r', 'r.id', 'up.report_id')
    .select([
      'up.id',
      'up.kind',
      'up.public',
      'up.text',
      'up.from_state as fromState',
      'up.to_state as toState',
      'up.details',
      'up.source',
      'up.created_at as createdAt',
      'up.author_id as authorId',
      'u.display_name as authorName',
      'r.reporter_id as reporterId',
      'r.anonymous',
    ])
    .where('up.report_id', '=', reportId)
  if (!options.includePrivate) q = q.where('up.public', '=', 1)
  const rows = await q.orderBy('up.id').execute()
  return rows.map((r) => {
    const byReporter = r.authorId !== null && r.authorId === r.reporterId
    const details = r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null
    // A citizen's update through another site (Open311 client) carries the name they gave.
    const givenName = r.authorId === null && typeof details?.name === 'string' && details.name ? details.name : null
    return {
      id: r.id,
      kind: r.kind,
      public: r.public === 1,
      text: r.text,
      fromState: r.fromState,
      toState: r.toState,
      details: details ? localizeDetails(r.kind, details, name) : null,
      source: r.source,
      createdAt: r.createdAt,
      byReporter,
      // The reporter's choice to be anonymous covers their updates too.
      authorName: byReporter && r.anonymous ? null : (r.authorName ?? givenName),
    }
  })
}

/** A category change names the categories: stored as they were named then (localized JSON), shown in the reader's language. */
function localizeDetails(kind: string, details: Record<string, unknown>, name: (v: string) => string) {
  if (kind !== 'category') return details
  return { ...details, from: typeof details.from === 'string' ? name(details.from) : details.from, to: typeof details.to === 'string' ? name(details.to) : details.to }
}

// ---------------------------------------------------------------- supports ("me too")

export type SupportResult = { kind: 'ok'; supports: number } | { kind: 'already' } | { kind: 'notFound' } | { kind: 'notOpen' } | { kind: 'own' }

export async function supportReport(userId: number, reportId: number): Promise<SupportResult> {
  return database().write(async (trx) => {
    const report = await trx.selectFrom('reports').select(['state_kind', 'reporter_id', 'supports']).where('id', '=', reportId).executeTakeFirst()
    if (!report || !isPublic(report.state_kind)) return { kind: 'notFound' as const }
    if (report.state_kind !== 'open') return { kind: 'notOpen' as const }
    if (report.reporter_id === userId) return { kind: 'own' as const }
    const inserted = await trx
      .insertInto('report_supports')
      .values({ report_id: reportId, user_id: userId, created_at: now() })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst()
    if (!inserted.numInsertedOrUpdatedRows) return { kind: 'already' as const }
    await trx
      .updateTable('reports')
      .set({ supports: sql`supports + 1` })
      .where('id', '=', reportId)
      .execute()
    return { kind: 'ok' as const, supports: report.supports + 1 }
  })
}

// ---------------------------------------------------------------- timeline rows

async function addUpdate(
  trx: Transaction<Database>,
  u: {
    reportId: number
    authorId: number | null
    kind: ReportUpdateKind
    public: boolean
    text?: string
    fromState?: string | null
    toState?: string | null
    details?: unknown
    source?: string
    at?: string
  },
) {
  const row = await trx
    .insertInto('report_updates')
    .values({
      report_id: u.reportId,
      author_id: u.authorId,
      kind: u.kind,
      public: u.public ? 1 : 0,
      text: u.text ?? '',
      from_state: u.fromState ?? null,
      to_state: u.toState ?? null,
      details: u.details === undefined ? null : JSON.stringify(u.details),
      source: u.source ?? 'web',
      created_at: u.at ?? now(),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  // The report's followers hear of every public update (issue 10).
  if (u.public) await reportUpdated(trx, { reportId: u.reportId, authorId: u.authorId, text: u.text, fromState: u.fromState, toState: u.toState })
  if (u.public && updatedListeners.length && (u.text || (u.toState && u.toState !== u.fromState))) {
    const report = await publishedReport(trx, u.reportId)
    for (const listener of updatedListeners) await listener(trx, report, { authorId: u.authorId, text: u.text ?? '', fromState: u.fromState ?? null, toState: u.toState ?? null })
  }
  return row.id
}

// ---------------------------------------------------------------- triage (staff)

/** Who changes a report: a staff member (or admin) on the web, or a back office through Open311. */
export interface TriageActor {
  userId: number | null
  departments: number[] | 'all'
  /** 'email': a body's reply to the report's e-mail (app/modules/delivery). */
  source: 'web' | 'open311' | 'email'
}

export const actorFromUser = (user: Viewer): TriageActor => ({
  userId: user.id,
  departments: isAdmin(user) ? 'all' : user.roles.filter((r) => r.role === 'staff' && r.departmentId !== null).map((r) => r.departmentId!),
  source: 'web',
})

const actorMay = (actor: TriageActor, departmentId: number) => actor.departments === 'all' || actor.departments.includes(departmentId)

export interface TriageChanges {
  state?: string
  categoryCode?: string
  priority?: ReportPriority
  /** null unassigns. */
  assigneeId?: number | null
  location?: { lat: number; lng: number }
  duplicateOf?: number
  /** A public update; with templateId empty, the template's text is used. */
  update?: string
  templateId?: number
  /** A private note for staff. */
  note?: string
  /** A photo elsewhere shown with the public update (Open311 media_url); alone it is an update. */
  mediaUrl?: string
}

export type TriageResult =
  | { kind: 'ok'; changed: string[]; updateIds: number[] }
  | { kind: 'notFound' }
  | { kind: 'forbidden' }
  | { kind: 'unknownState' }
  | { kind: 'badTransition' }
  | { kind: 'notServedHere' }
  | { kind: 'outsideArea' }
  | { kind: 'badAssignee' }
  | { kind: 'badDuplicate' }
  | { kind: 'badTemplate' }
  | { kind: 'nothingToDo' }

const timestampsFor = (kind: ReportStateKind, at: string, current: { fixed_at: string | null; closed_at: string | null }) => ({
  fixed_at: kind === 'fixed' ? (current.fixed_at ?? at) : null,
  closed_at: kind === 'closed' ? (current.closed_at ?? at) : null,
})

/**
 * Staff triage of one report, all changes in one transaction: state, category (re-routing it),
 * priority, assignee, location (within the department's reach), duplicate, public update, private
 * note. Only staff of the report's department (or administrators) may do it.
 */
/** `also` runs in the same transaction once the change is applied (e.g. delivery noting the body's update as seen). */
export async function triageReport(actor: TriageActor, reportId: number, changes: TriageChanges, also?: (trx: Transaction<Database>) => Promise<void>): Promise<TriageResult> {
  const states = await reportStates()
  if (changes.state !== undefined && !states.has(changes.state)) return { kind: 'unknownState' }
  // Routing needs area lookups (reads): done before the write, checked again inside it.
  const current = await database()
    .db.selectFrom('reports')
    .innerJoin('report_categories as c', 'c.id', 'reports.category_id')
    .select(['reports.lat', 'reports.lng', 'c.code', 'reports.department_id'])
    .where('reports.id', '=', reportId)
    .executeTakeFirst()
  if (!current) return { kind: 'notFound' }
  if (!actorMay(actor, current.department_id)) return { kind: 'forbidden' }
  const point = changes.location ?? { lat: current.lat, lng: current.lng }
  let rerouted: { departmentId: number; categoryId: number } | null = null
  let movedAreas: { areaId: number | null; districtId: number | null } | null = null
  if (changes.categoryCode !== undefined && changes.categoryCode !== current.code) {
    const routing = await routeReport(changes.categoryCode, point.lat, point.lng)
    if (routing.kind === 'outsideCity') return { kind: 'outsideArea' }
    if (routing.kind === 'notServedHere') return { kind: 'notServedHere' }
    rerouted = { departmentId: routing.departmentId, categoryId: routing.categoryId }
  }
  if (changes.location) {
    // A correction stays where the department (for this category) serves.
    const routing = await routeReport(changes.categoryCode ?? current.code, point.lat, point.lng)
    if (routing.kind !== 'routed' || (!rerouted && routing.departmentId !== current.department_id)) return { kind: 'outsideArea' }
    movedAreas = mostSpecific(routing.areas)
  }

  // A refusal found halfway (after some rows were written) throws, so the write rolls back whole.
  try {
    return await database().write(async (trx) => {
      const result = await applyTriage(trx, actor, reportId, changes, states, rerouted, movedAreas)
      if (also) await also(trx)
      return result
    })
  } catch (error) {
    if (error instanceof TriageRefusal) return { kind: error.kind }
    throw error
  }
}

class TriageRefusal extends Error {
  constructor(readonly kind: 'badDuplicate' | 'unknownState' | 'badTransition' | 'badTemplate' | 'badAssignee' | 'nothingToDo') {
    super(kind)
  }
}

async function applyTriage(
  trx: Transaction<Database>,
  actor: TriageActor,
  reportId: number,
  changes: TriageChanges,
  states: Awaited<ReturnType<typeof reportStates>>,
  rerouted: { departmentId: number; categoryId: number } | null,
  movedAreas: { areaId: number | null; districtId: number | null } | null,
): Promise<TriageResult> {
  {
    const r = await trx.selectFrom('reports').selectAll().where('id', '=', reportId).executeTakeFirst()
    if (!r) return { kind: 'notFound' as const }
    if (!actorMay(actor, r.department_id)) return { kind: 'forbidden' as const }
    const at = now()
    const changed: string[] = []
    const updateIds: number[] = []
    const set: Partial<Record<keyof Database['reports'], unknown>> = {}
    const before: Record<string, unknown> = {}
    const after: Record<string, unknown> = {}
    const base = { reportId, authorId: actor.userId, source: actor.source, at }
    let publicResponse = false

    let newState = changes.state
    if (changes.duplicateOf !== undefined) {
      if (changes.duplicateOf === reportId) throw new TriageRefusal('badDuplicate')
      const original = await trx.selectFrom('reports').select(['id', 'state_kind', 'duplicate_of']).where('id', '=', changes.duplicateOf).executeTakeFirst()
      if (!original || !isPublic(original.state_kind) || original.duplicate_of === reportId) throw new TriageRefusal('badDuplicate')
      newState = 'duplicate'
      if (r.duplicate_of !== original.id) {
        set.duplicate_of = original.id
        before.duplicateOf = r.duplicate_of
        after.duplicateOf = original.id
        changed.push('duplicate')
        updateIds.push(await addUpdate(trx, { ...base, kind: 'duplicate', public: true, details: { of: original.id } }))
      }
    }

    let stateChanged = false
    if (newState !== undefined && newState !== r.state) {
      const to = states.get(newState)
      if (!to) throw new TriageRefusal('unknownState')
      if (!canTransition(r.state_kind, to.kind, 'staff')) throw new TriageRefusal('badTransition')
      Object.assign(set, { state: newState, state_kind: to.kind }, timestampsFor(to.kind, at, r))
      if (to.kind !== 'closed' && newState !== 'duplicate' && r.duplicate_of) set.duplicate_of = null
      before.state = r.state
      after.state = newState
      changed.push('state')
      stateChanged = true
      await updateItem(trx, MAP_KIND, reportId, { status: to.kind, visible: isPublic(to.kind) })
    }

    let updateText = changes.update?.trim() ?? ''
    if (!updateText && changes.templateId !== undefined) {
      const template = await trx.selectFrom('response_templates').select(['text', 'department_id']).where('id', '=', changes.templateId).executeTakeFirst()
      if (!template || (template.department_id !== null && template.department_id !== r.department_id)) throw new TriageRefusal('badTemplate')
      updateText = template.text
    }
    if (!updateText && stateChanged) {
      // A template set to apply on this state answers for staff who wrote nothing themselves.
      const auto = await trx
        .selectFrom('response_templates')
        .select('text')
        .where('auto_state', '=', newState!)
        .where((eb) => eb.or([eb('department_id', '=', r.department_id), eb('department_id', 'is', null)]))
        .orderBy(sql`department_id is null`)
        .orderBy('id')
        .executeTakeFirst()
      if (auto) updateText = auto.text
    }
    const media = changes.mediaUrl ? { details: { mediaUrl: changes.mediaUrl } } : {}
    if (stateChanged) {
      updateIds.push(await addUpdate(trx, { ...base, kind: 'state', public: true, text: updateText, fromState: r.state, toState: newState, ...media }))
      publicResponse = true
    } else if (updateText || changes.mediaUrl) {
      updateIds.push(await addUpdate(trx, { ...base, kind: 'update', public: true, text: updateText, fromState: r.state, toState: r.state, ...media }))
      changed.push('update')
      publicResponse = true
    }

    if (rerouted) {
      const category = await trx.selectFrom('report_categories').select(['id', 'code', 'name']).where('id', '=', rerouted.categoryId).executeTakeFirstOrThrow()
      const old = await trx.selectFrom('report_categories').select(['code', 'name']).where('id', '=', r.category_id).executeTakeFirstOrThrow()
      set.category_id = rerouted.categoryId
      set.department_id = rerouted.departmentId
      before.category = old.code
      after.category = category.code
      before.departmentId = r.department_id
      after.departmentId = rerouted.departmentId
      changed.push('category')
      if (rerouted.departmentId !== r.department_id) set.assignee_id = null
      updateIds.push(await addUpdate(trx, { ...base, kind: 'category', public: true, details: { from: old.name, to: category.name, fromCode: old.code, toCode: category.code } }))
      await updateItem(trx, MAP_KIND, reportId, { category: category.code })
    }

    if (changes.priority !== undefined && changes.priority !== r.priority) {
      set.priority = changes.priority
      before.priority = r.priority
      after.priority = changes.priority
      changed.push('priority')
      updateIds.push(await addUpdate(trx, { ...base, kind: 'priority', public: false, details: { from: r.priority, to: changes.priority } }))
    }

    if (changes.assigneeId !== undefined && changes.assigneeId !== r.assignee_id) {
      if (changes.assigneeId !== null) {
        const departmentId = (set.department_id as number | undefined) ?? r.department_id
        const assignee = await trx
          .selectFrom('user_roles')
          .select('user_id')
          .where('user_id', '=', changes.assigneeId)
          .where((eb) => eb.or([eb.and([eb('role', '=', 'staff'), eb('department_id', '=', departmentId)]), eb('role', '=', 'admin')]))
          .executeTakeFirst()
        if (!assignee) throw new TriageRefusal('badAssignee')
      }
      set.assignee_id = changes.assigneeId
      before.assigneeId = r.assignee_id
      after.assigneeId = changes.assigneeId
      changed.push('assignee')
      updateIds.push(await addUpdate(trx, { ...base, kind: 'assign', public: false, details: { from: r.assignee_id, to: changes.assigneeId } }))
    }

    if (changes.location && movedAreas && (changes.location.lat !== r.lat || changes.location.lng !== r.lng)) {
      Object.assign(set, { lat: changes.location.lat, lng: changes.location.lng, area_id: movedAreas.areaId, district_id: movedAreas.districtId })
      before.location = { lat: r.lat, lng: r.lng }
      after.location = changes.location
      changed.push('location')
      updateIds.push(await addUpdate(trx, { ...base, kind: 'location', public: true, details: { from: { lat: r.lat, lng: r.lng }, to: changes.location } }))
      await moveItem(trx, MAP_KIND, reportId, changes.location)
    }

    const note = changes.note?.trim()
    if (note) {
      updateIds.push(await addUpdate(trx, { ...base, kind: 'note', public: false, text: note }))
      changed.push('note')
    }

    if (changed.length === 0) throw new TriageRefusal('nothingToDo')
    if (publicResponse && !r.first_response_at) set.first_response_at = at
    set.updated_at = at
    await trx
      .updateTable('reports')
      .set(set as never)
      .where('id', '=', reportId)
      .execute()
    await moveStateCount(
      trx,
      { departmentId: r.department_id, state: r.state },
      { departmentId: (set.department_id as number | undefined) ?? r.department_id, state: (set.state as string | undefined) ?? r.state },
    )
    if (changed.some((c) => c !== 'note')) {
      await recordAudit(trx, {
        actorId: actor.userId,
        action: `report.${actor.source === 'open311' ? 'open311-update' : 'triage'}`,
        targetKind: 'report',
        targetId: reportId,
        before,
        after,
        reason: note || null,
      })
    } else {
      await recordAudit(trx, { actorId: actor.userId, action: 'report.note', targetKind: 'report', targetId: reportId, reason: null })
    }
    return { kind: 'ok' as const, changed, updateIds }
  }
}

/** Bulk triage from the council list: the same rules per report; reports one may not touch are skipped. */
export async function bulkTriage(actor: TriageActor, reportIds: number[], changes: Pick<TriageChanges, 'state' | 'assigneeId' | 'priority'>) {
  const results: Record<string, number> = {}
  for (const id of [...new Set(reportIds)].slice(0, 500)) {
    const result = await triageReport(actor, id, changes)
    results[result.kind] = (results[result.kind] ?? 0) + 1
  }
  return { changed: results.ok ?? 0, results }
}

// ---------------------------------------------------------------- the reporter's own changes

export type ReporterChangeResult = { kind: 'ok' } | { kind: 'notFound' } | { kind: 'forbidden' } | { kind: 'badTransition' }

/**
 * The reporter marks their report fixed, or reopens it (a fixed or closed one), on its page
 * (`userId`) or through the questionnaire's link (`questionnaire`).
 */
export async function reporterChange(reportId: number, who: { userId: number } | { questionnaire: true }, to: 'fixed' | 'open', text = ''): Promise<ReporterChangeResult> {
  return database().write(async (trx) => {
    const r = await trx.selectFrom('reports').selectAll().where('id', '=', reportId).executeTakeFirst()
    if (!r) return { kind: 'notFound' as const }
    if ('userId' in who && r.reporter_id !== who.userId) return { kind: 'forbidden' as const }
    if (!canTransition(r.state_kind, to, 'reporter')) return { kind: 'badTransition' as const }
    const state = to === 'fixed' ? 'fixed' : 'confirmed'
    const at = now()
    await trx
      .updateTable('reports')
      .set({ state, state_kind: to, updated_at: at, ...timestampsFor(to, at, r), ...(to === 'open' ? { duplicate_of: null } : {}) })
      .where('id', '=', reportId)
      .execute()
    await moveStateCount(trx, { departmentId: r.department_id, state: r.state }, { departmentId: r.department_id, state })
    await updateItem(trx, MAP_KIND, reportId, { status: to })
    await addUpdate(trx, {
      reportId,
      authorId: 'userId' in who ? who.userId : r.reporter_id,
      kind: 'questionnaire' in who ? 'questionnaire' : 'state',
      public: true,
      text: text.trim(),
      fromState: r.state,
      toState: state,
      source: 'questionnaire' in who ? 'system' : 'web',
      at,
    })
    return { kind: 'ok' as const }
  })
}

/** The reporter's words without a change of state (e.g. "not fixed yet" in the questionnaire). */
export async function reporterComment(reportId: number, who: { userId: number } | { questionnaire: true }, text: string): Promise<ReporterChangeResult> {
  const words = text.trim().slice(0, 2000)
  if (!words) return { kind: 'badTransition' }
  return database().write(async (trx) => {
    const r = await trx.selectFrom('reports').select(['reporter_id', 'state', 'state_kind']).where('id', '=', reportId).executeTakeFirst()
    if (!r || !isPublic(r.state_kind)) return { kind: 'notFound' as const }
    if ('userId' in who && r.reporter_id !== who.userId) return { kind: 'forbidden' as const }
    await addUpdate(trx, {
      reportId,
      authorId: 'userId' in who ? who.userId : r.reporter_id,
      kind: 'questionnaire' in who ? 'questionnaire' : 'update',
      public: true,
      text: words,
      fromState: r.state,
      toState: r.state,
      source: 'questionnaire' in who ? 'system' : 'web',
    })
    await trx.updateTable('reports').set({ updated_at: now() }).where('id', '=', reportId).execute()
    return { kind: 'ok' as const }
  })
}

export type CitizenUpdateResult = { kind: 'ok'; updateId: number; state: string } | { kind: 'notFound' } | { kind: 'nothingToDo' }

/**
 * A citizen's update that reaches Plaza through another site (an Open311 client such as
 * FixMyStreet): their words and photo under the name they gave, on the public timeline. Their
 * "fixed" marks an open report fixed and their "open" reopens a fixed or closed one, as a
 * reporter may (states.ts); any other status is just words.
 */
export async function citizenUpdate(
  reportId: number,
  update: { name: string; text: string; mediaUrl?: string | null; to?: 'fixed' | 'open'; source: 'open311' | 'email' },
): Promise<CitizenUpdateResult> {
  const text = update.text.trim().slice(0, 4000)
  return database().write(async (trx) => {
    const r = await trx.selectFrom('reports').selectAll().where('id', '=', reportId).executeTakeFirst()
    if (!r || !isPublic(r.state_kind)) return { kind: 'notFound' as const }
    const to = update.to && canTransition(r.state_kind, update.to, 'reporter') ? update.to : undefined
    if (!to && !text && !update.mediaUrl) return { kind: 'nothingToDo' as const }
    const at = now()
    const state = to === 'fixed' ? 'fixed' : to === 'open' ? 'confirmed' : r.state
    if (to) {
      await trx
        .updateTable('reports')
        .set({ state, state_kind: to, updated_at: at, ...timestampsFor(to, at, r), ...(to === 'open' ? { duplicate_of: null } : {}) })
        .where('id', '=', reportId)
        .execute()
      await moveStateCount(trx, { departmentId: r.department_id, state: r.state }, { departmentId: r.department_id, state })
      await updateItem(trx, MAP_KIND, reportId, { status: to })
    } else {
      await trx.updateTable('reports').set({ updated_at: at }).where('id', '=', reportId).execute()
    }
    const details = { name: update.name.trim().slice(0, 200), ...(update.mediaUrl ? { mediaUrl: update.mediaUrl } : {}), citizen: true }
    const updateId = await addUpdate(trx, { reportId, authorId: null, kind: to ? 'state' : 'update', public: true, text, fromState: r.state, toState: state, details, source: update.source, at })
    return { kind: 'ok' as const, updateId, state }
  })
}

// ---------------------------------------------------------------- moderation

/** A moderator hides a report: it leaves every public list and the map; restore puts it back. */
export async function hideReport(trx: Transaction<Database>, id: number) {
  const r = await trx.selectFrom('reports').select(['department_id', 'state', 'state_kind']).where('id', '=', id).executeTakeFirst()
  if (!r || r.state_kind === 'hidden') return
  await trx.updateTable('reports').set({ state: 'hidden', state_kind: 'hidden', updated_at: now() }).where('id', '=', id).execute()
  await moveStateCount(trx, { departmentId: r.department_id, state: r.state }, { departmentId: r.department_id, state: 'hidden' })
  await updateItem(trx, MAP_KIND, id, { status: 'hidden', visible: false })
  await addUpdate(trx, { reportId: id, authorId: null, kind: 'state', public: false, fromState: r.state, toState: 'hidden', source: 'system' })
}

export async function restoreReport(trx: Transaction<Database>, id: number) {
  const r = await trx.selectFrom('reports').select(['department_id', 'state', 'state_kind']).where('id', '=', id).executeTakeFirst()
  if (!r || r.state_kind !== 'hidden') return
  const last = await trx.selectFrom('report_updates').select('from_state').where('report_id', '=', id).where('to_state', '=', 'hidden').orderBy('id', 'desc').executeTakeFirst()
  const states = await trx.selectFrom('report_states').select(['code', 'kind']).execute()
  const back = states.find((s) => s.code === last?.from_state && s.kind !== 'hidden' && s.kind !== 'unconfirmed') ?? { code: 'confirmed', kind: 'open' as const }
  await trx.updateTable('reports').set({ state: back.code, state_kind: back.kind, updated_at: now() }).where('id', '=', id).execute()
  await moveStateCount(trx, { departmentId: r.department_id, state: r.state }, { departmentId: r.department_id, state: back.code })
  await updateItem(trx, MAP_KIND, id, { status: back.kind, visible: true })
  await addUpdate(trx, { reportId: id, authorId: null, kind: 'state', public: false, fromState: 'hidden', toState: back.code, source: 'system' })
}

// ---------------------------------------------------------------- counts per department and state

/**
 * report_state_counts (migration 0012) says how many reports each department has in each state;
 * the council list reads its unfiltered counts there. Every insert of a report and every change
 * of its state or department adjusts it here, in the same transaction, so it stays exact.
 */
async function countState(trx: Transaction<Database>, departmentId: number, state: string, delta: number) {
  await trx
    .insertInto('report_state_counts')
    .values({ department_id: departmentId, state, n: delta })
    .onConflict((oc) => oc.columns(['department_id', 'state']).doUpdateSet({ n: sql<number>`report_state_counts.n + ${delta}` }))
    .execute()
}

type CountedAs = { departmentId: number; state: string }
async function moveStateCount(trx: Transaction<Database>, from: CountedAs, to: CountedAs) {
  if (from.departmentId === to.departmentId && from.state === to.state) return
  await countState(trx, from.departmentId, from.state, -1)
  await countState(trx, to.departmentId, to.state, 1)
}

// ---------------------------------------------------------------- helpers

function safeJson(text: string): Record<string, string | string[]> {
  try {
    const value = JSON.parse(text) as unknown
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, string | string[]>) : {}
  } catch {
    return {}
  }
}

export function addDays(iso: string, days: number) {
  return new Date(Date.parse(iso) + days * 86_400_000).toISOString()
}

/** Categories for filters and forms (active ones, in order). */
export async function reportCategories(locale: string = cityDefaultLocale()) {
  const name = namesIn(locale)
  const rows = await database()
    .db.selectFrom('report_categories')
    .select(['id', 'code', 'name', 'group_name as group', 'description', 'colour'])
    .where('active', '=', 1)
    .orderBy('position')
    .orderBy('name')
    .execute()
  return rows.map((r) => ({ ...r, name: name(r.name), group: r.group === null ? null : name(r.group) || null, description: name(r.description) }))
}
