import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startPlaza, type RunningPlaza } from '../support/server'
import { sqlOf } from '../support/sql'

let plaza: RunningPlaza
beforeAll(async () => {
  plaza = await startPlaza({ RATE_LIMIT_WRITE: '3/60', RATE_LIMIT_READ: '5/2', DEFAULT_LOCALE: 'es' })
})
afterAll(() => plaza?.stop())

const post = (path: string, ip?: string) =>
  fetch(plaza.url + path, {
    method: 'POST',
    body: new URLSearchParams({ locale: 'es' }),
    headers: { origin: plaza.url, 'content-type': 'application/x-www-form-urlencoded', ...(ip ? { 'x-forwarded-for': ip } : {}) },
    redirect: 'manual',
  })

describe('rate limits (per IP and per route, counted in the database)', () => {
  it('answers 429 with Retry-After once a route’s write budget is spent', async () => {
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await post('/language')).status)
    expect(statuses).toEqual([302, 302, 302, 429])
    const res = await post('/language')
    expect(res.status).toBe(429)
    const retryAfter = Number(res.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect(await res.text()).toContain('Demasiadas solicitudes') // DEFAULT_LOCALE=es, no Accept-Language
  })

  it('counts /language, /Language, /language/ and /language.data as one route', async () => {
    for (const variant of ['/Language', '/language/', '/language.data', '/LANGUAGE/']) expect((await post(variant)).status).toBe(429)
  })

  it('counts each route separately', async () => {
    expect((await post('/other-route')).status).toBe(404)
  })

  it('does not believe X-Forwarded-For without TRUST_PROXY', async () => {
    expect((await post('/language', '203.0.113.9')).status).toBe(429)
  })

  it('limits reads when configured, and the window passes', async () => {
    const statuses = []
    for (let i = 0; i < 6; i++) statuses.push((await fetch(`${plaza.url}/language`)).status)
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429])
    // The 2-second window passes: reads are answered again (polled, not slept through).
    await vi.waitFor(async () => expect((await fetch(`${plaza.url}/language`)).status).toBe(200), { timeout: 5_000, interval: 100 })
  })

  it('speaks DEFAULT_LOCALE when the browser asks for no language Plaza speaks', async () => {
    // The read budget may be spent by the test before: the first answered read is the one checked.
    const html = await vi.waitFor(
      async () => {
        const res = await fetch(`${plaza.url}/language`, { headers: { 'accept-language': 'de-DE' } })
        expect(res.status).toBe(200)
        return res.text()
      },
      { timeout: 5_000, interval: 100 },
    )
    expect(html).toContain('<html lang="es"')
  })

  it('keeps counters in the rate_limits table', async () => {
    const sql = sqlOf(plaza)
    const keys = (await sql.all<{ key: string }>('select key from rate_limits')).map((r) => r.key)
    await sql.close()
    expect(keys.some((k) => k.startsWith('rl:write:') && k.endsWith('|/language'))).toBe(true)
  })
})
