import { database } from '../../lib/db.server'

/**
 * The allowed origins as the HTTP layer reads them for the frame-ancestors CSP of /embed/* pages.
 *
 * Read through a per-process cache of a few seconds; a change made in this process forgets it at
 * once (other processes see it when their cache expires). The cache lives on globalThis because
 * this module is loaded twice in a server process (by the HTTP layer, and inside the Remix server
 * build where the admin page changes the list): both copies must share one cache. This file
 * imports nothing but the database so that the HTTP layer loads little.
 */

export const ORIGINS_CACHE_MS = 5_000

interface OriginsCache {
  origins: string[] | null
  at: number
  loading: Promise<string[]> | null
}
const CACHE_KEY = Symbol.for('plaza.embed.origins')
const cache = ((globalThis as Record<symbol, unknown>)[CACHE_KEY] ??= { origins: null, at: 0, loading: null }) as OriginsCache

export function forgetEmbedOrigins() {
  cache.origins = null
  cache.loading = null
}

/** The allowed origins, normalised (e.g. https://www.valmera.example), cached for a few seconds. */
export async function embedOrigins(): Promise<string[]> {
  if (cache.origins && Date.now() - cache.at < ORIGINS_CACHE_MS) return cache.origins
  if (cache.loading) return cache.loading
  const loading = database()
    .db.selectFrom('embed_sites')
    .select('origin')
    .orderBy('origin')
    .execute()
    .then((rows) => {
      // Only a forget() during the read may leave it stale: then keep the answer for this caller only.
      if (cache.loading === loading) {
        cache.origins = rows.map((r) => r.origin)
        cache.at = Date.now()
        cache.loading = null
      }
      return rows.map((r) => r.origin)
    })
    .catch((error: unknown) => {
      if (cache.loading === loading) cache.loading = null
      throw error
    })
  cache.loading = loading
  return loading
}

/** The frame-ancestors sources for a widget page: Plaza itself and every allowed site. */
export async function frameAncestorsForWidgets(): Promise<string[]> {
  return ["'self'", ...(await embedOrigins())]
}
