/**
 * `npm run backup [-- --to FILE]`: a consistent copy of the live database with SQLite's online
 * backup API (safe while Plaza is serving). Default: backups/plaza-<UTC timestamp>.sqlite.
 */
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import SQLite from 'better-sqlite3'
import { loadConfig } from '../app/lib/config.server'

const { values } = parseArgs({ options: { to: { type: 'string' } } })
try {
  const config = loadConfig()
  if (!fs.existsSync(config.DATABASE_PATH)) throw new Error(`No database at ${config.DATABASE_PATH} (set DATABASE_PATH)`)
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const target = path.resolve(values.to ?? path.join('backups', `plaza-${stamp}.sqlite`))
  if (fs.existsSync(target)) throw new Error(`${target} already exists; choose another --to`)
  fs.mkdirSync(path.dirname(target), { recursive: true })
  const source = new SQLite(config.DATABASE_PATH, { readonly: true, fileMustExist: true })
  source.pragma('busy_timeout = 5000')
  const started = Date.now()
  await source.backup(target)
  source.close()
  // Verify the copy before calling it a backup.
  const copy = new SQLite(target, { readonly: true })
  const check = copy.pragma('integrity_check', { simple: true })
  copy.close()
  if (check !== 'ok') throw new Error(`integrity check of ${target} failed: ${String(check)}`)
  const size = fs.statSync(target).size
  console.log(`Backed up ${config.DATABASE_PATH} to ${target} (${(size / 1e6).toFixed(1)} MB, ${Date.now() - started} ms, integrity ok)`)
} catch (error) {
  console.error((error as Error).message)
  process.exit(1)
}
