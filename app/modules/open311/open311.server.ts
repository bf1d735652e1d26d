import { sha256 } from '@oslojs/crypto/sha2'
import { encodeBase64urlNoPadding, encodeHexLowerCase } from '@oslojs/encoding'
import { sql, type Transaction } from 'kysely'
import type { Database, ReportStateKind } from '../../../db/schema'
import { config } from '../../lib/config.server'
import { database } from '../../lib/db.server'
import type { Locale } from '../../lib/i18n'
import { localize } from '../../lib/localized'
import { cityDefaultLocale, namesIn } from '../../lib/localized.server'
import { cityProfile } from '../geo/areas.server'
import { geocodeOne, nearLabel, nearLabels } from '../basemap/search.server'
import { recordAudit } from '../moderation/moderation.server'
import { citizenUpdate, fileReport, triageReport } from '../reports/reports.server'
import { categoriesServing } from '../reports/department-routing.server'
import { isPublic, open311Status } from '../reports/states'
import { onDepartmentDeleted, onServicesChanged, serviceQuestions, type Question } from '../services/services.server'
import type { ApiError } from './format.server'
import { w3cDatetime } from './format.server'
import { parseW3cDatetime, type AttributeDefinition, type NewServiceRequest, type NewServiceRequestUpdate, type ServiceRequestsQuery, type UpdateStatus } from './schema'

/**
 * Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) over Plaza's reports: services are the
 * active report categories, service requests are the public reports, and mySociety's
 * servicerequestupdates extension lets a department's back office push status changes. Reads are
 * this module's own queries; every change to a report goes through app/modules/reports. API keys
 * (`api_keys`) are written here only.
 *
 * Results carry GeoReport errors (code + English description) because those messages are the API.
 */

export const SPECIFICATION = 'http://wiki.open311.org/GeoReport_v2'
/** GeoReport v2 "Response Volume": a span of 90 days or the first 1000 requests. */
export const MAX_SPAN_DAYS = 90
export const DEFAULT_LIMIT = 1000
const DAY_MS = 86_400_000
const PUBLIC_KINDS: ReportStateKind[] = ['open', 'fixed', 'closed']

type Result<T> = ({ ok: true } & T) | { ok: false; errors: ApiError[] }
const fail = (code: number, description: string) => ({ ok: false as const, errors: [{ code, description }] })

export const endpointUrl = () => `${config().PUBLIC_URL}/open311/v2`

// ---------------------------------------------------------------- jurisdiction

/** This server serves one jurisdiction: the host of PUBLIC_URL (spec: the site's root without www). */
export function jurisdictionId(): string {
  return new URL(config().PUBLIC_URL).hostname.replace(/^www\./, '')
}

/** An absent jurisdiction_id is fine (one jurisdiction); another one is not found (404). */
export function checkJurisdiction(value: string | undefined): ApiError | null {
  if (!value) return null
  const v = value
    .trim()
    .toLowerCase()
    .replace(/^www\./, '')
  const host = new URL(config().PUBLIC_URL).host.toLowerCase().replace(/^www\./, '')
  return v === jurisdictionId() || v === host ? null : { code: 404, description: `jurisdiction_id ${value} was not found (this server serves ${jurisdictionId()})` }
}

// ---------------------------------------------------------------- service definitions (the services module)

/**
 * A category's questions as GeoReport v2 attributes, in `locale` (else the city's default
 * language). The questions themselves belong to app/modules/services (category_questions).
 */
let attributesCache: { at: number; byCode: Map<string, Question[]>; updatedAt: string | null } | null = null
export const forgetServiceDefinitions = () => {
  attributesCache = null
}
onServicesChanged(forgetServiceDefinitions)

/** Every service's questions (cached 10 s per process). */
async function definitions() {
  if (attributesCache && Date.now() - attributesCache.at < 10_000) return attributesCache
  const { byCode, updatedAt } = await serviceQuestions()
  attributesCache = { at: Date.now(), byCode, updatedAt }
  return attributesCache
}

function toAttribute(q: Question, order: number, locale: string): AttributeDefinition {
  const name = namesIn(locale)
  const hint = name(q.hint)
  return {
    code: q.code,
    datatype: q.datatype,
    required: q.required,
    variable: true,
    description: name(q.description) || q.code,
    datatype_description: hint || null,
    order,
    ...(q.options.length ? { values: q.options.map((o) => ({ key: o.key, name: name(o.name) || o.key })) } : {}),
  }
}

export async function serviceAttributes(code: string, locale: string = cityDefaultLocale()): Promise<AttributeDefinition[]> {
  return ((await definitions()).byCode.get(code) ?? []).map((q, i) => toAttribute(q, i + 1, locale))
}

// ---------------------------------------------------------------- discovery, services

export async function discovery() {
  const defs = await definitions()
  const city = await cityProfile()
  const base = config().PUBLIC_URL
  // Changes when the service definitions change, so clients know to refresh what they cache.
  const changeset = w3cDatetime(defs.updatedAt) ?? '2026-01-01T00:00:00+00:00'
  return {
    changeset,
    contact: `${city?.name ? `${city.name} Plaza` : 'Plaza'}: ${base}. Documentation of this endpoint: ${base}/open311/v2/discovery.json`,
    key_service: `Reading needs no key. Posting service requests needs an api_key issued by this site's administrators (${base}/admin/api-keys); ask them for one.`,
    endpoints: [{ specification: SPECIFICATION, url: endpointUrl(), changeset, type: 'production', formats: ['text/xml', 'application/json'] }],
  }
}

async function activeCategories() {
  return database().db.selectFrom('report_categories').select(['id', 'code', 'name', 'description', 'group_name', 'keywords']).where('active', '=', 1).orderBy('position').orderBy('name').execute()
}

/** GET services: active categories; with a point, only those that serve it (none outside the city). */
export async function services(point?: { lat: number; lng: number }, locale: string = cityDefaultLocale()) {
  const name = namesIn(locale)
  let categories = await activeCategories()
  if (point) {
    const serving = new Set((await categoriesServing(point.lat, point.lng)).map((c) => c.code))
    categories = categories.filter((c) => serving.has(c.code))
  }
  const defs = await definitions()
  return categories.map((c) => ({
    service_code: c.code,
    service_name: name(c.name),
    description: name(c.description) || null,
    metadata: (defs.byCode.get(c.code)?.length ?? 0) > 0,
    // A request without an e-mail gets its id at once; with one, a token until the person confirms it.
    type: 'realtime',
    keywords: c.keywords || null,
    group: name(c.group_name) || null,
  }))
}

/** GET services/:code — null when the service does not exist (or is no longer offered). */
export async function serviceDefinition(code: string, locale: string = cityDefaultLocale()) {
  const category = await database().db.selectFrom('report_categories').select('code').where('code', '=', code).where('active', '=', 1).executeTakeFirst()
  if (!category) return null
  const attributes = await serviceAttributes(code, locale)
  return {
    service_code: category.code,
    attributes: attributes.map((a) => ({
      variable: a.variable,
      code: a.code,
      datatype: a.datatype,
      required: a.required,
      datatype_description: a.datatype_description,
      order: a.order!,
      description: a.description,
      ...(a.values ? { values: a.values.map((v) => ({ key: v.key, name: v.name })) } : {}),
    })),
  }
}

// ---------------------------------------------------------------- service requests (reading)

function requestRows() {
  return database()
    .db.selectFrom('reports as r')
    .innerJoin('report_categories as c', 'c.id', 'r.category_id')
    .innerJoin('departments as d', 'd.id', 'r.department_id')
    .leftJoin('areas as a', 'a.id', 'r.area_id')
    .leftJoin('areas as dist', 'dist.id', 'r.district_id')
    .select([
      'r.id',
      'r.state_kind as kind',
      'r.title',
      'r.description',
      'r.lat',
      'r.lng',
      'r.address',
      'r.created_at as createdAt',
      'r.updated_at as updatedAt',
      'r.fixed_at as fixedAt',
      'r.closed_at as closedAt',
      'c.code as serviceCode',
      'c.name as serviceName',
      'd.name as agency',
      'a.name as areaName',
      'dist.name as districtName',
      // The latest public words on the report: why its status is what it is.
      sql<
        string | null
      >`(select u.text from report_updates u where u.report_id = r.id and u.public = 1 and u.text != '' and u.kind in ('state', 'update', 'questionnaire') order by u.id desc limit 1)`.as(
        'statusNotes',
      ),
      'r.media_url as mediaUrl',
      sql<number | null>`case when r.photo_count > 0 then (select p.id from report_photos p where p.report_id = r.id and p.hidden = 0 order by p.position, p.id limit 1) end`.as('photoId'),
    ])
}
type RequestRow = Awaited<ReturnType<ReturnType<typeof requestRows>['execute']>>[number]

/** Open311 has no title: the description carries it when the text does not already start with it. */
function fullDescription(r: RequestRow, serviceName: string): string | null {
  const title = r.title.replace(/…$/, '')
  if (!r.description) return r.title === serviceName ? null : r.title
  return r.description.startsWith(title) ? r.description : `${r.title}\n\n${r.description}`
}

function toServiceRequest(r: RequestRow, city: string | null, base = config().PUBLIC_URL, locale: string = cityDefaultLocale(), near: string | null = null) {
  const name = namesIn(locale)
  const serviceName = name(r.serviceName)
  // From most specific to most general (spec): street address (given, else the nearest one), neighbourhood, district, city.
  const address = [...new Set([r.address ?? near, name(r.areaName), name(r.districtName), city].filter((x): x is string => Boolean(x)))].join(', ')
  const closedAt = r.kind === 'fixed' ? r.fixedAt : r.kind === 'closed' ? r.closedAt : null
  return {
    service_request_id: String(r.id),
    status: open311Status(r.kind),
    status_notes: r.statusNotes,
    service_name: serviceName,
    service_code: r.serviceCode,
    description: fullDescription(r, serviceName),
    agency_responsible: name(r.agency),
    service_notice: null,
    requested_datetime: w3cDatetime(r.createdAt),
    // Spec: "For requests with status=closed, this will be the date the request was closed."
    updated_datetime: w3cDatetime(closedAt ?? r.updatedAt),
    expected_datetime: null,
    address: address || null,
    address_id: null,
    zipcode: null,
    lat: r.lat,
    long: r.lng,
    // The photo route (app/routes/reports.photos.$id.$size.tsx) serves public photos to anyone.
    media_url: r.photoId !== null ? `${base}/reports/photos/${r.photoId}/full.jpg` : r.mediaUrl,
  }
}
export type ServiceRequest = ReturnType<typeof toServiceRequest>

/** The requests with "address" naming the nearest address when the reporter gave none (issue 17). */
async function withNear(rows: RequestRow[], city: string | null, base: string, locale: string): Promise<ServiceRequest[]> {
  const near = await nearLabels(rows)
  return rows.map((r, i) => toServiceRequest(r, city, base, locale, near[i]))
}

const newestFirst = (a: RequestRow, b: RequestRow) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.id - a.id)

/**
 * GET requests with every filter of the spec. A service_request_id list overrides all other
 * arguments; otherwise the dates default to the most recent 90 days and may not span more, statuses
 * and service codes narrow it, newest first, at most 1000 (page/page_size page through).
 */
export async function serviceRequests(query: ServiceRequestsQuery, now = new Date(), locale: string = cityDefaultLocale()): Promise<Result<{ requests: ServiceRequest[] }>> {
  const city = (await cityProfile())?.name ?? null
  const base = config().PUBLIC_URL
  if (query.service_request_id) {
    const ids = [...new Set(query.service_request_id)]
    if (ids.length === 0) return { ok: true, requests: [] }
    const rows = await requestRows().where('r.id', 'in', ids).where('r.state_kind', 'in', PUBLIC_KINDS).execute()
    return { ok: true, requests: await withNear(rows.sort(newestFirst), city, base, locale) }
  }
  let start = query.start_date
  let end = query.end_date
  if (!start && !end) end = now
  if (!start) start = new Date(end!.getTime() - MAX_SPAN_DAYS * DAY_MS)
  if (!end) end = new Date(start.getTime() + MAX_SPAN_DAYS * DAY_MS)
  if (start > end) return fail(400, 'start_date must not be after end_date')
  if (end.getTime() - start.getTime() > MAX_SPAN_DAYS * DAY_MS) return fail(400, `start_date and end_date may not span more than ${MAX_SPAN_DAYS} days`)
  const size = query.page_size ?? DEFAULT_LIMIT
  const offset = ((query.page ?? 1) - 1) * size
  if (offset + size > 10 * DEFAULT_LIMIT) return fail(400, 'page and page_size reach past the 10,000th request: narrow start_date and end_date instead')

  const statuses = new Set(query.status ?? ['open', 'closed'])
  const kinds = PUBLIC_KINDS.filter((k) => statuses.has(open311Status(k)))
  let categoryIds: number[] | null = null
  if (query.service_code?.length) {
    categoryIds = (await database().db.selectFrom('report_categories').select('id').where('code', 'in', query.service_code).execute()).map((c) => c.id)
    if (categoryIds.length === 0) return { ok: true, requests: [] }
  }
  // First the ids: one query per kind, each walking the covering (state_kind, created_at) index
  // newest first, so no sort of every report in the span however many there are; then the rows.
  const perKind = await Promise.all(
    kinds.map((kind) => {
      let q = database()
        .db.selectFrom('reports')
        .select(['id', 'created_at'])
        .where('state_kind', '=', kind)
        .where('created_at', '>=', start.toISOString())
        .where('created_at', '<=', end.toISOString())
      if (categoryIds) q = q.where('category_id', 'in', categoryIds)
      return q
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(offset + size)
        .execute()
    }),
  )
  const page = perKind
    .flat()
    .sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : b.id - a.id))
    .slice(offset, offset + size)
  if (page.length === 0) return { ok: true, requests: [] }
  const rows = await requestRows()
    .where(
      'r.id',
      'in',
      page.map((r) => r.id),
    )
    .execute()
  return { ok: true, requests: await withNear(rows.sort(newestFirst), city, base, locale) }
}

/** GET requests/:id — only a public report (never an unconfirmed or hidden one). */
export async function serviceRequest(id: number, locale: string = cityDefaultLocale()): Promise<ServiceRequest | null> {
  const row = await requestRows().where('r.id', '=', id).where('r.state_kind', 'in', PUBLIC_KINDS).executeTakeFirst()
  return row ? toServiceRequest(row, (await cityProfile())?.name ?? null, config().PUBLIC_URL, locale, await nearLabel(row.lat, row.lng, row.address)) : null
}

// ---------------------------------------------------------------- service requests (posting)

/** Checks attribute[code] answers against the service definition; returns what is stored. */
export function checkAttributes(serviceCode: string, definitions: AttributeDefinition[], given: Record<string, string[]>) {
  const errors: ApiError[] = []
  const answers: Record<string, string | string[]> = {}
  const bad = (description: string) => errors.push({ code: 400, description })
  for (const a of definitions) {
    if (!a.variable) continue
    const values = (given[a.code] ?? []).map((v) => v.trim()).filter(Boolean)
    const name = `attribute[${a.code}]`
    if (values.length === 0) {
      if (a.required) bad(`${name} is required for service ${serviceCode} (${a.description})`)
      continue
    }
    const keys = a.values?.map((v) => v.key) ?? []
    if (a.datatype !== 'multivaluelist' && values.length > 1) {
      bad(`${name} takes one value`)
      continue
    }
    const v = values[0]!
    switch (a.datatype) {
      case 'singlevaluelist':
        if (!keys.includes(v)) bad(`${name} must be one of: ${keys.join(', ')} (got "${v.slice(0, 50)}")`)
        else answers[a.code] = v
        break
      case 'multivaluelist': {
        const unknown = values.filter((x) => !keys.includes(x))
        if (unknown.length) bad(`${name} values must be among: ${keys.join(', ')} (got "${unknown[0]!.slice(0, 50)}")`)
        else answers[a.code] = [...new Set(values)]
        break
      }
      case 'number':
        if (!/^[+-]?\d{1,15}(\.\d{1,10})?$/.test(v)) bad(`${name} must be a number`)
        else answers[a.code] = v
        break
      case 'datetime':
        if (!parseW3cDatetime(v)) bad(`${name} must be a W3C datetime with a timezone, e.g. 2010-01-01T00:00:00Z`)
        else answers[a.code] = v
        break
      case 'string':
        if (/[\r\n]/.test(v) || v.length > 1000) bad(`${name} must be one line of at most 1,000 characters`)
        else answers[a.code] = v
        break
      case 'text':
        if (v.length > 4000) bad(`${name} may be at most 4,000 characters`)
        else answers[a.code] = v
        break
    }
  }
  return { errors, answers }
}

/** The report's title: the description's first line (at most 80 characters), or the service's name. */
export function titleFrom(description: string | undefined, serviceName: string): string {
  const line =
    (description ?? '')
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? ''
  if (line.length < 3) return serviceName
  if (line.length <= 80) return line
  const cut = line.slice(0, 79)
  const space = cut.lastIndexOf(' ')
  return `${(space > 40 ? cut.slice(0, space) : cut).trimEnd()}…`
}

export interface ApiKey {
  id: number
  name: string
  departmentId: number | null
  mayUpdate: boolean
  /** Its client checks its users' e-mail: a request with one is public at once. */
  trusted: boolean
  /** A council-wide key whose statuses change reports as staff would. */
  mayChangeState: boolean
}

export type PostedRequest = { service_request_id: string; service_notice: string; account_id?: string } | { token: string; service_notice: string; account_id?: string }

/**
 * POST requests: files a report for the key's client. Without an e-mail the client vouches for it
 * and it is public at once (service_request_id); with one, the person confirms it by the e-mailed
 * link first (the token flow) — nobody else can make a report public in someone's name — unless
 * the key is trusted: its client (FixMyStreet, a city app) has confirmed its users itself, and the
 * service is `realtime`, so it gets the id at once and Plaza mails nobody.
 */
export async function createServiceRequest(key: ApiKey, input: NewServiceRequest, attributes: Record<string, string[]>, locale: Locale): Promise<Result<{ request: PostedRequest }>> {
  const code = input.service_code!
  const category = await database().db.selectFrom('report_categories').select(['code', 'name']).where('code', '=', code).where('active', '=', 1).executeTakeFirst()
  if (!category) return fail(404, `service_code ${code} was not found (see services.json)`)
  if ((input.lat === undefined || input.long === undefined) && input.address_string && !input.address_id) {
    // address_string alone: placed when Plaza's own address search resolves it to one address (issue 17).
    const found = await geocodeOne(input.address_string)
    if (found.kind === 'many') return fail(400, `address_string matches several addresses (${found.labels.slice(0, 5).join('; ')}): send lat and long (WGS84), or a fuller address.`)
    if (found.kind === 'none') return fail(400, "address_string was not found among this city's addresses (street and house number): send lat and long (WGS84).")
    input = { ...input, lat: found.result.lat, long: found.result.lng, address_string: found.result.label }
  }
  if (input.lat === undefined || input.long === undefined) {
    if (input.address_id) return fail(400, 'address_id cannot be used on this server: it has no address repository. Send lat and long (WGS84).')
    return fail(400, 'A location is required: send lat and long (WGS84), or an address_string with a street and house number.')
  }
  const checked = checkAttributes(code, await serviceAttributes(code), attributes)
  if (checked.errors.length) return { ok: false, errors: checked.errors }

  const name = [input.first_name, input.last_name].filter(Boolean).join(' ').trim()
  const email = input.email ?? null
  // The person never chose to be named in public through a third-party app, unless it says so.
  const anonymous = !name || (input.public_anonymity_required ?? 'TRUE').toUpperCase() !== 'FALSE'
  const result = await fileReport(
    {
      categoryCode: code,
      title: titleFrom(input.description, localize(category.name, locale, cityDefaultLocale())),
      description: input.description ?? '',
      lat: input.lat,
      lng: input.long,
      address: input.address_string ?? null,
      anonymous,
      attributes: checked.answers,
      mediaUrl: input.media_url ?? null,
      locale,
    },
    { kind: 'api', apiKeyId: key.id, email, name, confirmed: !email || key.trusted },
  )
  if (result.kind === 'outsideCity') return fail(400, `The location ${input.lat},${input.long} is outside the area this server covers.`)
  if (result.kind === 'notServedHere') return fail(400, `Service ${code} is not offered at ${input.lat},${input.long} (see services.json?lat=${input.lat}&long=${input.long}).`)
  const account = input.account_id ? { account_id: input.account_id } : {}
  if (!result.confirmed && result.open311Token) {
    return {
      ok: true,
      request: {
        token: result.open311Token,
        service_notice: 'A confirmation link was e-mailed to the address given: the request becomes public once the person follows it. Poll tokens/{token} for its service_request_id.',
        ...account,
      },
    }
  }
  const department = await database().db.selectFrom('reports').innerJoin('departments as d', 'd.id', 'reports.department_id').select('d.name').where('reports.id', '=', result.id).executeTakeFirst()
  return {
    ok: true,
    request: { service_request_id: String(result.id), service_notice: `Sent to ${department ? localize(department.name, 'en', cityDefaultLocale()) : 'the responsible department'}.`, ...account },
  }
}

/** How long a client's retry of the same request gets the first answer instead of a new report. */
export const REPEAT_WINDOW_MS = 24 * 3600_000
/** A first attempt still being filed is waited for this long by its retry, then it is stale. */
const IN_FLIGHT_MS = 60_000

/**
 * The same request from the same key (byte for byte the same parameters, within a day) is filed
 * once: a client that gave up waiting and retries gets the first answer (the same
 * service_request_id or token), and nobody is mailed twice. `requestHash` names the parameters.
 */
export async function createServiceRequestOnce(key: ApiKey, requestHash: string, file: () => Promise<Result<{ request: PostedRequest }>>): Promise<Result<{ request: PostedRequest }>> {
  const db = database()
  for (let waited = 0; ; waited += 100) {
    const at = new Date()
    const claim = await db.write(async (trx) => {
      const row = await trx.selectFrom('open311_client_requests').select(['id', 'answer', 'created_at']).where('api_key_id', '=', key.id).where('request_hash', '=', requestHash).executeTakeFirst()
      if (row) {
        const age = at.getTime() - Date.parse(row.created_at)
        if (row.answer && age < REPEAT_WINDOW_MS) return { kind: 'answered' as const, answer: JSON.parse(row.answer) as PostedRequest }
        if (!row.answer && age < IN_FLIGHT_MS) return { kind: 'inFlight' as const }
        // An old request (or one whose process died) is a new one now.
        await trx.deleteFrom('open311_client_requests').where('id', '=', row.id).execute()
      }
      const mine = await trx.insertInto('open311_client_requests').values({ api_key_id: key.id, request_hash: requestHash, created_at: at.toISOString() }).returning('id').executeTakeFirstOrThrow()
      return { kind: 'claimed' as const, id: mine.id }
    })
    if (claim.kind === 'answered') return { ok: true, request: claim.answer }
    if (claim.kind === 'inFlight') {
      if (waited >= 30_000) return fail(409, 'The same request is still being filed: retry in a minute to get its service_request_id.')
      await new Promise((resolve) => setTimeout(resolve, 100))
      continue
    }
    let result: Result<{ request: PostedRequest }>
    try {
      result = await file()
    } catch (error) {
      await db.write((trx) => trx.deleteFrom('open311_client_requests').where('id', '=', claim.id).execute())
      throw error
    }
    await db.write(async (trx) => {
      if (!result.ok) return void (await trx.deleteFrom('open311_client_requests').where('id', '=', claim.id).execute())
      const id = 'service_request_id' in result.request ? Number(result.request.service_request_id) : null
      const reportId =
        id ??
        (
          await trx
            .selectFrom('reports')
            .select('id')
            .where('open311_token', '=', (result.request as { token: string }).token)
            .executeTakeFirst()
        )?.id ??
        null
      await trx
        .updateTable('open311_client_requests')
        .set({ answer: JSON.stringify(result.request), report_id: reportId })
        .where('id', '=', claim.id)
        .execute()
    })
    return result
  }
}

/** GET tokens/:token — the request's id once it is public (absent while it awaits confirmation). */
export async function tokenStatus(token: string): Promise<Array<{ service_request_id?: string; token: string }> | null> {
  if (!/^[a-z2-7]{20,64}$/.test(token)) return null
  const row = await database().db.selectFrom('reports').select(['id', 'state_kind']).where('open311_token', '=', token).executeTakeFirst()
  if (!row) return null
  return [isPublic(row.state_kind) ? { service_request_id: String(row.id), token } : { token }]
}

// ---------------------------------------------------------------- servicerequestupdates (mySociety's extension)

// Plaza's state codes as the extension names them (lower case when served, upper case when received).
const EXTENDED_STATUS: Record<string, string> = {
  confirmed: 'open',
  investigating: 'investigating',
  in_progress: 'in_progress',
  action_scheduled: 'action_scheduled',
  internal_referral: 'internal_referral',
  fixed: 'fixed',
  closed: 'closed',
  duplicate: 'duplicate',
  not_responsible: 'not_councils_responsibility',
  unable_to_fix: 'no_further_action',
}

/**
 * GET servicerequestupdates: public status changes and updates of public reports, oldest first so a
 * client can continue from the last updated_datetime it saw; same span and limit as requests.
 */
export async function serviceRequestUpdates(range: { start_date?: Date; end_date?: Date }, now = new Date(), reader: ApiKey | null = null) {
  let { start_date: start, end_date: end } = range
  if (!start && !end) end = now
  if (!start) start = new Date(end!.getTime() - MAX_SPAN_DAYS * DAY_MS)
  if (!end) end = new Date(start.getTime() + MAX_SPAN_DAYS * DAY_MS)
  if (start > end) return fail(400, 'start_date must not be after end_date')
  if (end.getTime() - start.getTime() > MAX_SPAN_DAYS * DAY_MS) return fail(400, `start_date and end_date may not span more than ${MAX_SPAN_DAYS} days`)
  const rows = await database()
    .db.selectFrom('report_updates as u')
    .innerJoin('reports as r', 'r.id', 'u.report_id')
    .leftJoin('report_states as s', 's.code', 'u.to_state')
    .select(['u.id', 'u.report_id as reportId', 'u.to_state as state', 's.kind', 'u.text', 'u.details', 'u.created_at as createdAt'])
    .where('u.public', '=', 1)
    .where('u.kind', 'in', ['state', 'update', 'questionnaire'])
    .where('u.created_at', '>=', start.toISOString())
    .where('u.created_at', '<=', end.toISOString())
    .where('r.state_kind', 'in', PUBLIC_KINDS)
    .orderBy('u.created_at')
    .orderBy('u.id')
    .limit(DEFAULT_LIMIT)
    .execute()
  // A client reading with its key sees the updates it posted under its own update_id (so it
  // recognises them and does not import its citizens' words back as the council's).
  const own = new Map<number, string>()
  if (reader && rows.length) {
    const posted = await database()
      .db.selectFrom('open311_client_updates')
      .select(['report_update_id', 'client_update_id'])
      .where('api_key_id', '=', reader.id)
      .where(
        'report_update_id',
        'in',
        rows.map((u) => u.id),
      )
      .execute()
    for (const p of posted) if (p.report_update_id !== null) own.set(p.report_update_id, p.client_update_id)
  }
  return {
    ok: true as const,
    updates: rows.map((u) => {
      const details = u.details ? (JSON.parse(u.details) as { mediaUrl?: unknown }) : null
      return {
        update_id: own.get(u.id) ?? String(u.id),
        service_request_id: String(u.reportId),
        status: (u.state && EXTENDED_STATUS[u.state]) || (u.kind === 'fixed' ? 'fixed' : u.kind === 'open' ? 'open' : 'closed'),
        updated_datetime: w3cDatetime(u.createdAt),
        description: u.text,
        media_url: typeof details?.mediaUrl === 'string' ? details.mediaUrl : '',
        ...(own.has(u.id) ? { posted_by_you: true } : {}),
      }
    }),
  }
}

/** Where a pushed status takes a report in this state (undefined: keep the state, add the text). */
function stateFor(status: UpdateStatus, current: { kind: ReportStateKind }): string | undefined {
  switch (status) {
    case 'OPEN':
    case 'REOPEN':
      return current.kind === 'open' ? undefined : 'confirmed'
    case 'CLOSED':
      return current.kind === 'closed' ? undefined : 'closed'
    case 'NOT_RESPONSIBLE':
    case 'NOT_COUNCILS_RESPONSIBILITY':
      return 'not_responsible'
    case 'UNABLE_TO_FIX':
    case 'NO_FURTHER_ACTION':
      return 'unable_to_fix'
    case 'FOR_TRIAGE':
      // Back to the start of triage (FixMyStreet's "for triage"), from any state.
      return 'confirmed'
    case 'CANCELLED':
      return current.kind === 'closed' ? undefined : 'closed'
    default:
      return status.toLowerCase()
  }
}

/** What a citizen's status means coming from a client: "fixed", "open" again, or words only. */
function citizenStateFor(status: UpdateStatus): 'fixed' | 'open' | undefined {
  if (status === 'FIXED' || status === 'CLOSED') return 'fixed'
  if (status === 'OPEN' || status === 'REOPEN') return 'open'
  return undefined
}

type UpdateAnswer = { update_id: string; account_id?: string }

/**
 * POST servicerequestupdates (mySociety's extension). Two kinds of key post here:
 * - a department's back office (a key bound to the department, or a council-wide key that may
 *   change states): statuses and public updates as its staff would (audited, source "open311");
 * - a council-wide client such as FixMyStreet: its citizen's update, under the name given, and a
 *   citizen's CLOSED or FIXED marks the report "reported fixed" as a reporter may.
 * The client's update_id is kept: the same one again is answered without a second row, and reads
 * with the key show it under that id. An empty update of an unchanged status is accepted as done
 * (a client would otherwise retry it forever); a photo alone (media_url) is an update.
 */
export async function postServiceRequestUpdate(key: ApiKey, input: NewServiceRequestUpdate): Promise<Result<{ update: UpdateAnswer }>> {
  if (!key.mayUpdate) return fail(403, 'This api_key may not post service request updates (ask for a key with update rights).')
  const report = await database().db.selectFrom('reports').select(['id', 'state', 'state_kind', 'department_id']).where('id', '=', input.service_request_id).executeTakeFirst()
  // A report that is not public exists only for its own department.
  if (!report || (!isPublic(report.state_kind) && report.department_id !== key.departmentId)) return fail(404, `service_request_id ${input.service_request_id} was not found`)
  if (key.departmentId !== null && report.department_id !== key.departmentId) return fail(403, `This api_key may not update service request ${report.id}: it belongs to another department.`)
  const answer: UpdateAnswer = { update_id: input.update_id, ...(input.account_id ? { account_id: input.account_id } : {}) }

  // Claimed first: the same update_id posted twice at once is stored once.
  const at = new Date().toISOString()
  const claimed = await database().write(async (trx) => {
    const row = await trx
      .insertInto('open311_client_updates')
      .values({ api_key_id: key.id, client_update_id: input.update_id, report_id: report.id, report_update_id: null, created_at: at })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst()
    return Number(row.numInsertedOrUpdatedRows ?? 0) > 0
  })
  if (!claimed) return { ok: true, update: answer }
  const release = () => database().write((trx) => trx.deleteFrom('open311_client_updates').where('api_key_id', '=', key.id).where('client_update_id', '=', input.update_id).execute())
  const remember = (updateId: number | null) =>
    database().write((trx) => trx.updateTable('open311_client_updates').set({ report_update_id: updateId }).where('api_key_id', '=', key.id).where('client_update_id', '=', input.update_id).execute())

  let outcome: Result<{ updateId: number | null }>
  try {
    outcome = key.departmentId !== null || key.mayChangeState ? await backOfficeUpdate(key, report, input) : await clientCitizenUpdate(report, input)
  } catch (error) {
    await release()
    throw error
  }
  if (!outcome.ok) {
    await release()
    return outcome
  }
  await remember(outcome.updateId)
  return { ok: true, update: answer }
}

async function backOfficeUpdate(
  key: ApiKey,
  report: { id: number; state: string; state_kind: ReportStateKind; department_id: number },
  input: NewServiceRequestUpdate,
): Promise<Result<{ updateId: number | null }>> {
  const state = stateFor(input.status, { kind: report.state_kind })
  const result = await triageReport({ userId: null, departments: key.departmentId !== null ? [key.departmentId] : 'all', source: 'open311' }, report.id, {
    ...(state !== undefined && state !== report.state ? { state } : {}),
    ...(input.description ? { update: input.description } : {}),
    ...(input.media_url ? { mediaUrl: input.media_url } : {}),
  })
  switch (result.kind) {
    case 'ok':
      return { ok: true, updateId: result.updateIds[0] ?? null }
    case 'nothingToDo':
      // Already so, and nothing said: done (a refusal would be retried by the client for ever).
      return { ok: true, updateId: null }
    case 'notFound':
      return fail(404, `service_request_id ${input.service_request_id} was not found`)
    case 'forbidden':
      return fail(403, `This api_key may not update service request ${report.id}: it belongs to another department.`)
    case 'unknownState':
      return fail(400, `status ${input.status} has no matching state on this server`)
    case 'badTransition':
      return fail(400, `Service request ${report.id} cannot move from ${report.state} to ${input.status}.`)
    default:
      return fail(400, `The update could not be applied (${result.kind}).`)
  }
}

async function clientCitizenUpdate(report: { id: number }, input: NewServiceRequestUpdate): Promise<Result<{ updateId: number | null }>> {
  const name = [input.first_name, input.last_name].filter(Boolean).join(' ').trim()
  const to = citizenStateFor(input.status)
  const result = await citizenUpdate(report.id, { name, text: input.description, mediaUrl: input.media_url ?? null, ...(to ? { to } : {}), source: 'open311' })
  if (result.kind === 'notFound') return fail(404, `service_request_id ${input.service_request_id} was not found`)
  if (result.kind === 'nothingToDo') return { ok: true, updateId: null }
  return { ok: true, updateId: result.updateId }
}

// ---------------------------------------------------------------- API keys

const KEY_FORMAT = /^plz_[A-Za-z0-9_-]{43}$/
const hashKey = (secret: string) => encodeHexLowerCase(sha256(new TextEncoder().encode(secret)))

/** A new key: 32 random bytes, base64url, prefixed `plz_`. Only its SHA-256 is stored. */
export function generateApiKey(): { secret: string; hash: string; prefix: string } {
  const bytes = new Uint8Array(32)
  crypto.getRandomValues(bytes)
  const secret = `plz_${encodeBase64urlNoPadding(bytes)}`
  return { secret, hash: hashKey(secret), prefix: secret.slice(0, 12) }
}

export type IssueResult = { kind: 'ok'; id: number; secret: string; prefix: string } | { kind: 'noSuchDepartment' }

export async function issueApiKey(adminId: number, input: { name: string; departmentId: number | null; mayUpdate: boolean; trusted?: boolean; mayChangeState?: boolean }): Promise<IssueResult> {
  const key = generateApiKey()
  return database().write(async (trx) => {
    if (input.departmentId !== null) {
      const department = await trx.selectFrom('departments').select('id').where('id', '=', input.departmentId).executeTakeFirst()
      if (!department) return { kind: 'noSuchDepartment' as const }
    }
    const mayUpdate = input.mayUpdate
    const trusted = input.trusted ?? false
    const mayChangeState = mayUpdate && input.departmentId === null && (input.mayChangeState ?? false)
    const row = await trx
      .insertInto('api_keys')
      .values({
        name: input.name.trim(),
        key_hash: key.hash,
        key_prefix: key.prefix,
        department_id: input.departmentId,
        may_update: mayUpdate ? 1 : 0,
        trusted: trusted ? 1 : 0,
        may_change_state: mayChangeState ? 1 : 0,
        created_by: adminId,
        created_at: new Date().toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await recordAudit(trx, {
      actorId: adminId,
      action: 'api_key.issue',
      targetKind: 'api_key',
      targetId: row.id,
      after: { name: input.name.trim(), prefix: key.prefix, departmentId: input.departmentId, mayUpdate, trusted, mayChangeState },
    })
    return { kind: 'ok' as const, id: row.id, secret: key.secret, prefix: key.prefix }
  })
}

/** A deleted department leaves the keys that named it city-wide (services deletes it, inside this write). */
export async function detachDepartmentKeys(trx: Transaction<Database>, departmentId: number): Promise<void> {
  await trx.updateTable('api_keys').set({ department_id: null }).where('department_id', '=', departmentId).execute()
}

/** Called once per process from app/modules/registry.server.ts. */
export function registerOpen311() {
  onDepartmentDeleted(detachDepartmentKeys)
}

export type RevokeResult = { kind: 'ok' } | { kind: 'notFound' } | { kind: 'alreadyRevoked' }

export async function revokeApiKey(adminId: number, keyId: number): Promise<RevokeResult> {
  return database().write(async (trx) => {
    const key = await trx.selectFrom('api_keys').select(['id', 'name', 'key_prefix', 'revoked_at']).where('id', '=', keyId).executeTakeFirst()
    if (!key) return { kind: 'notFound' as const }
    if (key.revoked_at) return { kind: 'alreadyRevoked' as const }
    const at = new Date().toISOString()
    await trx.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', keyId).execute()
    await recordAudit(trx, { actorId: adminId, action: 'api_key.revoke', targetKind: 'api_key', targetId: keyId, before: { name: key.name, prefix: key.key_prefix }, after: { revokedAt: at } })
    return { kind: 'ok' as const }
  })
}

export async function listApiKeys(locale: string = cityDefaultLocale()) {
  const name = namesIn(locale)
  const rows = await database()
    .db.selectFrom('api_keys as k')
    .leftJoin('departments as d', 'd.id', 'k.department_id')
    .leftJoin('users as u', 'u.id', 'k.created_by')
    .select([
      'k.id',
      'k.department_id as departmentId',
      'k.name',
      'k.key_prefix as prefix',
      'd.name as department',
      'k.may_update as mayUpdate',
      'k.trusted',
      'k.may_change_state as mayChangeState',
      'k.created_at as createdAt',
      'u.display_name as createdBy',
      'k.last_used_at as lastUsedAt',
      'k.revoked_at as revokedAt',
    ])
    .orderBy(sql`k.revoked_at is not null`)
    .orderBy('k.id', 'desc')
    .execute()
  return rows.map((r) => ({ ...r, department: r.department === null ? null : name(r.department) }))
}

const TOUCH_EVERY_MS = 60_000
const touched = new Map<number, number>()

/** The live key for a secret (null when unknown or revoked); notes its use at most once a minute. */
export async function authenticateApiKey(secret: string | undefined | null): Promise<ApiKey | null> {
  if (!secret || !KEY_FORMAT.test(secret.trim())) return null
  const row = await database()
    .db.selectFrom('api_keys')
    .select(['id', 'name', 'department_id', 'may_update', 'trusted', 'may_change_state', 'last_used_at'])
    .where('key_hash', '=', hashKey(secret.trim()))
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  if (!row) return null
  const now = Date.now()
  const last = Math.max(touched.get(row.id) ?? 0, row.last_used_at ? Date.parse(row.last_used_at) : 0)
  if (now - last >= TOUCH_EVERY_MS) {
    touched.set(row.id, now)
    const at = new Date(now).toISOString()
    const before = new Date(now - TOUCH_EVERY_MS).toISOString()
    // Several processes may race: the condition keeps it to one write a minute in the database too.
    await database().write((trx) =>
      trx
        .updateTable('api_keys')
        .set({ last_used_at: at })
        .where('id', '=', row.id)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', before)]))
        .execute(),
    )
  }
  return { id: row.id, name: row.name, departmentId: row.department_id, mayUpdate: row.may_update === 1, trusted: row.trusted === 1, mayChangeState: row.may_change_state === 1 }
}
