import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import SQLite from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'

/**
 * `npm run backup` while the site takes steady writes (issue 15: the online backup restarted at
 * every write and never finished, left a partial file and a hot journal under the final name).
 */
const root = path.resolve(import.meta.dirname, '..')
const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL')
})

function sourceDatabase(rows: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-backup-'))
  const file = path.join(dir, 'plaza.sqlite')
  const db = new SQLite(file)
  db.pragma('journal_mode = WAL')
  db.exec('create table signatures (id integer primary key, name text not null)')
  const insert = db.prepare('insert into signatures (name) values (?)')
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`signer ${i} `.padEnd(200, '.'))
  })()
  db.close()
  return { dir, file }
}

/** Another process signing steadily: ~250 committed rows a second, one transaction each. */
function steadyWriter(file: string) {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const S = require('better-sqlite3'); const d = new S(${JSON.stringify(file)}); d.pragma('busy_timeout = 5000');
      const s = d.prepare('insert into signatures (name) values (?)');
      setInterval(() => { for (let i = 0; i < 5; i++) s.run('during backup') }, 20)`,
    ],
    { cwd: root, stdio: 'ignore' },
  )
  children.push(child)
  return child
}

function backup(file: string, args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/backup.ts'), ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_PATH: file },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })))
  return { child, done, stderr: () => stderr }
}

describe('npm run backup', () => {
  it('finishes while another process writes, shows progress, and the copy is whole and has every row committed before it began', async () => {
    const { dir, file } = sourceDatabase(150_000)
    steadyWriter(file)
    await new Promise((r) => setTimeout(r, 300))
    const before = new SQLite(file, { readonly: true })
    const committed = before.prepare('select count(*) from signatures').pluck().get() as number
    before.close()
    const target = path.join(dir, 'copies', 'backup.sqlite')
    const { code, stdout, stderr } = await backup(file, ['--to', target, '--step-pages', '512']).done
    expect(code).toBe(0)
    expect(stdout).toMatch(/Backed up .* integrity ok/)
    expect(stderr).toMatch(/backup: \d+% \(\d+ of \d+ pages\)/)
    const copy = new SQLite(target, { readonly: true })
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok')
    expect(copy.prepare('select count(*) from signatures').pluck().get()).toBeGreaterThanOrEqual(committed)
    copy.close()
    // Only the backup itself: no partial file, no journal.
    expect(fs.readdirSync(path.dirname(target))).toEqual(['backup.sqlite'])
  }, 120_000)

  it('interrupted, it leaves nothing under the final name and no partial file', async () => {
    const { dir, file } = sourceDatabase(150_000)
    steadyWriter(file)
    const target = path.join(dir, 'copies', 'backup.sqlite')
    const run = backup(file, ['--to', target, '--step-pages', '16'])
    // Stop it once it has started copying.
    for (let i = 0; i < 200 && !/backup: \d+%/.test(run.stderr()); i++) await new Promise((r) => setTimeout(r, 50))
    expect(run.stderr()).toMatch(/backup: \d+%/)
    run.child.kill('SIGTERM')
    const { code } = await run.done
    expect(code).not.toBe(0)
    expect(fs.existsSync(target)).toBe(false)
    expect(fs.readdirSync(path.dirname(target))).toEqual([])
  }, 120_000)

  it('refuses to overwrite an existing file and says so', async () => {
    const { dir, file } = sourceDatabase(10)
    const target = path.join(dir, 'existing.sqlite')
    fs.writeFileSync(target, 'keep me')
    const { code, stderr } = await backup(file, ['--to', target]).done
    expect(code).toBe(1)
    expect(stderr).toContain('already exists')
    expect(fs.readFileSync(target, 'utf8')).toBe('keep me')
  }, 60_000)
})
