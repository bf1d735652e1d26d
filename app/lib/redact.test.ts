import { describe, expect, it } from 'vitest'
import { redactTokens } from './http.server'

describe('redactTokens', () => {
  it.each([
    ['/reset-password/abc123', '/reset-password/[token]'],
    ['/petitions/confirm/abc123?x=1', '/petitions/confirm/[token]?x=1'],
    ['/petitions/12/sponsor/abc123', '/petitions/12/sponsor/[token]'],
    ['/petitions/12/unsubscribe/abc123', '/petitions/12/unsubscribe/[token]'],
    ['/follow/confirm/abc123', '/follow/confirm/[token]'],
    ['/follow/unsubscribe/abc123', '/follow/unsubscribe/[token]'],
    ['/letters/confirm/abc123', '/letters/confirm/[token]'],
    ['/letters/questionnaire/abc123?answer=yes', '/letters/questionnaire/[token]?answer=yes'],
    ['/letters/abc123', '/letters/[token]'],
    ['/letters/abc123.data', '/letters/[token]'],
    ['/reports/photos/1/large?key=secret', '/reports/photos/1/large?key=[secret]'],
  ])('keeps the secret of %s out of the logs', (url, logged) => {
    expect(redactTokens(url)).toBe(logged)
  })

  it.each([['/letters/new'], ['/letters/new?step=2'], ['/petitions/12'], ['/petitions/12.json'], ['/follow'], ['/reports/5']])('leaves %s as it is', (url) => {
    expect(redactTokens(url)).toBe(url)
  })
})
