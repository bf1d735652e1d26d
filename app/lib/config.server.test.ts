import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import { checkDatabasePath, ConfigError, loadConfig, printableValue, secureCookies } from './config.server'

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

  it('keeps DEV_MAIL as set (app/lib/mail/dev-mail.server.ts decides) and derives the sender', () => {
    expect(loadConfig({}).DEV_MAIL).toBeUndefined()
    expect(loadConfig({ DEV_MAIL: 'true' }).DEV_MAIL).toBe(true)
    expect(loadConfig({ DEV_MAIL: 'no' }).DEV_MAIL).toBe(false)
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
    ['PORT', 'abc', /^Invalid configuration: PORT must be a whole number from 1 to 65535 \(got "abc"\)$/],
    ['PORT', '70000', /PORT must be a whole number from 1 to 65535/],
    ['PORT', '80.5', /PORT must be a whole number/],
    // Number('0x50') is 80: only decimal digits are a port.
    ['PORT', '0x50', /^Invalid configuration: PORT must be a whole number from 1 to 65535 \(got "0x50"\)$/],
    ['PORT', '1e3', /PORT must be a whole number from 1 to 65535/],
    ['DB_BUSY_TIMEOUT_MS', '-1', /^Invalid configuration: DB_BUSY_TIMEOUT_MS must be a whole number from 0 to 60000 \(milliseconds\) \(got "-1"\)$/],
    ['DB_BUSY_TIMEOUT_MS', '0x10', /DB_BUSY_TIMEOUT_MS must be a whole number from 0 to 60000/],
    ['TRUST_PROXY', '-1', /TRUST_PROXY must be a whole number from 0 to 10/],
    ['LETTER_SIMILARITY', '0x1', /LETTER_SIMILARITY must be a number from 0.5 to 1/],
    ['HOST', 'not-a-host', /^Invalid configuration: HOST must be an IP address \(e.g. 127.0.0.1, 0.0.0.0 or ::\) or a full host name/],
    ['HOST', 'http://example.org', /HOST must be an IP address/],
    ['HOST', '999.1.1.1', /HOST must be an IP address/],
    ['HOST', 'exa mple.org', /HOST must be an IP address/],
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
    ['WEB_CONCURRENCY', '0', /WEB_CONCURRENCY must be a whole number from 1 to 64/],
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

  it.each([
    ['HOST', '0.0.0.0'],
    ['HOST', '::'],
    ['HOST', '::1'],
    ['HOST', 'localhost'],
    ['HOST', 'plaza.example.org'],
    ['PORT', ' 8080 '],
    ['DB_BUSY_TIMEOUT_MS', '0'],
    ['LETTER_SIMILARITY', '0.75'],
  ])('accepts %s=%s', (name, value) => {
    expect(() => loadConfig({ [name]: value })).not.toThrow()
  })

  it('refuses a response threshold above the debate threshold, naming both variables', () => {
    expect(() => loadConfig({ PETITION_RESPONSE_THRESHOLD: '20000' })).toThrow(/^Invalid configuration: PETITION_RESPONSE_THRESHOLD must not be above PETITION_DEBATE_THRESHOLD \(20000 > 10000\)/)
    expect(() => loadConfig({ PETITION_RESPONSE_THRESHOLD: '500', PETITION_DEBATE_THRESHOLD: '400' })).toThrow(/PETITION_DEBATE_THRESHOLD/)
    expect(loadConfig({ PETITION_RESPONSE_THRESHOLD: '500', PETITION_DEBATE_THRESHOLD: '500' }).PETITION_DEBATE_THRESHOLD).toBe(500)
  })

  it.each([
    ['SECRET_KEY', 'hunter2-is-my-secret', 'hunter2'],
    ['BOUNCE_SECRET', 'tiny', 'tiny'],
    ['MAIL_URL', 'http://mailer:Sup3rS3cret@mail.example.org', 'Sup3rS3cret'],
    ['MAIL_URL', 'ftp://mailer:Sup3r@S3cret/x@mail.example.org', 'S3cret'],
    ['MAIL_URL', 'mailer:Sup3rS3cret@mail.example.org', 'Sup3rS3cret'],
  ])('never prints the secret in %s, only names the variable', (name, value, secret) => {
    let message = ''
    try {
      loadConfig({ [name]: value })
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(new RegExp(`^Invalid configuration: ${name} `))
    expect(message).not.toContain(secret)
  })

  it('masks passwords in URLs and hides secrets', () => {
    expect(printableValue('MAIL_URL', 'smtp://user:pa@ss@mail.example.org:25')).toBe('"smtp://***@mail.example.org:25"')
    expect(printableValue('MAIL_URL', 'smtp://mail.example.org:25')).toBe('"smtp://mail.example.org:25"')
    expect(printableValue('SECRET_KEY', 'x'.repeat(10))).toBe('(value hidden)')
  })

  it('sets Secure on cookies exactly when PUBLIC_URL is https', () => {
    expect(secureCookies({ PUBLIC_URL: 'https://plaza.example.org' })).toBe(true)
    expect(secureCookies({ PUBLIC_URL: 'http://127.0.0.1:3000' })).toBe(false)
  })
})

describe('checkDatabasePath', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-config-'))
  const refusal = (p: string) => {
    try {
      checkDatabasePath(p)
      return null
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      return (error as Error).message
    }
  }

  it('accepts a new file, an empty file and a SQLite database, creating the directory', () => {
    expect(refusal(path.join(dir, 'new', 'deeper', 'plaza.sqlite'))).toBeNull()
    expect(fs.statSync(path.join(dir, 'new', 'deeper')).isDirectory()).toBe(true)
    fs.writeFileSync(path.join(dir, 'empty.sqlite'), '')
    expect(refusal(path.join(dir, 'empty.sqlite'))).toBeNull()
    const db = new SQLite(path.join(dir, 'real.sqlite'))
    db.exec('create table t (x)')
    db.close()
    expect(refusal(path.join(dir, 'real.sqlite'))).toBeNull()
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('.plaza-write-check'))).toEqual([])
  })

  it.each([
    ['a directory', () => dir, /^Invalid configuration: DATABASE_PATH is a directory/],
    [
      'not SQLite',
      () => (fs.writeFileSync(path.join(dir, 'notes.txt'), 'just some text, not a database'), path.join(dir, 'notes.txt')),
      /^Invalid configuration: DATABASE_PATH is not a SQLite database/,
    ],
    ['a read-only place', () => '/sys/plaza.sqlite', /^Invalid configuration: DATABASE_PATH is in a directory Plaza cannot write to/],
    ['under a file', () => path.join(dir, 'notes.txt', 'plaza.sqlite'), /^Invalid configuration: DATABASE_PATH is in a directory that cannot be created/],
  ])('refuses %s in one line naming DATABASE_PATH', (_what, make, message) => {
    const text = refusal(make())
    expect(text).toMatch(message)
    expect(text).not.toContain('\n')
  })
})
