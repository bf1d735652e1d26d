import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './config.server'

describe('loadConfig', () => {
  it('has safe defaults for a fresh machine', () => {
    const c = loadConfig({})
    expect(c).toMatchObject({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: 3000,
      DATABASE_PATH: 'data/plaza.sqlite',
      PUBLIC_URL: 'http://127.0.0.1:3000',
      DB_SYNCHRONOUS: 'FULL',
      RATE_LIMIT_WRITE: { points: 30, seconds: 60 },
      RATE_LIMIT_READ: null,
      SEED_DEMO: true,
    })
  })

  it('accepts good values and normalises them', () => {
    const c = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      PUBLIC_URL: 'https://plaza.example.org/',
      RATE_LIMIT_WRITE: 'off',
      RATE_LIMIT_READ: '600/60',
      SEED_DEMO: 'false',
      TRUST_PROXY: '1',
      LOG_LEVEL: 'debug',
    })
    expect(c.PORT).toBe(8080)
    expect(c.PUBLIC_URL).toBe('https://plaza.example.org')
    expect(c.RATE_LIMIT_WRITE).toBeNull()
    expect(c.RATE_LIMIT_READ).toEqual({ points: 600, seconds: 60 })
    expect(c.SEED_DEMO).toBe(false)
    expect(c.TRUST_PROXY).toBe(1)
  })

  it('shows the outbox at /dev/mail exactly when no mail server is configured, unless told otherwise', () => {
    expect(loadConfig({}).DEV_MAIL).toBe(true)
    expect(loadConfig({ MAIL_URL: 'smtp://mail.example.org:587' }).DEV_MAIL).toBe(false)
    expect(loadConfig({ MAIL_URL: 'smtp://mail.example.org:587', DEV_MAIL: 'true' }).DEV_MAIL).toBe(true)
    expect(loadConfig({ PUBLIC_URL: 'https://plaza.example.org' }).MAIL_FROM).toBe('Plaza <no-reply@plaza.example.org>')
    expect(loadConfig({}).MAIL_FROM).toBe('Plaza <no-reply@localhost.localdomain>')
  })

  it('reads the verification level of each action', () => {
    expect(loadConfig({ VERIFICATION_LEVELS: 'comment=0,vote=3' }).VERIFICATION_LEVELS).toEqual({ comment: 0, vote: 3 })
    expect(loadConfig({}).VERIFICATION_LEVELS).toBeUndefined()
  })

  it('configures the base map and the geocoder, all off by default (offline map)', () => {
    const none = loadConfig({})
    expect([none.MAP_TILE_URL, none.MAP_STYLE_URL, none.GEOCODER_URL]).toEqual([undefined, undefined, undefined])
    const c = loadConfig({
      MAP_TILE_URL: 'https://tile.example.org/{z}/{x}/{y}.png',
      MAP_ATTRIBUTION: '© Example contributors',
      MAP_STYLE_URL: 'https://styles.example.org/style.json',
      GEOCODER_URL: 'https://nominatim.example.org/search',
    })
    expect(c.MAP_TILE_URL).toBe('https://tile.example.org/{z}/{x}/{y}.png')
    expect(c.MAP_ATTRIBUTION).toBe('© Example contributors')
    expect(c.GEOCODER_URL).toBe('https://nominatim.example.org/search')
  })

  it.each([
    ['MAP_TILE_URL', 'tiles.example.org', /^Invalid configuration: MAP_TILE_URL must be an http\(s\) URL of raster tiles/],
    ['MAP_TILE_URL', 'https://tile.example.org/tiles.png', /MAP_TILE_URL must contain \{z\}, \{x\} and \{y\}/],
    ['MAP_TILE_URL', 'ftp://tile.example.org/{z}/{x}/{y}.png', /MAP_TILE_URL must be an http\(s\) URL/],
    ['MAP_STYLE_URL', 'style.json', /MAP_STYLE_URL must be an http\(s\) URL of a MapLibre style/],
    ['GEOCODER_URL', 'javascript:alert(1)', /GEOCODER_URL must be an http\(s\) URL of a Nominatim-style/],
  ])('refuses %s=%s with a message naming it', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message)
  })

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '' }).PORT).toBe(3000)
  })

  it.each([
    ['PORT', 'abc', /^Invalid configuration: PORT must be a number \(got "abc"\)$/],
    ['PORT', '70000', /PORT must be between 1 and 65535/],
    ['PORT', '80.5', /PORT must be a whole number/],
    ['PUBLIC_URL', 'plaza.example.org', /PUBLIC_URL must be an absolute http\(s\) URL/],
    ['PUBLIC_URL', 'ftp://plaza.example.org', /PUBLIC_URL must start with http/],
    ['NODE_ENV', 'prod', /NODE_ENV must be production, development or test/],
    ['DB_SYNCHRONOUS', 'OFF', /DB_SYNCHRONOUS must be FULL or NORMAL/],
    ['RATE_LIMIT_WRITE', '30', /RATE_LIMIT_WRITE must be "off" or "POINTS\/SECONDS"/],
    ['RATE_LIMIT_READ', '0/60', /RATE_LIMIT_READ points and seconds must be positive/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of/],
    ['SEED_DEMO', 'maybe', /SEED_DEMO must be true or false/],
    ['DEFAULT_LOCALE', 'de', /DEFAULT_LOCALE must be en, es or fr/],
    ['MAIL_URL', 'http://mail.example.org', /MAIL_URL must start with smtp:\/\/ or smtps:\/\//],
    ['SECRET_KEY', 'short', /SECRET_KEY must be at least 32 characters/],
    ['WEB_CONCURRENCY', '0', /WEB_CONCURRENCY must be at least 1/],
    ['VERIFICATION_LEVELS', 'vote=5', /VERIFICATION_LEVELS must look like/],
    ['VERIFICATION_LEVELS', 'dance=1', /VERIFICATION_LEVELS must look like/],
  ])('refuses %s=%s with one line naming the variable', (name, value, message) => {
    let error: unknown
    try {
      loadConfig({ [name]: value })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    const text = (error as Error).message
    expect(text).toMatch(message)
    expect(text).toContain(name)
    expect(text).not.toContain('\n')
  })
})
