import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config.server'
import { decideDevMail } from './dev-mail.server'

const c = (env: Record<string, string>) => loadConfig(env)

describe('decideDevMail: /dev/mail only in development, tests and on the seeded demo', () => {
  it('a real installation (production, no demo) never shows it, whatever DEV_MAIL says', () => {
    expect(decideDevMail(c({ NODE_ENV: 'production', SEED_DEMO: 'false' }), false)).toEqual({ enabled: false, ignored: false, demo: false })
    expect(decideDevMail(c({ NODE_ENV: 'production', SEED_DEMO: 'false', DEV_MAIL: 'true' }), false)).toEqual({ enabled: false, ignored: true, demo: false })
    // SEED_DEMO on, but the database holds a real city (no demo marker).
    expect(decideDevMail(c({ NODE_ENV: 'production', DEV_MAIL: 'true' }), false)).toMatchObject({ enabled: false, ignored: true })
    // The marker from an old demo, but SEED_DEMO turned off: no longer the demo.
    expect(decideDevMail(c({ NODE_ENV: 'production', SEED_DEMO: 'false' }), true)).toMatchObject({ enabled: false, demo: false })
  })

  it('the seeded demo shows it while no mail server is set (or DEV_MAIL says so)', () => {
    expect(decideDevMail(c({ NODE_ENV: 'production' }), true)).toEqual({ enabled: true, ignored: false, demo: true })
    expect(decideDevMail(c({ NODE_ENV: 'production', MAIL_URL: 'smtp://mail.example.org:587' }), true)).toMatchObject({ enabled: false })
    expect(decideDevMail(c({ NODE_ENV: 'production', MAIL_URL: 'smtp://mail.example.org:587', DEV_MAIL: 'true' }), true)).toMatchObject({ enabled: true })
    expect(decideDevMail(c({ NODE_ENV: 'production', DEV_MAIL: 'false' }), true)).toMatchObject({ enabled: false, ignored: false })
  })

  it('development and tests follow DEV_MAIL, by default on without MAIL_URL', () => {
    for (const NODE_ENV of ['development', 'test']) {
      expect(decideDevMail(c({ NODE_ENV, SEED_DEMO: 'false' }), false).enabled).toBe(true)
      expect(decideDevMail(c({ NODE_ENV, MAIL_URL: 'smtp://mail.example.org:587' }), false).enabled).toBe(false)
      expect(decideDevMail(c({ NODE_ENV, DEV_MAIL: 'false' }), false).enabled).toBe(false)
    }
  })
})
