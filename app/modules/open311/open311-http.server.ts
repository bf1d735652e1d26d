import { createHash } from 'node:crypto'
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import type { z } from 'zod'
import { config } from '../../lib/config.server'
import { isLocale } from '../../lib/i18n'
import { localeOf } from '../../lib/i18n.server'
import { cityDefaultLocale } from '../../lib/localized.server'
import { attemptCounter } from '../../lib/rate-limit.server'
import { errorResponse, isFormat, respond, type ApiError, type DocumentShape, type Format, type Value } from './format.server'
import {
  authenticateApiKey,
  checkJurisdiction,
  createServiceRequest,
  createServiceRequestOnce,
  discovery,
  postServiceRequestUpdate,
  serviceDefinition,
  serviceRequest,
  serviceRequests,
  serviceRequestUpdates,
  services,
  tokenStatus,
  type ApiKey,
} from './open311.server'
import { newServiceRequest, newServiceRequestUpdate, SERVICE_CODE, serviceRequestsQuery, servicesQuery, updatesQuery } from './schema'

/**
 * Every Open311 URL under /open311/v2/ as one Fetch handler, used by the Remix route
 * (app/routes/open311.v2.$.ts): `resource.format` or `resource/id.format`, GET (and POST where the
 * spec has it). Each answer is in the asked format; errors too, in the spec's error format.
 */

export const BASE_PATH = '/open311/v2/'
/** Form bodies larger than this are refused unread (a request is text of at most a few KB). */
const MAX_BODY_BYTES = 256 * 1024
/** Requests a key may post per minute (requests and updates together): generous for any back office. */
export const POSTS_PER_MINUTE = 600
// OPEN311_POSTS_PER_MINUTE raises it for a city that sends a whole backlog at once (issue 19).
let postsCounter: ReturnType<typeof attemptCounter> | null = null
const postsPerKey = () => (postsCounter ??= attemptCounter('open311:key', config().OPEN311_POSTS_PER_MINUTE, 60))

const SHAPES = {
  discovery: { root: 'discovery' },
  services: { root: 'services', item: 'service' },
  definition: { root: 'service_definition' },
  requests: { root: 'service_requests', item: 'request' },
  updates: { root: 'service_request_updates', item: 'request_update' },
} satisfies Record<string, DocumentShape>

const CORS = { 'Access-Control-Allow-Origin': '*' }

// Lists computed in the last few seconds, per process: the same query (a client polling every
// minute, a dashboard, many apps asking for the default list) is computed once, as a CDN in front
// would do. `Cache-Control: no-cache` on the request always computes afresh. A post through this
// process forgets them at once; elsewhere they are at most RECENT_MS old.
const RECENT_MS = 5_000
const RECENT_BYTES = 24 * 1024 * 1024
const gzipAsync = promisify(gzip)
type Answer = { status: number; headers: Record<string, string>; body: Uint8Array<ArrayBuffer>; gzip?: Promise<Uint8Array<ArrayBuffer>> }
const recent = new Map<string, { expires: number; answer: Promise<Answer> }>()
let recentBytes = 0

export function forgetRecentAnswers() {
  recent.clear()
  recentBytes = 0
}

async function reusable(request: Request, key: string, compute: () => Promise<Response>): Promise<Response> {
  const fresh = /no-cache/i.test(`${request.headers.get('cache-control') ?? ''} ${request.headers.get('pragma') ?? ''}`)
  const now = Date.now()
  const hit = fresh ? undefined : recent.get(key)
  let pending = hit && hit.expires > now ? hit.answer : undefined
  if (!pending) {
    // Kept encoded: a hit sends the bytes as they are (a list of 1,000 is over half a megabyte).
    pending = compute().then(async (res) => ({ status: res.status, headers: Object.fromEntries(res.headers), body: new Uint8Array(await res.arrayBuffer()) }))
    const entry = { expires: now + RECENT_MS, answer: pending }
    recent.set(key, entry)
    pending.then(
      (a) => {
        if (a.status !== 200) return void (recent.get(key) === entry && recent.delete(key))
        recentBytes += a.body.byteLength
        if (recentBytes > RECENT_BYTES) forgetRecentAnswers()
      },
      () => recent.get(key) === entry && recent.delete(key),
    )
  }
  const a = await pending
  // Compressed once per answer, not by the HTTP layer for every client that accepts gzip.
  if (a.status === 200 && a.body.byteLength > 1024 && /\bgzip\b/i.test(request.headers.get('accept-encoding') ?? '')) {
    a.gzip ??= gzipAsync(a.body).then((b) => new Uint8Array(b.buffer as ArrayBuffer, b.byteOffset, b.byteLength))
    const gz = await a.gzip
    return new Response(gz, { status: a.status, headers: { ...a.headers, 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding', 'Content-Length': String(gz.byteLength) } })
  }
  return new Response(a.body, { status: a.status, headers: { ...a.headers, Vary: 'Accept-Encoding', 'Content-Length': String(a.body.byteLength) } })
}
// Public data: a cache may keep lists briefly and the service list longer.
const LIST_CACHE = 'public, max-age=15'
const SERVICES_CACHE = 'public, max-age=300'

type Route =
  | { resource: 'discovery' | 'services' | 'requests' | 'servicerequestupdates'; format: string }
  | { resource: 'service' | 'request' | 'token'; id: string; format: string }
  | { resource: 'unknown'; format: string }

function route(pathname: string): Route | null {
  if (!pathname.startsWith(BASE_PATH)) return null
  const rest = pathname.slice(BASE_PATH.length)
  const top = /^([a-z]+)\.([^./]+)$/i.exec(rest)
  if (top) {
    const resource = top[1]!
    if (resource === 'discovery' || resource === 'services' || resource === 'requests' || resource === 'servicerequestupdates') return { resource, format: top[2]! }
    return { resource: 'unknown', format: top[2]! }
  }
  const one = /^(services|requests|tokens)\/([^/]+)\.([^./]+)$/.exec(rest)
  if (one) {
    const resource = one[1] === 'services' ? 'service' : one[1] === 'requests' ? 'request' : 'token'
    let id = one[2]!
    try {
      id = decodeURIComponent(id)
    } catch {
      // left as sent: it will not be found
    }
    return { resource, id, format: one[3]! }
  }
  const ext = /\.([^./]+)$/.exec(rest)
  return { resource: 'unknown', format: ext?.[1] ?? 'json' }
}

/** First value of each parameter (the spec's parameters are single; lists are comma-separated). */
function firstValues(params: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = Object.create(null)
  for (const [k, v] of params) if (!(k in out)) out[k] = v
  return out
}

// Every problem at once (the error body is a list), each naming its parameter.
const issues = (error: z.ZodError): ApiError[] =>
  error.issues.map((i) => {
    const field = i.path.join('.')
    return { code: 400, description: !field || i.message.startsWith(field) ? i.message : `${field}: ${i.message}` }
  })

const notFound = (format: Format, description: string, headers: Record<string, string> = {}) => errorResponse(format, [{ code: 404, description }], headers)

export async function open311Response(request: Request): Promise<Response> {
  const url = new URL(request.url)
  const r = route(url.pathname)
  const method = request.method.toUpperCase()
  const read = method === 'GET' || method === 'HEAD'
  // Every answer, posts and errors included, is readable by a web page on another site: the API
  // authenticates by api_key, never by the visitor's cookies (app/lib/http.server.ts lets it past CSRF).
  const headers = CORS
  if (!r) return notFound('json', 'Not an Open311 address', headers)
  if (!isFormat(r.format)) return notFound('json', `Unknown format "${r.format.slice(0, 20)}": use .json or .xml`, headers)
  const format = r.format
  if (r.resource === 'unknown') return notFound(format, `No such Open311 resource: ${url.pathname.slice(0, 200)} (see ${BASE_PATH}discovery.${format})`, headers)

  const postable = r.resource === 'requests' || r.resource === 'servicerequestupdates'
  if (method === 'OPTIONS') {
    return new Response(null, { status: 204, headers: { ...CORS, 'Access-Control-Allow-Methods': postable ? 'GET, HEAD, POST' : 'GET, HEAD', 'Access-Control-Max-Age': '86400' } })
  }
  if (!read && !(method === 'POST' && postable)) {
    return errorResponse(format, [{ code: 405, description: `${method} is not allowed here (use ${postable ? 'GET or POST' : 'GET'})` }], {
      ...CORS,
      Allow: postable ? 'GET, HEAD, POST' : 'GET, HEAD',
    })
  }

  if (read) {
    const query = firstValues(url.searchParams)
    const jurisdiction = checkJurisdiction(query.jurisdiction_id)
    if (jurisdiction) return errorResponse(format, [jurisdiction], headers)
    if (r.resource === 'requests' || r.resource === 'servicerequestupdates') {
      const params = new URLSearchParams(url.searchParams)
      params.sort()
      // Cached by the query string: names follow ?locale= only, else the city's default language.
      return reusable(request, `${r.resource}.${format}?${params}`, () => answerGet(r, format, query, explicitLocale(query) ?? cityDefaultLocale()))
    }
    return answerGet(r, format, query, explicitLocale(query) ?? (await localeOf(request)))
  }
  const answer = await answerPost(request, r.resource as 'requests' | 'servicerequestupdates', format, firstValues(url.searchParams))
  if (answer.status === 200) forgetRecentAnswers()
  return answer
}

/** Names (service_name, group, attribute descriptions) in the language asked with ?locale=, Accept-Language, or the default. */
const explicitLocale = (query: Record<string, string>) => (query.locale && isLocale(query.locale) ? query.locale : null)

async function answerGet(r: Exclude<Route, { resource: 'unknown' }>, format: Format, query: Record<string, string>, locale: string): Promise<Response> {
  const ok = (shape: DocumentShape, body: Value, cache = LIST_CACHE) =>
    respond(format, shape, body, { headers: { ...CORS, 'Cache-Control': cache, ...(cache === SERVICES_CACHE ? { Vary: 'Accept-Language, Cookie' } : {}) } })
  const bad = (errors: ApiError[]) => errorResponse(format, errors, CORS)
  switch (r.resource) {
    case 'discovery':
      return ok(SHAPES.discovery, await discovery(), SERVICES_CACHE)
    case 'services': {
      const q = servicesQuery.safeParse(query)
      if (!q.success) return bad(issues(q.error))
      const point = q.data.lat !== undefined && q.data.long !== undefined ? { lat: q.data.lat, lng: q.data.long } : undefined
      return ok(SHAPES.services, await services(point, locale), SERVICES_CACHE)
    }
    case 'service': {
      const definition = SERVICE_CODE.test(r.id) ? await serviceDefinition(r.id, locale) : null
      if (!definition) return notFound(format, `service_code ${r.id.slice(0, 64)} was not found`, CORS)
      return ok(SHAPES.definition, definition, SERVICES_CACHE)
    }
    case 'requests': {
      const q = serviceRequestsQuery.safeParse(query)
      if (!q.success) return bad(issues(q.error))
      const result = await serviceRequests(q.data, new Date(), locale)
      if (!result.ok) return bad(result.errors)
      return ok(SHAPES.requests, result.requests)
    }
    case 'request': {
      const request = /^\d{1,15}$/.test(r.id) ? await serviceRequest(Number(r.id), locale) : null
      if (!request) return notFound(format, `service_request_id ${r.id.slice(0, 64)} was not found`, CORS)
      // GeoReport v2: one request is still a list of requests.
      return ok(SHAPES.requests, [request])
    }
    case 'token': {
      const status = await tokenStatus(r.id)
      if (!status) return notFound(format, `token ${r.id.slice(0, 64)} was not found`, CORS)
      return ok(SHAPES.requests, status, 'no-store')
    }
    case 'servicerequestupdates': {
      const q = updatesQuery.safeParse(query)
      if (!q.success) return bad(issues(q.error))
      // With its own key, a client sees the updates it posted under its own update_ids.
      const result = await serviceRequestUpdates(q.data, new Date(), q.data.api_key ? await authenticateApiKey(q.data.api_key) : null)
      if (!result.ok) return bad(result.errors)
      return ok(SHAPES.updates, result.updates)
    }
  }
}

type Body = { ok: true; fields: Record<string, string>; attributes: Record<string, string[]> } | { ok: false; error: ApiError }

/** Reads a form body (urlencoded, or multipart without files), at most MAX_BODY_BYTES. */
async function readBody(request: Request): Promise<Body> {
  const type = (request.headers.get('content-type') ?? '').toLowerCase()
  if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) {
    return { ok: false, error: { code: 400, description: 'Send the parameters as application/x-www-form-urlencoded (or multipart/form-data without files)' } }
  }
  const declared = Number(request.headers.get('content-length') ?? 0)
  const tooLarge = { ok: false as const, error: { code: 400, description: `The request body is larger than ${MAX_BODY_BYTES / 1024} KB` } }
  if (declared > MAX_BODY_BYTES) return tooLarge
  const chunks: Uint8Array[] = []
  let size = 0
  if (request.body) {
    const reader = request.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > MAX_BODY_BYTES) {
        await reader.cancel()
        return tooLarge
      }
      chunks.push(value)
    }
  }
  let form: FormData
  try {
    form = await new Response(Buffer.concat(chunks), { headers: { 'Content-Type': type } }).formData()
  } catch {
    return { ok: false, error: { code: 400, description: 'The request body could not be read as a form' } }
  }
  const fields: Record<string, string> = Object.create(null)
  const attributes: Record<string, string[]> = Object.create(null)
  for (const [key, value] of form) {
    if (typeof value !== 'string') return { ok: false, error: { code: 400, description: `File uploads are not accepted (field ${key.slice(0, 50)}); leave files out` } }
    // attribute[code]=value, or attribute[code][]=value for each value of a multivaluelist.
    const attribute = /^attribute\[([^\]]{1,64})\](\[\])?$/.exec(key)
    if (attribute) (attributes[attribute[1]!] ??= []).push(value)
    else if (!(key in fields)) fields[key] = value
  }
  return { ok: true, fields, attributes }
}

/** Names a request by its parameters (the key aside), for recognising a client's retry. */
function requestHash(fields: Record<string, string>, attributes: Record<string, string[]>): string {
  const named = Object.entries(fields)
    .filter(([k]) => k !== 'api_key')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const answers = Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return createHash('sha256')
    .update(JSON.stringify([named, answers]))
    .digest('hex')
}

async function answerPost(request: Request, resource: 'requests' | 'servicerequestupdates', format: Format, query: Record<string, string>): Promise<Response> {
  const answer = await answerPostUncors(request, resource, format, query)
  for (const [k, v] of Object.entries(CORS)) answer.headers.set(k, v)
  return answer
}

async function answerPostUncors(request: Request, resource: 'requests' | 'servicerequestupdates', format: Format, query: Record<string, string>): Promise<Response> {
  const body = await readBody(request)
  if (!body.ok) return errorResponse(format, [body.error])
  const fields = body.fields
  const secret = fields.api_key || query.api_key
  const key: ApiKey | null = await authenticateApiKey(secret)
  // GeoReport v2: 403 for a missing or wrong api_key.
  if (!key)
    return errorResponse(format, [{ code: 403, description: secret ? 'Invalid api_key received (unknown or revoked key)' : 'api_key was not provided: posting needs a key issued by this server' }])
  const jurisdiction = checkJurisdiction(fields.jurisdiction_id || query.jurisdiction_id)
  if (jurisdiction) return errorResponse(format, [jurisdiction])
  const count = await postsPerKey().count(String(key.id))
  if (count.over) {
    return errorResponse(format, [{ code: 429, description: `Too many requests with this api_key: at most ${config().OPEN311_POSTS_PER_MINUTE} a minute; retry in ${count.retryAfterSeconds} s` }], {
      'Retry-After': String(count.retryAfterSeconds),
    })
  }
  const answer = (shape: DocumentShape, items: Value) => respond(format, shape, items, { headers: { 'Cache-Control': 'no-store' } })

  if (resource === 'requests') {
    const input = newServiceRequest.safeParse(fields)
    if (!input.success) return errorResponse(format, issues(input.error))
    const locale = await localeOf(request)
    // A client's retry of the same request (it gave up waiting) gets the first answer.
    const result = await createServiceRequestOnce(key, requestHash(fields, body.attributes), () => createServiceRequest(key, input.data, body.attributes, locale))
    if (!result.ok) return errorResponse(format, result.errors)
    return answer(SHAPES.requests, [result.request])
  }
  const input = newServiceRequestUpdate.safeParse(fields)
  if (!input.success) return errorResponse(format, issues(input.error))
  const result = await postServiceRequestUpdate(key, input.data)
  if (!result.ok) return errorResponse(format, result.errors)
  return answer(SHAPES.updates, [result.update])
}
