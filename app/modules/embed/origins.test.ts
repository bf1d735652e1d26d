import { describe, expect, it } from 'vitest'
import { normaliseOrigin } from './origins'

describe('normaliseOrigin', () => {
  it.each([
    ['https://www.valmera.example', 'https://www.valmera.example'],
    ['  HTTPS://WWW.Valmera.Example/  ', 'https://www.valmera.example'],
    ['https://www.valmera.example:443', 'https://www.valmera.example'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['http://localhost:3000/', 'http://localhost:3000'],
    ['https://bücher.example', 'https://xn--bcher-kva.example'],
    ['http://[::1]:9000', 'http://[::1]:9000'],
  ])('%s → %s', (input, origin) => {
    expect(normaliseOrigin(input)).toEqual({ ok: true, origin })
  })

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['www.valmera.example', 'scheme'],
    ['ftp://files.example', 'scheme'],
    ['javascript://x.example', 'scheme'],
    ['https://www.valmera.example/news', 'path'],
    ['https://www.valmera.example?x=1', 'path'],
    ['https://www.valmera.example#top', 'path'],
    ['https://user:pw@www.valmera.example', 'credentials'],
    ['https://*.valmera.example', 'host'],
    ['https://intranet', 'host'],
    ["https://a.example 'unsafe-inline'", 'invalid'],
    ['https://a.example;script-src *', 'invalid'],
    ['https://a.example,https://b.example', 'invalid'],
    [`https://${'a'.repeat(300)}.example`, 'tooLong'],
  ])('refuses %j (%s)', (input, problem) => {
    expect(normaliseOrigin(input)).toEqual({ ok: false, problem })
  })

  it('never accepts anything a CSP source list could be extended with (fuzzed)', () => {
    const alphabet = 'ahtps:/.x-_;, \'"*?#@[]0123456789\t\n\u00e9\u0000<>'
    let seed = 7
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
    for (let i = 0; i < 5000; i++) {
      let s = Math.random() < 0.5 ? 'https://' : ''
      const n = Math.floor(random() * 30)
      for (let j = 0; j < n; j++) s += alphabet[Math.floor(random() * alphabet.length)]
      const result = normaliseOrigin(s)
      if (result.ok) {
        expect(result.origin).toMatch(/^https?:\/\/[a-z0-9.[\]:-]+$/)
        expect(new URL(result.origin).origin).toBe(result.origin)
      }
    }
  })
})
