import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import SQLite from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPlaza, type RunningPlaza } from '../tests/support/server'

const run = promisify(execFile)
const root = path.resolve(import.meta.dirname, '..')
const backup = (env: Record<string, string>, args: string[] = []) =>
  run(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/backup.ts'), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
  })

let plaza: RunningPlaza
beforeAll(async () => {
  plaza = await startPlaza()
})
afterAll(() => plaza?.stop())

describe('npm run backup', () => {
  it('copies the live database consistently while Plaza serves', async () => {
    const target = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-backup-')), 'copy.sqlite')
    // Keep the server busy while the backup runs.
    const traffic = Promise.all(Array.from({ length: 20 }, () => fetch(plaza.url + '/').then((r) => r.status)))
    const { stdout } = await backup({ DATABASE_PATH: plaza.databasePath }, ['--to', target])
    expect(await traffic).toEqual(Array(20).fill(200))
    expect(stdout).toMatch(/integrity ok/)
    const copy = new SQLite(target, { readonly: true })
    const live = new SQLite(plaza.databasePath, { readonly: true })
    const count = (db: SQLite.Database) => db.prepare('select count(*) from areas').pluck().get()
    expect(count(copy)).toBe(count(live))
    expect(count(copy)).toBeGreaterThan(40)
    copy.close()
    live.close()
  })

  it('refuses to overwrite an existing file and names the problem', async () => {
    const target = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-backup-')), 'exists.sqlite')
    fs.writeFileSync(target, 'keep me')
    await expect(backup({ DATABASE_PATH: plaza.databasePath }, ['--to', target])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('already exists'),
    })
    expect(fs.readFileSync(target, 'utf8')).toBe('keep me')
  })

  it('says so when there is no database', async () => {
    await expect(backup({ DATABASE_PATH: '/nonexistent/plaza.sqlite' })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('No database at /nonexistent/plaza.sqlite'),
    })
  })
})
