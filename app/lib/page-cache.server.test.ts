import { describe, expect, it } from 'vitest'
import { createPageCache, pageCacheKey, renderCachedBody, renderCachedBytes } from './page-cache.server'

const request = (over: Partial<{ method: string; url: string; headers: Record<string, string> }> = {}) => ({
  method: 'GET',
  url: '/',
  headers: { accept: 'text/html', 'accept-language': 'es' } as Record<string, string>,
  ...over,
})

describe('pageCacheKey', () => {
  it('keys anonymous page requests by URL, language cookie and Accept-Language', () => {
    const a = pageCacheKey(request())
    expect(a).not.toBeNull()
    expect(pageCacheKey(request({ url: '/?x=1' }))).not.toBe(a)
    expect(pageCacheKey(request({ headers: { accept: 'text/html', 'accept-language': 'fr' } }))).not.toBe(a)
    expect(pageCacheKey(request({ headers: { accept: 'text/html', cookie: 'plaza_lng=ImZyIg%3D%3D' } }))).not.toBeNull()
  })

  it.each([
    ['a POST', request({ method: 'POST' })],
    ['a HEAD (its empty body would be served to GETs)', request({ method: 'HEAD' })],
    ['a session cookie', request({ headers: { accept: 'text/html', cookie: 'plaza_lng=x; plaza_session=abc' } })],
    ['any unknown cookie', request({ headers: { accept: 'text/html', cookie: 'other=1' } })],
    ['a client-side data request', request({ url: '/_root.data' })],
    ['a JSON request', request({ headers: { accept: 'application/json' } })],
  ])('never caches %s', (_name, r) => {
    expect(pageCacheKey(r)).toBeNull()
  })
})

describe('page cache entries', () => {
  const secrets = { nonce: 'AbC+/d==', requestId: '11111111-2222-3333-4444-555555555555' }
  const body = `<meta content="${secrets.requestId}"><script nonce="${secrets.nonce}"></script><script nonce="${secrets.nonce}">`
  const response = (headers: Record<string, string>, status = 200) => ({ status, headers: new Headers(headers) })

  it('stores a page without its nonce and request id, and gives each answer fresh ones', () => {
    const cache = createPageCache()
    const entry = cache.prepare(response({ 'plaza-page-cache': '5', 'content-type': 'text/html' }), body, secrets)!
    expect(entry.parts.join('')).not.toContain(secrets.nonce)
    const fresh = { nonce: 'ZZZ', requestId: 'rid-2' }
    expect(renderCachedBody(entry, fresh)).toBe(`<meta content="rid-2"><script nonce="ZZZ"></script><script nonce="ZZZ">`)
    // The bytes sent are the same text, also for a second answer with other secrets and non-ASCII text.
    expect(renderCachedBytes(entry, fresh).toString('utf8')).toBe(`<meta content="rid-2"><script nonce="ZZZ"></script><script nonce="ZZZ">`)
    expect(renderCachedBytes(entry, { nonce: 'é1', requestId: 'r3' }).toString('utf8')).toBe(`<meta content="r3"><script nonce="é1"></script><script nonce="é1">`)
    expect(entry.headers).toContainEqual(['content-type', 'text/html'])
    expect(entry.headers.map(([n]) => n)).not.toContain('plaza-page-cache')
  })

  it.each([
    ['without the route’s consent', response({ 'content-type': 'text/html' })],
    ['with a Set-Cookie', response({ 'plaza-page-cache': '5', 'set-cookie': 'a=1' })],
    ['when not 200', response({ 'plaza-page-cache': '5' }, 404)],
  ])('does not keep a page %s', (_name, r) => {
    expect(createPageCache().prepare(r, body, secrets)).toBeNull()
  })

  it('forgets pages after their seconds, and the oldest when full', () => {
    let clock = 1000
    const cache = createPageCache({ maxEntries: 2, now: () => clock })
    const entry = () => cache.prepare(response({ 'plaza-page-cache': '5' }), body, secrets)!
    cache.store('a', entry())
    expect(cache.get('a')).toBeDefined()
    clock += 5001
    expect(cache.get('a')).toBeUndefined()
    cache.store('a', entry())
    cache.store('b', entry())
    cache.store('c', entry())
    expect(cache.get('a')).toBeUndefined()
    expect(cache.get('c')).toBeDefined()
  })

  it('renders once for concurrent misses of one page', async () => {
    const cache = createPageCache()
    let renders = 0
    const render = async () => {
      renders++
      await new Promise((r) => setTimeout(r, 20))
      return cache.prepare(response({ 'plaza-page-cache': '5' }), body, secrets)
    }
    const first = cache.coalesce('k', render)
    const waiting = await Promise.all([cache.pending('k'), cache.pending('k')])
    expect(await first).toBe(waiting[0])
    expect(renders).toBe(1)
  })
})
