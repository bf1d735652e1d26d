import './context'
import crypto from 'node:crypto'
import fs from 'node:fs'
import type http from 'node:http'
import path from 'node:path'
import express, { type NextFunction, type Request as ExpressRequest, type Response as ExpressResponse } from 'express'
import compression from 'compression'
import type { Logger } from 'pino'
import { Readable } from 'node:stream'
import { createReadableStreamFromReadable, createRequestHandler, type AppLoadContext, type ServerBuild } from '@remix-run/node'
import { EARLY_POST_MAX_BYTES, type EarlyRoute, type RawAnswer } from './early-routes'
import type { Config } from './config.server'
import { checkCrossSite } from './csrf.server'
import { rememberFastPostBody } from './fast-post.server'
import { createRateLimiter, type RateLimiter, type RateRule } from './rate-limit.server'
import { translatorFor } from './i18n.server'
import { plainPage } from './plain-page.server'
import { databaseFault } from './db.server'
import { createPageCache, pageCacheKey, renderCachedBytes, type CachedPage, type PageCache } from './page-cache.server'

/**
 * The HTTP layer in front of Remix: request ids, structured request logs, security headers
 * (CSP with a nonce per response), CSRF refusal, rate limits, compression and static files.
 * Everything here is stateless between requests except the rate-limit counters, which live in
 * the database so that several app servers can share them.
 */

/**
 * What the HTTP layer reads from the server build's entry module (app/entry.server.tsx) besides
 * Remix's own exports. scripts/start.ts types the build by that module, so a missing or mistyped
 * export is a compile error there, not a cast that lies.
 */
export interface PlazaEntryExports {
  /** Routes answered before Remix (app/early-routes.server.ts, ADR 117). */
  earlyRoutes: readonly EarlyRoute[]
  /** Readiness for /healthz: the build's database (the one every route writes through) can read and write. */
  databaseHealth: () => Promise<{ ok: boolean; reason?: string }>
  /** The frame-ancestors sources of widget pages: Plaza itself and the allowed sites (the embed module's list). */
  frameAncestorsForWidgets?: () => Promise<string[]>
  /** A rendered document's bytes, kept beside its Response by the entry module: written whole, not streamed (ADR 154). */
  documentBytes?: (response: Response) => Uint8Array | undefined
}
export type PlazaServerBuild = ServerBuild & { entry: { module: PlazaEntryExports } }

export interface HttpAppOptions {
  config: Config
  build: PlazaServerBuild
  logger: Logger
  rateLimiter?: RateLimiter
  /** Anonymous page cache; absent = every page rendered for each request. */
  pageCache?: PageCache
  publicDir?: string
  /**
   * The frame-ancestors sources of widget pages (/embed/…): Plaza itself and the allowed sites.
   * Default: the build's `frameAncestorsForWidgets` (the embed module's cached list), else Plaza alone.
   */
  widgetFrameAncestors?: () => Promise<string[]>
}

/** Widget pages, the only ones other sites may frame (docs/decisions/080-embedding.md). */
export const isWidgetPath = (path: string) => /^\/embed\/[^/]/.test(path)

declare module 'express-serve-static-core' {
  interface Request {
    /** A logger whose lines carry this request's id. */
    log: Logger
  }
  interface Locals {
    requestId: string
    cspNonce: string
    /** frame-ancestors sources of this response (widget pages only; others: 'none'). */
    frameAncestors?: string[]
    body?: Buffer
  }
}

/** The default rules, from RATE_LIMIT_WRITE and RATE_LIMIT_READ. Capabilities add finer ones. */
export function defaultRateRules(config: Config): RateRule[] {
  const rules: RateRule[] = []
  // Open311 clients are limited per API key by the open311 module (and answered in the spec's format).
  // Signing a petition (POST /petitions/:id) is limited per IP by the petition's own rules, which
  // hold signatures past the limit for review instead of refusing them (an office or a university
  // behind one address must not be turned away at a viral peak: docs/petitions.md).
  if (config.RATE_LIMIT_WRITE) rules.push({ name: 'write', methods: 'write', path: /^\/(?!open311\/v2\/|petitions\/\d+$)/, per: 'path', ...config.RATE_LIMIT_WRITE })
  if (config.RATE_LIMIT_READ) rules.push({ name: 'read', methods: 'read', path: /^\//, per: 'path', ...config.RATE_LIMIT_READ })
  return rules
}

// Links with a live secret in them (confirmation, reset): logs keep the route, not the token.
/** Secret links (confirmation, unsubscribe, status and questionnaire tokens) as logged. Exported for tests. */
export const redactTokens = (url: string) =>
  url
    .replace(
      /^(\/(?:confirm|reset-password|confirm-email-change|reports\/confirm|reports\/questionnaire|alerts\/confirm|alerts\/unsubscribe|open311\/v2\/tokens|petitions\/confirm|follow\/confirm|follow\/unsubscribe|letters\/confirm|letters\/questionnaire)\/)[^/?#]+/,
      '$1[token]',
    )
    // A petition's sponsor link and a signer's unsubscribe link.
    .replace(/^(\/petitions\/\d+\/(?:sponsor|unsubscribe)\/)[^/?#]+/, '$1[token]')
    // A sender's private letter status page (/letters/new is the form, not a token).
    .replace(/^(\/letters\/)(?!(?:new|confirm|questionnaire)(?:[/?#]|$))[^/?#]+/, '$1[token]')
    // A pending photo's preview key, an Open311 api_key in a query.
    .replace(/([?&](?:key|api_key)=)[^&#]+/g, '$1[secret]')

function toFetchRequest(req: ExpressRequest, origin: string): Request {
  const headers = new Headers()
  for (const [key, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(key, value)
    else if (Array.isArray(value)) headers.set(key, value.join(', '))
  }
  return new Request(new URL(req.originalUrl, origin), { headers })
}

async function refuse(req: ExpressRequest, res: ExpressResponse, origin: string, status: number, titleKey: string, bodyKey: string, values: Record<string, unknown> = {}) {
  const { locale, t } = await translatorFor(toFetchRequest(req, origin))
  const title = t(titleKey)
  const body = t(bodyKey, values)
  const note = status >= 500 ? t('errors.requestId', { id: res.locals.requestId }) : undefined
  res.status(status)
  if (req.accepts(['html', 'json']) === 'json') {
    res.json({ error: { status, title, message: body, requestId: res.locals.requestId } })
    return
  }
  res.type('html').send(plainPage({ locale, title, body, homeLabel: t('errors.backHome'), nonce: res.locals.cspNonce, note }))
}

export function createHttpApp(options: HttpAppOptions) {
  const { config, logger } = options
  const publicDir = options.publicDir ?? path.resolve('public')
  const publicOrigin = new URL(config.PUBLIC_URL).origin
  const app = express()
  app.disable('x-powered-by')
  app.set('trust proxy', config.TRUST_PROXY)

  // Request id: in the X-Request-Id header, every log line, and the 500 page.
  app.use((req, res, next) => {
    const incoming = req.get('x-request-id')
    res.locals.requestId = config.TRUST_PROXY > 0 && incoming && /^[\w.-]{8,128}$/.test(incoming) ? incoming : crypto.randomUUID()
    res.locals.cspNonce = nonce()
    res.setHeader('X-Request-Id', res.locals.requestId)
    next()
  })

  // One JSON line per request when it finishes (pino; the level decides whether it is written).
  app.use((req, res, next) => {
    const started = process.hrtime.bigint()
    let child: Logger | undefined
    Object.defineProperty(req, 'log', { get: () => (child ??= logger.child({ requestId: res.locals.requestId })) })
    res.on('finish', () => {
      const level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'
      if (!logger.isLevelEnabled(level) || req.path.startsWith('/build/')) return
      logger[level](
        {
          requestId: res.locals.requestId,
          req: { method: req.method, url: redactTokens(req.originalUrl) },
          res: { statusCode: res.statusCode },
          responseTime: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request completed',
      )
    })
    next()
  })

  const https = publicOrigin.startsWith('https:')
  // The configured base map and geocoder are the only other hosts the browser may fetch from.
  const mapOrigins = [config.MAP_TILE_URL, config.MAP_STYLE_URL, config.GEOCODER_URL]
    .filter((u): u is string => Boolean(u))
    // A tile host template such as https://{s}.tile.example.org becomes https://*.tile.example.org.
    .map((u) => /^https?:\/\/[^/?#]+/.exec(u)![0].replace(/\{[^}]*\}/g, '*'))
  // Widget pages may be framed by Plaza and the allowed sites (the embed module's list, read from
  // the build's entry module: app/lib imports nothing from app/modules); every other page by no one.
  const widgetFrameAncestors = options.widgetFrameAncestors ?? options.build.entry.module.frameAncestorsForWidgets ?? (async () => ["'self'"])
  app.use((req, res, next) => {
    if (!isWidgetPath(req.path)) return next()
    widgetFrameAncestors()
      .then((sources) => {
        res.locals.frameAncestors = sources
        next()
      })
      .catch(next)
  })
  // The security headers helmet would write (its defaults, and the CSP below), built once: only
  // the nonce and frame-ancestors change per response. Writing them in one middleware costs a
  // fraction of helmet's per-request directive walk, which counts at thousands of requests a second.
  const list = (values: string[]) => values.join(' ')
  const cspBefore = "default-src 'self';script-src 'self' 'nonce-"
  const cspAfterScript = "' 'strict-dynamic';style-src 'self' 'nonce-"
  const cspAfterStyle = `';img-src ${list(["'self'", 'data:', 'blob:', ...mapOrigins])};font-src 'self';connect-src ${list(["'self'", ...mapOrigins])};` + "worker-src 'self' blob:;frame-ancestors "
  const cspEnd = `;form-action 'self';base-uri 'none';object-src 'none'${https ? ';upgrade-insecure-requests' : ''}`
  const staticHeaders: Array<[string, string]> = [
    ['Cross-Origin-Opener-Policy', 'same-origin'],
    ['Cross-Origin-Resource-Policy', 'same-origin'],
    ['Origin-Agent-Cluster', '?1'],
    ['Referrer-Policy', 'strict-origin-when-cross-origin'],
    ...(https ? ([['Strict-Transport-Security', 'max-age=31536000; includeSubDomains']] as Array<[string, string]>) : []),
    ['X-Content-Type-Options', 'nosniff'],
    ['X-DNS-Prefetch-Control', 'off'],
    ['X-Download-Options', 'noopen'],
    ['X-Permitted-Cross-Domain-Policies', 'none'],
    ['X-XSS-Protection', '0'],
  ]
  app.use((_req, res, next) => {
    const nonce = res.locals.cspNonce
    const frameAncestors = res.locals.frameAncestors?.join(' ') || "'none'"
    res.setHeader('Content-Security-Policy', cspBefore + nonce + cspAfterScript + nonce + cspAfterStyle + frameAncestors + cspEnd)
    for (const [name, value] of staticHeaders) res.setHeader(name, value)
    next()
  })
  app.use((req, res, next) => {
    if (!res.locals.frameAncestors) res.setHeader('X-Frame-Options', 'DENY')
    // Other sites load the widget script (the default above, same-origin, would block it).
    if (req.path === '/widget.js') res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin')
    res.setHeader('Permissions-Policy', 'geolocation=(self), camera=(), microphone=(), payment=(), usb=()')
    next()
  })

  // An absolute-form request line ("GET http://other.example/ HTTP/1.1") is not for us.
  app.use((req, res, next) => (req.originalUrl.startsWith('/') ? next() : res.status(400).type('text/plain').send('Bad Request')))

  app.use(compression())

  // Fingerprinted build assets never change; other public files may.
  app.use('/build', express.static(path.join(publicDir, 'build'), { immutable: true, maxAge: '1y', index: false }))
  const servepublic = express.static(publicDir, { maxAge: '1h', index: false, redirect: false })
  // Only the files that are there at start (favicon.svg, widget.js, …; not build/) are public files:
  // pages and routes ending in .json, .rss or .csv skip the stat a static lookup costs.
  const publicFiles = listPublicFiles(publicDir)
  app.use((req, res, next) => (publicFiles.has(req.path) ? servepublic(req, res, next) : next()))

  // Ready only while the database can be written: a load balancer stops sending traffic to a server
  // whose disk is full, and sends it again once a write succeeds (no restart needed).
  const health = options.build.entry.module.databaseHealth
  app.get('/healthz', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store')
    health()
      .then((health) => {
        if (!health.ok) res.status(503).setHeader('Retry-After', '5')
        res.json(health)
      })
      .catch(next)
  })

  const allowedOrigins = [publicOrigin, `http://${config.HOST}:${config.PORT}`]
  app.use((req, res, next) => {
    // The Open311 API authenticates by api_key, never by cookies: a page on another site may post
    // to it (CORS), and its answers are always the API's own format (open311-http.server.ts).
    if (req.path.startsWith('/open311/v2/')) return next()
    const verdict = checkCrossSite({
      method: req.method,
      headers: req.headers as Record<string, string | undefined>,
      allowedOrigins,
    })
    if (verdict.ok) return next()
    req.log.warn({ csrf: verdict.reason }, 'cross-site request refused')
    void refuse(req, res, publicOrigin, 403, 'errors.forbiddenTitle', 'errors.crossSiteBody').catch(next)
  })

  if (options.rateLimiter) {
    const limiter = options.rateLimiter
    app.use((req, res, next) => {
      limiter
        .consume(req.method, req.path, req.ip ?? 'unknown')
        .then((decision) => {
          if (decision.allowed) return next()
          req.log.warn({ rateLimit: decision.rule, ip: req.ip }, 'rate limited')
          res.setHeader('Retry-After', String(decision.retryAfterSeconds))
          return refuse(req, res, publicOrigin, 429, 'errors.tooManyTitle', 'errors.tooManyBody', {
            seconds: decision.retryAfterSeconds,
          })
        })
        .catch(next)
    })
  }

  // Routes answered before Remix, in the table's order (app/early-routes.server.ts, ADR 117).
  for (const route of options.build.entry.module.earlyRoutes) {
    if ('raw' in route) {
      const answerRaw = route.raw
      app.get(route.path, (req, res, next) => {
        const mark = req.url.indexOf('?')
        answerRaw(req.params, req.headers, mark < 0 ? '' : req.url.slice(mark + 1))
          .then((answer) => {
            if (!answer) return next()
            res.status(answer.status)
            for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value)
            res.end(answer.body)
          })
          .catch(next)
      })
    } else if (route.method === 'GET') {
      const handle = route.handle
      app.get(route.path, (req, res, next) => {
        handle(toRemixRequest(req, res, publicOrigin), req.params)
          .then((response) => (response ? sendRemixResponse(res, response) : next()))
          .catch(next)
      })
    } else {
      const handle = route.handle
      app.post(route.path, (req, res, next) => {
        // Only a small body is buffered (so that Remix can read it again when the handler declines).
        if (Number(req.headers['content-length'] ?? Infinity) > EARLY_POST_MAX_BYTES) return next()
        bufferBody(req)
          .then(async (body) => {
            res.locals.body = body
            const response = await handle(toRemixRequest(req, res, publicOrigin), req.params)
            return response ? sendRemixResponse(res, response) : next()
          })
          .catch(next)
      })
    }
  }

  const handleRemix = createRequestHandler(options.build, config.NODE_ENV)
  const documentBytes = options.build.entry.module.documentBytes ?? (() => undefined)
  const pageCache = options.pageCache
  app.all('*', (req, res, next) => {
    const secrets = { nonce: res.locals.cspNonce, requestId: res.locals.requestId }
    const context: AppLoadContext = { requestId: secrets.requestId, cspNonce: secrets.nonce }
    const key = pageCache ? pageCacheKey({ method: req.method, url: req.originalUrl, headers: req.headers }) : null
    const answer = async () => {
      if (pageCache && key) {
        const cached = pageCache.get(key) ?? (await pageCache.pending(key))
        if (cached) return sendCachedPage(res, cached, secrets, 'hit')
        let fresh: Response | undefined
        let body = ''
        const entry = await pageCache.coalesce(key, async () => {
          fresh = await handleRemix(toRemixRequest(req, res, publicOrigin), context)
          if (!fresh.headers.has('plaza-page-cache')) return null
          body = await fresh.text()
          return pageCache.prepare(fresh, body, secrets)
        })
        if (entry) {
          pageCache.store(key, entry)
          return sendCachedPage(res, entry, secrets, 'miss')
        }
        if (fresh) return sendRemixResponse(res, withFault(fresh, context), body || undefined)
        // Another request's render could not be shared: render our own.
      }
      const response = withFault(await handleRemix(toRemixRequest(req, res, publicOrigin), context), context)
      const bytes = documentBytes(response)
      return sendRemixResponse(res, response, bytes)
    }
    answer().catch(next)
  })

  // Last resort (a failure outside Remix): log with the request id, answer a plain 500 — or a 503
  // with Retry-After when the database could not take the write (lock timeout, full disk).
  app.use((error: unknown, req: ExpressRequest, res: ExpressResponse, _next: NextFunction) => {
    const fault = databaseFault(error)
    if (fault) {
      req.log.warn({ fault: fault.code }, 'database unavailable: answered 503')
      if (res.headersSent) return res.end()
      res.setHeader('Retry-After', String(fault.retryAfterSeconds))
      return void refuse(req, res, publicOrigin, 503, 'errors.unavailableTitle', 'errors.unavailableBody').catch(() => res.status(503).end())
    }
    req.log.error({ err: error }, 'unhandled error')
    if (res.headersSent) return res.end()
    void refuse(req, res, publicOrigin, 500, 'errors.serverErrorTitle', 'errors.serverErrorBody').catch(() => res.status(500).end())
  })

  // First in line, though written last: raw routes with a way in ahead of Express (the tiles, ADR 148)
  // see a GET before any middleware above runs. Their answers are bytes, never a document, so they
  // carry the security lines that act on any answer (OWASP's set for API answers: no sniffing, no
  // framing, a CSP that allows nothing, same-origin resource, HSTS) and not those only a page reads
  // (COOP, Referrer-Policy, Permissions-Policy…); no request id and no log line, as for /build/ (a
  // failure goes down the pipeline above and is logged there). A read rate limit covering the path
  // keeps it behind the limiter.
  const limiter = options.rateLimiter
  const bare = options.build.entry.module.earlyRoutes.flatMap((route) =>
    'raw' in route && route.bare && !limiter?.rules.some((rule) => rule.methods === 'read' && rule.path.test(route.bare!.prefix)) ? [route.bare] : [],
  )
  if (bare.length === 0) return app
  const forAnyAnswer = new Set(['Cross-Origin-Resource-Policy', 'Strict-Transport-Security', 'X-Content-Type-Options'])
  const bareLines = [...staticHeaders.filter(([name]) => forAnyAnswer.has(name)), ['Content-Security-Policy', "default-src 'none';frame-ancestors 'none'"], ['X-Frame-Options', 'DENY']].flat()
  // A failure before the answer is under way takes the request down the pipeline (logged, a 500 or 503 with a request id).
  const fallBack = (req: http.IncomingMessage, res: http.ServerResponse) => (res.headersSent ? res.destroy() : app(req, res))
  const sendBare = (req: http.IncomingMessage, res: http.ServerResponse, answer: RawAnswer) => {
    try {
      res.writeHead(answer.status, bareHeaderLines(answer, bareLines))
      res.end(answer.status === 304 ? undefined : answer.body)
    } catch {
      fallBack(req, res)
    }
  }
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = req.url ?? ''
    if (req.method === 'GET') {
      for (const entry of bare) {
        if (!url.startsWith(entry.prefix)) continue
        let answer: ReturnType<typeof entry.handle>
        try {
          answer = entry.handle(url, req.headers)
        } catch {
          answer = null
        }
        if (answer === null) break
        if (answer instanceof Promise)
          answer.then(
            (a) => sendBare(req, res, a),
            () => fallBack(req, res),
          )
        else sendBare(req, res, answer)
        return
      }
    }
    app(req, res)
  }
}

/**
 * A bare answer's header lines for writeHead (name, value, name, value…): its own, its length and
 * the fixed security lines. Kept beside the answer, so that an answer kept in memory (a hot tile)
 * is sent with the lines built for it the first time.
 */
const bareHeads = new WeakMap<RawAnswer, string[]>()
function bareHeaderLines(answer: RawAnswer, security: string[]): string[] {
  let lines = bareHeads.get(answer)
  if (!lines) {
    lines = Object.entries(answer.headers).flat()
    if (answer.status !== 304) lines.push('Content-Length', String(typeof answer.body === 'string' ? Buffer.byteLength(answer.body) : answer.body.byteLength))
    lines.push(...security)
    bareHeads.set(answer, lines)
  }
  return lines
}

// CSP nonces: 16 random bytes each, cut from a pool filled 4 KB at a time from the system's CSPRNG.
let noncePool = Buffer.alloc(0)
let nonceOffset = 0
function nonce(): string {
  if (nonceOffset + 16 > noncePool.length) {
    noncePool = crypto.randomBytes(4096)
    nonceOffset = 0
  }
  const value = noncePool.toString('base64', nonceOffset, nonceOffset + 16)
  nonceOffset += 16
  return value
}

/** The files under public/ (not build/, which has its own middleware) as URL paths. */
function listPublicFiles(dir: string): Set<string> {
  const files = new Set<string>()
  try {
    for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue
      const rel = path
        .relative(dir, path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name))
        .split(path.sep)
        .join('/')
      if (!rel.startsWith('build/')) files.add(`/${rel}`)
    }
  } catch {
    // No public directory: no public files.
  }
  return files
}

function bufferBody(req: ExpressRequest): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function toRemixRequest(req: ExpressRequest, res: ExpressResponse, origin: string): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'x-plaza-client-ip') continue
    if (Array.isArray(value)) for (const v of value) headers.append(name, v)
    else headers.set(name, value)
  }
  // The client's address as Express resolved it (TRUST_PROXY-aware); a sender cannot forge it.
  headers.set('x-plaza-client-ip', req.ip ?? 'unknown')
  const controller = new AbortController()
  // Only a client that went away before the answer was sent aborts the request (an abort builds
  // a DOMException with its stack: costly at thousands of requests a second).
  res.on('close', () => {
    if (!res.writableFinished) controller.abort()
  })
  const init: RequestInit & { duplex?: 'half' } = { method: req.method, headers, signal: controller.signal }
  if (res.locals.body) {
    init.body = new Uint8Array(res.locals.body)
    // A fast post's handler may read the buffered body here instead of through the stream.
    const request = new Request(origin + req.originalUrl, init)
    rememberFastPostBody(request, res.locals.body)
    return request
  } else if (req.method !== 'GET' && req.method !== 'HEAD') {
    init.body = createReadableStreamFromReadable(req)
    init.duplex = 'half'
  }
  // The configured origin, not the Host header: a forged Host cannot change what Plaza links to.
  return new Request(origin + req.originalUrl, init)
}

/** The largest unread request body read to its end after an early answer (a refusal). */
const DRAIN_MAX_BYTES = 1024 * 1024

async function sendRemixResponse(res: ExpressResponse, response: Response, text?: string | Uint8Array) {
  res.status(response.status)
  // A refused post leaves the rest of its body unread. A small one is read and thrown away, so the
  // client that is still sending it gets the answer (closing at once made it fail with EPIPE). A
  // large one is not waited for: keeping the connection alive would leave the browser waiting to
  // send it and the answer would never show, so the connection closes.
  if (!res.req.complete) {
    const length = Number(res.req.headers['content-length'])
    if (Number.isFinite(length) && length <= DRAIN_MAX_BYTES) res.req.resume()
    else res.setHeader('Connection', 'close')
  }
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie' && name !== 'plaza-page-cache') res.setHeader(name, value)
  })
  const cookies = response.headers.getSetCookie()
  if (cookies.length) res.setHeader('set-cookie', cookies)
  if (text !== undefined) {
    // A whole document: its length said (compression drops it when it compresses), no chunked encoding.
    if (typeof text !== 'string') res.setHeader('Content-Length', text.byteLength)
    return void res.end(text)
  }
  if (!response.body) return void res.end()
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream)
  body.on('error', (error) => res.destroy(error))
  body.pipe(res)
}

/** A data or resource answer whose loader met a database fault: 503 with Retry-After, not 500. */
function withFault(response: Response, context: AppLoadContext): Response {
  if (!context.fault || response.status < 500 || response.status === 503) return response
  const headers = new Headers(response.headers)
  headers.set('Retry-After', String(context.fault.retryAfterSeconds))
  return new Response(response.body, { status: 503, headers })
}

function sendCachedPage(res: ExpressResponse, entry: CachedPage, secrets: { nonce: string; requestId: string }, state: 'hit' | 'miss') {
  res.status(entry.status)
  for (const [name, value] of entry.headers) res.setHeader(name, value)
  res.setHeader('X-Plaza-Cache', state)
  res.end(renderCachedBytes(entry, secrets))
}

export { createRateLimiter, createPageCache, defaultRateRules as rateRules }
