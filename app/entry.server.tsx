import type { Writable } from 'node:stream'
import type { AppLoadContext, EntryContext, HandleErrorFunction } from '@remix-run/node'
import { RemixServer } from '@remix-run/react'
import { renderToPipeableStream } from 'react-dom/server'
import { I18nextProvider } from 'react-i18next'
import { i18nInstance, localeOf } from './lib/i18n.server'
import { RequestContext } from './lib/context'
import { logger } from './lib/logger.server'
import { databaseFault } from './lib/db.server'
import { registerCapabilities } from './modules/registry.server'

registerCapabilities()

// The routes the HTTP layer answers before Remix, from this same build (ADR 117): the HTTP layer
// reads them from the build's entry module, typed as PlazaServerBuild (app/lib/http.server.ts).
export { earlyRoutes } from './early-routes.server'
// /healthz asks the build's own database (the one every route writes through) whether it can write.
export { databaseHealth } from './lib/health.server'
// The sites allowed to frame widget pages, for the HTTP layer's Content-Security-Policy.
export { frameAncestorsForWidgets } from './modules/embed/allowed-origins.server'

const ABORT_DELAY = 5_000

// Each document's bytes beside its Response (ADR 154): the HTTP layer writes them with one res.end
// (and a Content-Length) instead of reading the Response's web stream back into a Node stream, which
// cost more than a short page's writing. A Response Remix made anew (a HEAD, a fault's 503) is not
// here and is streamed as before.
const documents = new WeakMap<Response, Uint8Array>()
export function documentBytes(response: Response): Uint8Array | undefined {
  return documents.get(response)
}

// React 18.3.1 can pad a 2 KB chunk with NUL bytes when a multi-byte character does not fit at its
// end (react/react#31134). A page never contains NUL (HTML parsers turn it into U+FFFD): drop them.
// Cut with native searches and one copy (filtering byte by byte through a JS array cost 5% of a page).
function withoutNul(page: Buffer<ArrayBuffer>): Buffer<ArrayBuffer> {
  let at = page.indexOf(0)
  if (at === -1) return page
  const parts: Buffer<ArrayBuffer>[] = []
  let from = 0
  while (at !== -1) {
    if (at > from) parts.push(page.subarray(from, at))
    from = at + 1
    at = page.indexOf(0, from)
  }
  parts.push(page.subarray(from))
  return Buffer.concat(parts)
}

/**
 * Where React writes the page once everything is ready: its chunks kept in memory, the page whole at
 * the end. React needs only write, end, destroy and on from a destination; a node Writable's
 * buffering, callbacks and events were a few per cent of a long page's CPU for chunks it only kept.
 */
function collector(done: (chunks: Uint8Array[]) => void, failed: (error: unknown) => void): Writable {
  const chunks: Uint8Array[] = []
  let finished = false
  const destination = {
    write(chunk: Uint8Array) {
      chunks.push(chunk)
      return true
    },
    end() {
      if (finished) return
      finished = true
      done(chunks)
    },
    destroy(error?: unknown) {
      if (finished) return
      finished = true
      failed(error ?? new Error('render destroyed'))
    },
    on() {
      return destination
    },
  }
  return destination as unknown as Writable
}

export default async function handleRequest(request: Request, responseStatusCode: number, responseHeaders: Headers, remixContext: EntryContext, loadContext: AppLoadContext) {
  const i18n = i18nInstance(await localeOf(request))
  const nonce = loadContext.cspNonce
  // A loader or action met a database fault (handleError below): "try again", not "we broke".
  const unavailable = Boolean(loadContext.fault)
  if (loadContext.fault && responseStatusCode >= 500) {
    responseStatusCode = 503
    responseHeaders.set('Retry-After', String(loadContext.fault.retryAfterSeconds))
  }
  // Plaza's loaders return complete data (no `defer`), so a page is whole as soon as it renders:
  // it is sent in one write instead of dozens of small chunks (docs/decisions/006-buffered-ssr.md).

  return new Promise<Response>((resolve, reject) => {
    let shellRendered = false
    let timer: NodeJS.Timeout | undefined
    const { pipe, abort } = renderToPipeableStream(
      <RequestContext.Provider value={{ requestId: loadContext.requestId, cspNonce: nonce, unavailable }}>
        <I18nextProvider i18n={i18n}>
          <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} nonce={nonce} />
        </I18nextProvider>
      </RequestContext.Provider>,
      {
        nonce,
        onAllReady() {
          shellRendered = true
          clearTimeout(timer)
          pipe(
            collector((chunks) => {
              responseHeaders.set('Content-Type', 'text/html; charset=utf-8')
              if (!responseHeaders.has('Cache-Control')) responseHeaders.set('Cache-Control', 'private, no-cache')
              responseHeaders.append('Vary', 'Accept-Language, Cookie')
              const page = withoutNul(Buffer.concat(chunks))
              const response = new Response(page, { headers: responseHeaders, status: responseStatusCode })
              documents.set(response, page)
              resolve(response)
            }, reject),
          )
        },
        onShellError(error: unknown) {
          reject(error)
        },
        onError(error: unknown) {
          if (!unavailable) responseStatusCode = 500
          // Errors after the shell are logged here; before it, handleError has them.
          if (shellRendered) logger().error({ err: error, requestId: loadContext.requestId }, 'render error')
        },
      },
    )
    // The guard against a render that never ends is armed once React has done its first pass (its
    // work is queued with setImmediate when the render starts, so this callback runs after it): a
    // busy event loop before that must not abort a render that was about to complete.
    setImmediate(() => {
      if (!shellRendered) timer = setTimeout(abort, ABORT_DELAY)
    })
  })
}

export const handleError: HandleErrorFunction = (error, { request, context }) => {
  const fault = databaseFault(error)
  if (fault) {
    context.fault = { reason: fault.reason, retryAfterSeconds: fault.retryAfterSeconds }
    logger().warn({ requestId: context.requestId, url: request.url, fault: fault.code }, 'database unavailable: answered 503')
    return
  }
  if (request.signal.aborted) return
  logger().error({ err: error, requestId: context.requestId, url: request.url }, 'unhandled error in loader or action')
}
