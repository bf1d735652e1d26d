import { describe, expect, it } from 'vitest'
import { checkCrossSite } from './csrf.server'

const allowedOrigins = ['https://plaza.example.org']
const check = (method: string, headers: Record<string, string>) => checkCrossSite({ method, headers, allowedOrigins })

describe('checkCrossSite', () => {
  it.each([
    ['GET from anywhere', 'GET', { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }],
    ['same-origin POST', 'POST', { 'sec-fetch-site': 'same-origin', origin: 'https://plaza.example.org' }],
    ['typed-in navigation', 'POST', { 'sec-fetch-site': 'none' }],
    ['POST with our Origin only', 'POST', { origin: 'https://plaza.example.org' }],
    ['POST with our Referer only', 'POST', { referer: 'https://plaza.example.org/petitions/1' }],
    ['non-browser client without any of these headers', 'POST', {}],
  ])('allows %s', (_name, method, headers) => {
    expect(check(method, headers).ok).toBe(true)
  })

  it.each([
    ['a cross-site browser POST', 'POST', { 'sec-fetch-site': 'cross-site' }],
    ['a same-site (sibling subdomain) POST', 'POST', { 'sec-fetch-site': 'same-site' }],
    ['a foreign Origin', 'POST', { origin: 'https://evil.example' }],
    ['Origin: null', 'DELETE', { origin: 'null' }],
    ['a foreign Referer', 'PUT', { referer: 'https://evil.example/form' }],
    ['a look-alike origin', 'POST', { origin: 'https://plaza.example.org.evil.example' }],
    ['a malformed Referer', 'POST', { referer: 'not a url' }],
  ])('refuses %s', (_name, method, headers) => {
    const verdict = check(method, headers)
    expect(verdict.ok).toBe(false)
  })
})
