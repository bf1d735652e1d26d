import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPlaza, type RunningPlaza } from '../support/server'

/** Whatever a person or a bot sends to a form, Plaza answers with a redirect or a 4xx — never a 500. */

let plaza: RunningPlaza
beforeAll(async () => {
  plaza = await startPlaza({ RATE_LIMIT_WRITE: 'off' })
})
afterAll(() => plaza?.stop())

const field = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.constantFrom('en', 'es', 'fr', 'EN', ' fr', '', '../../etc/passwd', '<script>alert(1)</script>', '%00', '\u0000', '//evil.example'),
)
const body = fc.dictionary(fc.constantFrom('locale', 'redirectTo', 'website_url', 'other', '__proto__', 'constructor'), field, { maxKeys: 5 })

describe('form fuzzing', () => {
  it('/language answers 302 or 400 to any urlencoded body', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (fields) => {
        const res = await fetch(`${plaza.url}/language`, {
          method: 'POST',
          body: new URLSearchParams(fields),
          headers: { origin: plaza.url, 'content-type': 'application/x-www-form-urlencoded' },
          redirect: 'manual',
        })
        expect([302, 400]).toContain(res.status)
        if (res.status === 302) {
          const location = res.headers.get('location')!
          expect(location.startsWith('/') && !location.startsWith('//')).toBe(true)
        }
      }),
      { numRuns: 150 },
    )
  })

  it('/language survives malformed bodies and content types', async () => {
    const cases: Array<[string, BodyInit]> = [
      ['application/x-www-form-urlencoded', '%E0%A4%A'],
      ['application/x-www-form-urlencoded', 'locale=%ZZ&&&==='],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="locale"\r\n\r\nfr\r\n--x--\r\n'],
      ['multipart/form-data; boundary=x', 'garbage'],
      ['application/json', '{"locale":"fr"}'],
      ['text/plain', new Blob([new Uint8Array([0xff, 0xfe, 0x00, 0x01])])],
    ]
    for (const [type, payload] of cases) {
      const res = await fetch(`${plaza.url}/language`, {
        method: 'POST',
        body: payload,
        headers: { origin: plaza.url, 'content-type': type },
        redirect: 'manual',
      })
      expect(res.status, `${type}: ${String(payload)}`).toBeLessThan(500)
    }
  })
})
