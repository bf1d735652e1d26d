import './context'
import crypto from 'node:crypto'
import path from 'node:path'
import express, { type NextFunction, type Request as ExpressRequest, type Response as ExpressResponse } from 'express'
import compression from 'compression'
import helmet from 'helmet'
import { pinoHttp } from 'pino-http'
import type { Logger } from 'pino'
import { createRequestHandler } from '@remix-run/express'
import type { AppLoadContext, ServerBuild } from '@remix-run/node'
import type { Config } from './config.server'
import { checkCrossSite } from './csrf.server'
import { createRateLimiter, type RateLimiter, type RateRule } from './rate-limit.server'
import { translatorFor } from './i18n.server'
import { plainPage } from './plain-page.server'

/**
 * The HTTP layer in front of Remix: request ids, structured request logs, security headers
 * (CSP with a nonce per response), CSRF refusal, rate limits, compression and static files.
 * Everything here is stateless between requests except the rate-limit counters, which live in
 * the database so that several app servers can share them.
 */

export interface HttpAppOptions {
  config: Config
  build: ServerBuild | (() => Promise<ServerBuild>)
  logger: Logger
  rateLimiter?: RateLimiter
  publicDir?: string
}

declare module 'express-serve-static-core' {
  interface Locals {
    requestId: string
    cspNonce: string
  }
}

/** The default rules, from RATE_LIMIT_WRITE and RATE_LIMIT_READ. Capabilities add finer ones. */
export function defaultRateRules(config: Config): RateRule[] {
  const rules: RateRule[] = []
  if (config.RATE_LIMIT_WRITE) rules.push({ name: 'write', methods: 'write', path: /^\//, per: 'path', ...config.RATE_LIMIT_WRITE })
  if (config.RATE_LIMIT_READ) rules.push({ name: 'read', methods: 'read', path: /^\//, per: 'path', ...config.RATE_LIMIT_READ })
  return rules
}

function toFetchRequest(req: ExpressRequest, origin: string): Request {
  const headers = new Headers()
  for (const [key, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(key, value)
    else if (Array.isArray(value)) headers.set(key, value.join(', '))
  }
  return new Request(new URL(req.originalUrl, origin), { headers })
}

async function refuse(
  req: ExpressRequest,
  res: ExpressResponse,
  origin: string,
  status: number,
  titleKey: string,
  bodyKey: string,
  values: Record<string, unknown> = {},
) {
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
    res.locals.requestId =
      config.TRUST_PROXY > 0 && incoming && /^[\w.-]{8,128}$/.test(incoming) ? incoming : crypto.randomUUID()
    res.locals.cspNonce = crypto.randomBytes(16).toString('base64')
    res.setHeader('X-Request-Id', res.locals.requestId)
    next()
  })

  app.use(
    pinoHttp({
      logger,
      genReqId: (_req, res) => (res as ExpressResponse).locals.requestId,
      // The same key as the application's own log lines, so one search finds a request's story.
      customProps: (_req, res) => ({ requestId: (res as ExpressResponse).locals.requestId }),
      quietReqLogger: true,
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/build/') },
      serializers: {
        req: (req) => ({ method: req.method, url: req.url }),
        res: (res) => ({ statusCode: res.statusCode }),
      },
    }),
  )

  const https = publicOrigin.startsWith('https:')
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          'default-src': ["'self'"],
          // 'strict-dynamic': scripts with the nonce may load Remix's route modules.
          'script-src': ["'self'", (_req, res) => `'nonce-${(res as ExpressResponse).locals.cspNonce}'`, "'strict-dynamic'"],
          'style-src': ["'self'", (_req, res) => `'nonce-${(res as ExpressResponse).locals.cspNonce}'`],
          'img-src': ["'self'", 'data:', 'blob:'],
          'font-src': ["'self'"],
          'connect-src': ["'self'"],
          'worker-src': ["'self'", 'blob:'],
          'frame-ancestors': ["'none'"],
          'form-action': ["'self'"],
          'base-uri': ["'none'"],
          'object-src': ["'none'"],
          ...(https ? { 'upgrade-insecure-requests': [] } : {}),
        },
      },
      strictTransportSecurity: https ? { maxAge: 31536000, includeSubDomains: true } : false,
      crossOriginEmbedderPolicy: false,
      referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
      xFrameOptions: { action: 'deny' },
    }),
  )
  app.use((_req, res, next) => {
    res.setHeader('Permissions-Policy', 'geolocation=(self), camera=(), microphone=(), payment=(), usb=()')
    next()
  })

  app.use(compression())

  // Fingerprinted build assets never change; other public files may.
  app.use('/build', express.static(path.join(publicDir, 'build'), { immutable: true, maxAge: '1y', index: false }))
  app.use(express.static(publicDir, { maxAge: '1h', index: false }))

  app.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store')
    res.json({ ok: true })
  })

  const allowedOrigins = [publicOrigin, `http://${config.HOST}:${config.PORT}`]
  app.use((req, res, next) => {
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

  app.all(
    '*',
    createRequestHandler({
      build: options.build,
      mode: config.NODE_ENV,
      getLoadContext: (_req, res): AppLoadContext => ({ requestId: res.locals.requestId, cspNonce: res.locals.cspNonce }),
    }),
  )

  // Last resort (a failure outside Remix): log with the request id, answer a plain 500.
  app.use((error: unknown, req: ExpressRequest, res: ExpressResponse, _next: NextFunction) => {
    req.log.error({ err: error }, 'unhandled error')
    if (res.headersSent) return res.end()
    void refuse(req, res, publicOrigin, 500, 'errors.serverErrorTitle', 'errors.serverErrorBody').catch(() =>
      res.status(500).end(),
    )
  })

  return app
}

export { createRateLimiter, defaultRateRules as rateRules }
