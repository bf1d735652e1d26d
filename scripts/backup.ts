/**
 * `npm run backup [-- --to FILE]`: a consistent copy of the live database, safe while Plaza is
 * serving and writing. Default: backups/plaza-<UTC timestamp>.sqlite.
 *
 * SQLite's online backup restarts from the first page whenever another connection writes, so on
 * a busy site it never finished. Here the copy reads ONE snapshot: the source connection holds a
 * read transaction for the whole copy (WAL mode: writers go on, the copy sees the database as it
 * was when the backup began). Pages are copied in steps, with progress; the copy is written under
 * a temporary name, checked (integrity_check) and only then renamed to its final name, so a failed
 * or interrupted backup never leaves a partial file where a backup is expected.
 */
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import SQLite from 'better-sqlite3'
import { loadConfig } from '../app/lib/config.server'

const { values } = parseArgs({ options: { to: { type: 'string' }, quiet: { type: 'boolean', default: false }, 'step-pages': { type: 'string' } } })

const temporary: string[] = []
const cleanUp = () => {
  for (const file of temporary) for (const suffix of ['', '-journal', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true })
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    cleanUp()
    process.exit(130)
  })
}

// Pages copied per step (4 KiB each: 16 MiB a step), and the longest a backup may take.
const PAGES_PER_STEP = Math.max(1, Number(values['step-pages'] ?? 4096) || 4096)
const MAX_MS = 6 * 60 * 60 * 1000

try {
  const config = loadConfig()
  if (!fs.existsSync(config.DATABASE_PATH)) throw new Error(`No database at ${config.DATABASE_PATH} (set DATABASE_PATH)`)
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const target = path.resolve(values.to ?? path.join('backups', `plaza-${stamp}.sqlite`))
  if (fs.existsSync(target)) throw new Error(`${target} already exists; choose another --to`)
  fs.mkdirSync(path.dirname(target), { recursive: true })
  const partial = `${target}.partial-${process.pid}`
  temporary.push(partial)

  const started = Date.now()
  const source = new SQLite(config.DATABASE_PATH, { readonly: true, fileMustExist: true })
  source.pragma('busy_timeout = 5000')
  // One snapshot for the whole copy: a read transaction held until the copy is done.
  source.exec('begin')
  const pages = source.pragma('page_count', { simple: true }) as number
  let lastShown = -1
  await source.backup(partial, {
    progress({ totalPages, remainingPages }) {
      const done = totalPages === 0 ? 100 : Math.floor(((totalPages - remainingPages) / totalPages) * 100)
      if (!values.quiet && done >= lastShown + 10) {
        lastShown = done - (done % 10)
        console.error(`backup: ${done}% (${totalPages - remainingPages} of ${totalPages} pages)`)
      }
      if (Date.now() - started > MAX_MS) throw new Error('the backup took longer than 6 hours; stopped')
      return PAGES_PER_STEP
    },
  })
  source.exec('commit')
  source.close()

  // Check the copy before calling it a backup, then give it its final name.
  const copy = new SQLite(partial)
  const check = copy.pragma('integrity_check', { simple: true })
  copy.pragma('journal_mode = DELETE')
  copy.close()
  if (check !== 'ok') throw new Error(`integrity check of the copy failed: ${String(check)}`)
  const fd = fs.openSync(partial, 'r')
  fs.fsyncSync(fd)
  fs.closeSync(fd)
  fs.renameSync(partial, target)
  temporary.length = 0
  const size = fs.statSync(target).size
  console.log(`Backed up ${config.DATABASE_PATH} to ${target} (${(size / 1e6).toFixed(1)} MB, ${pages} pages, ${Date.now() - started} ms, integrity ok)`)
} catch (error) {
  cleanUp()
  console.error(`Backup failed: ${(error as Error).message}`)
  process.exit(1)
}
