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

describe('the default write limit', async () => {
  const { defaultRateRules } = await import('./http.server')
  const { loadConfig } = await import('./config.server')
  const write = defaultRateRules(loadConfig({ RATE_LIMIT_WRITE: '30/60' })).find((r) => r.name === 'write')!
  it.each([['/reports/new'], ['/petitions/new'], ['/petitions/12/sponsor/abc'], ['/letters/new'], ['/votes/3']])('applies to %s', (path) => {
    expect(write.path.test(path)).toBe(true)
  })
  it.each([['/petitions/12'], ['/open311/v2/requests.json']])('leaves %s to its own limits (petition holds, API keys)', (path) => {
    expect(write.path.test(path)).toBe(false)
  })
})
