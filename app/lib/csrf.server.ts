/**
 * CSRF defence for every non-GET request, on top of SameSite=Lax cookies:
 * a browser that says the request is cross-site (Sec-Fetch-Site), or whose Origin (or, failing
 * that, Referer) is not Plaza's own, is refused. Requests with none of these headers come from
 * non-browser clients, which cannot carry a visitor's cookies, so they pass.
 */

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

export interface CsrfInput {
  method: string
  /** Lower-case header names. */
  headers: Record<string, string | undefined>
  /** Origins Plaza answers on, e.g. ["https://plaza.example.org"]. */
  allowedOrigins: string[]
}

export type CsrfVerdict = { ok: true } | { ok: false; reason: string }

function originOf(url: string): string | null {
  try {
    return new URL(url).origin
  } catch {
    return null
  }
}

export function checkCrossSite({ method, headers, allowedOrigins }: CsrfInput): CsrfVerdict {
  if (SAFE_METHODS.has(method.toUpperCase())) return { ok: true }
  const fetchSite = headers['sec-fetch-site']
  if (fetchSite && fetchSite !== 'same-origin' && fetchSite !== 'none') {
    return { ok: false, reason: `sec-fetch-site: ${fetchSite}` }
  }
  const origin = headers['origin']
  if (origin !== undefined) {
    // Some privacy modes send "Origin: null"; it cannot be told apart from an attack, so refuse.
    if (!allowedOrigins.includes(origin)) return { ok: false, reason: `origin: ${origin}` }
    return { ok: true }
  }
  const referer = headers['referer']
  if (referer !== undefined) {
    const refOrigin = originOf(referer)
    if (!refOrigin || !allowedOrigins.includes(refOrigin)) return { ok: false, reason: `referer: ${referer}` }
  }
  return { ok: true }
}
