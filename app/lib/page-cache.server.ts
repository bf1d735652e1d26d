/**
 * A short-lived cache of whole pages for anonymous visitors ("micro-caching").
 *
 * Public pages are the same for every anonymous visitor who sends the same URL, language cookie
 * and Accept-Language, so under a peak (a viral petition) one render can answer many requests.
 * A route opts in by sending `Plaza-Page-Cache: <seconds>`; the header never leaves the server.
 * Anyone with another cookie (a session) always gets a fresh render. Each cached page is stored
 * with its CSP nonce and request id cut out, and every answer gets fresh ones. Concurrent misses
 * for one page wait for a single render. Each server process has its own cache.
 */

export const PAGE_CACHE_HEADER = 'plaza-page-cache'
/** Cookies that do not personalise a page beyond what the key already holds. */
const NEUTRAL_COOKIES = new Set(['plaza_lng'])

export interface CachedPage {
  status: number
  headers: Array<[string, string]>
  /** The body cut at each nonce and request id: even indexes are text, odd ones are 'n' or 'r'. */
  parts: string[]
  /** The same parts as UTF-8 bytes, encoded once when stored (sending copies bytes, not text). */
  bytes?: Buffer[]
  expires: number
}

export interface PageRequest {
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
}

const header = (h: PageRequest['headers'], name: string) => {
  const v = h[name]
  return Array.isArray(v) ? v.join(', ') : (v ?? '')
}

/** The cache key, or null when this request must be rendered for its sender alone. */
export function pageCacheKey(request: PageRequest): string | null {
  // GET only: Remix answers HEAD with an empty body, which must never be stored for GETs.
  if (request.method !== 'GET') return null
  const pathname = request.url.split('?')[0]!
  if (pathname.endsWith('.data')) return null
  if (!header(request.headers, 'accept').includes('text/html') && header(request.headers, 'accept') !== '') {
    // Browsers ask for documents with text/html; tools without Accept get the same page.
    if (!header(request.headers, 'accept').includes('*/*')) return null
  }
  const cookie = header(request.headers, 'cookie')
  if (cookie) {
    for (const pair of cookie.split(';')) {
      const name = pair.split('=')[0]!.trim()
      if (name && !NEUTRAL_COOKIES.has(name)) return null
    }
  }
  return `${request.url}\n${cookie}\n${header(request.headers, 'accept-language')}`
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

export function createPageCache(options: { maxEntries?: number; maxSeconds?: number; now?: () => number } = {}) {
  const maxEntries = options.maxEntries ?? 500
  const maxSeconds = options.maxSeconds ?? 60
  const now = options.now ?? Date.now
  const entries = new Map<string, CachedPage>()
  const inflight = new Map<string, Promise<CachedPage | null>>()
  let hits = 0
  let misses = 0

  return {
    /** A fresh cached page, or undefined. */
    get(key: string): CachedPage | undefined {
      const entry = entries.get(key)
      if (!entry) return undefined
      if (entry.expires <= now()) {
        entries.delete(key)
        return undefined
      }
      hits++
      return entry
    },

    /** The render under way for this key, if any (so that concurrent misses wait for it). */
    pending(key: string) {
      return inflight.get(key)
    },

    /** Runs `render` once for concurrent misses of the same key. */
    async coalesce(key: string, render: () => Promise<CachedPage | null>): Promise<CachedPage | null> {
      misses++
      const promise = render().finally(() => inflight.delete(key))
      inflight.set(key, promise)
      return promise
    },

    /**
     * Builds the entry for a rendered page when its route opted in: status 200, no Set-Cookie.
     * Returns null when the page must not be cached.
     */
    prepare(response: { status: number; headers: Headers }, body: string, secrets: { nonce: string; requestId: string }): CachedPage | null {
      const seconds = Number(response.headers.get(PAGE_CACHE_HEADER))
      if (response.status !== 200 || !(seconds > 0) || response.headers.has('set-cookie')) return null
      const headers: Array<[string, string]> = []
      response.headers.forEach((value, name) => {
        if (name !== PAGE_CACHE_HEADER && name !== 'content-length' && name !== 'x-request-id') headers.push([name, value])
      })
      const pattern = new RegExp(`(${escapeRegExp(secrets.nonce)}|${escapeRegExp(secrets.requestId)})`)
      const parts = body.split(pattern).map((part, i) => (i % 2 === 1 ? (part === secrets.nonce ? 'n' : 'r') : part))
      return { status: 200, headers, parts, expires: now() + Math.min(seconds, maxSeconds) * 1000 }
    },

    store(key: string, entry: CachedPage) {
      if (entries.size >= maxEntries) {
        // Oldest first: Map keeps insertion order.
        const oldest = entries.keys().next().value
        if (oldest !== undefined) entries.delete(oldest)
      }
      entries.set(key, entry)
    },

    stats: () => ({ hits, misses, entries: entries.size }),
  }
}

export type PageCache = ReturnType<typeof createPageCache>

/** The page's body with this response's own nonce and request id put back in. */
/** The body as bytes for one answer: the stored bytes with this answer's nonce and request id. */
export function renderCachedBytes(entry: CachedPage, secrets: { nonce: string; requestId: string }): Buffer {
  const bytes = (entry.bytes ??= entry.parts.map((part, i) => (i % 2 === 0 ? Buffer.from(part) : Buffer.alloc(0))))
  const nonce = Buffer.from(secrets.nonce)
  const requestId = Buffer.from(secrets.requestId)
  const out: Buffer[] = new Array(bytes.length)
  for (let i = 0; i < bytes.length; i++) out[i] = i % 2 === 0 ? bytes[i]! : entry.parts[i] === 'n' ? nonce : requestId
  return Buffer.concat(out)
}

export function renderCachedBody(entry: CachedPage, secrets: { nonce: string; requestId: string }): string {
  let out = ''
  for (let i = 0; i < entry.parts.length; i++) {
    const part = entry.parts[i]!
    out += i % 2 === 0 ? part : part === 'n' ? secrets.nonce : secrets.requestId
  }
  return out
}
