/**
 * Web origins of the sites allowed to embed widgets (RFC 6454: scheme, host, port). What an
 * administrator types is normalised to the form browsers send and CSP matches: lower-case scheme
 * and host, IDN hosts in punycode, the default port dropped, no path, query, fragment or user.
 */

export type OriginProblem = 'empty' | 'tooLong' | 'invalid' | 'scheme' | 'path' | 'credentials' | 'host'

export const ORIGIN_MAX = 200

export function normaliseOrigin(input: string): { ok: true; origin: string } | { ok: false; problem: OriginProblem } {
  const raw = input.trim()
  if (!raw) return { ok: false, problem: 'empty' }
  if (raw.length > ORIGIN_MAX) return { ok: false, problem: 'tooLong' }
  // Anything that could end or extend a CSP source expression is refused before parsing.
  if (/[\s;,'"<>\\^`{|}]/.test(raw) || /[\u0000-\u001f\u007f]/.test(raw)) return { ok: false, problem: 'invalid' }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) return { ok: false, problem: 'scheme' }
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { ok: false, problem: 'invalid' }
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, problem: 'scheme' }
  if (url.username || url.password) return { ok: false, problem: 'credentials' }
  // "https://example.org/" is the origin; any other path, a query or a fragment is not.
  const afterHost = raw.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '')
  if (afterHost !== '' && afterHost !== '/') return { ok: false, problem: 'path' }
  const host = url.hostname
  if (!host || host.includes('*') || host.endsWith('.') || host.startsWith('.') || host.includes('..')) return { ok: false, problem: 'host' }
  // A host is a domain name with a dot, localhost, or an IP address.
  const ipv4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(host)
  const ipv6 = host.startsWith('[')
  if (!ipv4 && !ipv6 && host !== 'localhost' && !/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/.test(host)) return { ok: false, problem: 'host' }
  return { ok: true, origin: url.origin }
}
