import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { clusterUrl, databaseForPath, ensureDatabase, onPostgres } from '../support/engine'
import { sqlOf } from '../support/sql'

/** `npm run setup` — the first run from a script: with a password on stdin, or an invitation link. */

const root = path.resolve(import.meta.dirname, '../..')
/** A new installation's database: an SQLite file, or on PostgreSQL an empty database standing for it. */
interface Installation {
  databasePath: string
  databaseUrl?: string
}
function setup(db: Installation, args: string[], stdin?: string) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/setup.ts'), ...args], {
    cwd: root,
    input: stdin,
    env: { ...process.env, DATABASE_PATH: db.databasePath, DATABASE_URL: db.databaseUrl ?? '', NODE_ENV: 'test', LOG_LEVEL: 'silent', PUBLIC_URL: 'https://participa.example.org' },
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { code: result.status, out: result.stdout + result.stderr }
}
async function fresh(): Promise<Installation> {
  const databasePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-setup-')), 'plaza.sqlite')
  if (!onPostgres) return { databasePath }
  const name = databaseForPath(databasePath)
  await ensureDatabase(name)
  return { databasePath, databaseUrl: clusterUrl(name) }
}
async function query(db: Installation, text: string) {
  const sql = sqlOf(db)
  try {
    return await sql.all(text)
  } finally {
    await sql.close()
  }
}

describe('npm run setup', () => {
  it('creates the administrator with a password from stdin, the city and its languages; a second run is refused', async () => {
    const db = await fresh()
    const first = setup(db, ['--admin', 'Clerk@Aldemar.example', '--city', 'Aldemar', '--languages', 'en,es', '--default-language', 'es', '--password-stdin'], 'aldemar council 2026\n')
    expect(first.out).toContain('Plaza is set up for Aldemar')
    expect(first.code).toBe(0)
    expect(await query(db, 'select u.email, r.role from users u join user_roles r on r.user_id = u.id')).toEqual([{ email: 'clerk@aldemar.example', role: 'admin' }])
    expect(await query(db, 'select languages, default_locale from site_identity')).toEqual([{ languages: '["en","es"]', default_locale: 'es' }])
    const second = setup(db, ['--admin', 'other@aldemar.example', '--city', 'Other', '--password-stdin'], 'another long passphrase\n')
    expect(second.code).toBe(1)
    expect(second.out).toContain('already set up')
  }, 60_000)

  it('without a password prints an invitation link valid 7 days; bad arguments are explained', async () => {
    const db = await fresh()
    const invited = setup(db, ['--admin', 'clerk@aldemar.example', '--city', 'Aldemar'])
    expect(invited.code).toBe(0)
    expect(invited.out).toMatch(/https:\/\/participa\.example\.org\/invitations\/[a-z2-7]{32}/)
    expect(await query(db, 'select roles from staff_invitations')).toEqual([{ roles: '[{"role":"admin","departmentId":null}]' }])
    expect(setup(db, ['--city', 'X']).code).toBe(2)
    const badLanguage = setup(await fresh(), ['--admin', 'a@b.example', '--city', 'X', '--languages', 'de'])
    expect(badLanguage.code).toBe(2)
    expect(badLanguage.out).toContain('--languages')
    const weak = setup(await fresh(), ['--admin', 'a@b.example', '--city', 'X', '--password-stdin'], 'short\n')
    expect(weak.code).toBe(1)
    expect(weak.out).toContain('too short')
  }, 90_000)
})
