import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import { loadConfig } from '../../app/lib/config.server'
import { databaseForPath, onPostgres, replaceWithTemplate, sealDatabase } from './engine'

/**
 * The demo city, seeded once per test run and copied for every Plaza a test starts
 * (docs/decisions/116-test-template-database.md).
 *
 * Seeding the demo city takes ~10 s of CPU; every integration file used to pay it for each server it
 * started. Now vitest's global setup builds the template (a real Plaza start on an empty database,
 * so the template is exactly what `npm start` makes of one), and `startPlaza` gives each server a
 * copy. A server whose configuration changes what the seed writes (PREMODERATION, PETITION_SPONSORS…)
 * gets a copy of a template built with that configuration, built once by the first file that needs it.
 */

/** Where the run's templates live (set by tests/support/global-setup.ts; unset outside vitest). */
export const TEMPLATE_DIR_VARIABLE = 'PLAZA_TEMPLATE_DIR'

/**
 * The settings the demo seed reads (found by recording which keys of config() the seed touches).
 * Two servers whose values differ here may seed different cities, so they use different templates.
 */
export const SEED_SETTINGS = [
  'SEED',
  'SECRET_KEY',
  'VERIFICATION_LEVELS',
  'MODERATION_AUTO_HIDE',
  'PREMODERATION',
  'COMMENT_EDIT_MINUTES',
  'PROPOSAL_THRESHOLD',
  'PROPOSAL_MONTHS',
  'PETITION_SPONSORS',
  'PETITION_RESPONSE_THRESHOLD',
  'PETITION_DEBATE_THRESHOLD',
  'PETITION_MONTHS',
  'PETITION_COUNT_LOGGED_IN',
  'PETITION_IP_BURST',
  'PETITION_IP_HOURLY',
  'LETTER_RETENTION_DAYS',
  'LETTER_SIMILARITY',
  'LETTER_CAMPAIGN_SENDERS',
  'OPEN_DATA_LICENCE',
] as const

/** The module tests' city (tests/support/fixtures.ts seededDatabase): the demo at 1 % of its content. */
export const SMALL_CITY = { seed: 1, scale: 0.01 }

export interface Template {
  /**
   * the template database: an SQLite file; on PostgreSQL the path its marker files live at, the
   * database being `templateDatabase(template)`
   */
  location: string
  /** the seed settings it was built with, as a short key */
  key: string
}

/**
 * The template for a server started with `env`, or null when that server must not get the demo
 * city from a template: no template directory (benchmarks, Playwright), SEED_DEMO=false, or a
 * configuration Plaza refuses (the server says why). startPlaza also keeps an existing DATABASE_PATH.
 */
export function templateFor(env: Record<string, string | undefined>, kind = 'demo'): Template | null {
  const dir = env[TEMPLATE_DIR_VARIABLE]
  if (!dir) return null
  let config: ReturnType<typeof loadConfig>
  try {
    config = loadConfig(env)
  } catch {
    return null
  }
  if (!config.SEED_DEMO) return null
  const settings = Object.fromEntries(SEED_SETTINGS.map((k) => [k, config[k] ?? null]))
  const key = crypto.createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 12)
  return { location: path.join(dir, `${kind}-${key}.${onPostgres ? 'pg' : 'sqlite'}`), key }
}

/** Where a template is built: a scratch file (SQLite), or the path whose database (databaseForPath) becomes the template (PostgreSQL). */
export const buildingPath = (template: Template) => `${template.location}.building`

/** PostgreSQL: the template's database. */
export const templateDatabase = (template: Template) => databaseForPath(buildingPath(template))

/**
 * Makes `target` a new database with the template's contents: the one place that knows how.
 * SQLite: a file copy (the template was checkpointed and closed, so the main file holds everything
 * and there is no -wal to copy). PostgreSQL: `target` is a database name, (re)created with
 * `CREATE DATABASE target TEMPLATE template`.
 */
export async function cloneDatabase(template: Template, target: string): Promise<void> {
  if (onPostgres) return replaceWithTemplate(target, templateDatabase(template))
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(target + suffix, { force: true })
  fs.mkdirSync(path.dirname(target), { recursive: true })
  fs.copyFileSync(template.location, target)
  // The template is kept read-only as a guard; the copy is the server's to write.
  fs.chmodSync(target, 0o644)
}

/**
 * Builds a template once per run: the first caller runs `build` into a scratch file and seals it;
 * callers meanwhile (other test files, holding no lock) wait for it until `deadline`, and no longer
 * than the builder lives: the lock file names the builder's process, and a waiter gives up as soon
 * as that process is gone without a sealed template (a worker killed at its own timeout writes no
 * `.failed` marker; its waiters used to wait out their whole hook timeout, 90 s each). A builder
 * still alive at `deadline` writes the marker itself and gives up.
 */
export async function buildOnce(template: Template, deadline: number, build: (building: string) => Promise<void>): Promise<void> {
  const sealed = `${template.location}.sha256`
  const failed = `${template.location}.failed`
  const lockFile = `${template.location}.lock`
  if (fs.existsSync(sealed)) return
  let lock: number
  try {
    lock = fs.openSync(lockFile, 'wx')
  } catch {
    while (!fs.existsSync(sealed)) {
      if (fs.existsSync(failed)) throw new Error(`The template ${template.location} could not be built:\n${fs.readFileSync(failed, 'utf8')}`)
      const builder = lockHolder(lockFile)
      // Sealed or failed between the two checks above, or gone without a word.
      if (builder !== null && !processAlive(builder) && !fs.existsSync(sealed) && !fs.existsSync(failed)) {
        throw new Error(`The template ${template.location} was not built: its builder (process ${builder}) ended without finishing it`)
      }
      if (Date.now() > deadline) throw new Error(`The template ${template.location} was not ready in time (another test file builds it)`)
      await new Promise((r) => setTimeout(r, 100))
    }
    return
  }
  fs.writeSync(lock, String(process.pid))
  fs.fsyncSync(lock)
  let finished = false
  const fail = (reason: string) => {
    if (!finished) fs.writeFileSync(failed, reason)
    finished = true
  }
  // A builder whose process ends mid-build (vitest ends a worker whose hook timed out) says so.
  const onExit = () => fail(`the builder (process ${process.pid}) exited before the template was built`)
  process.once('exit', onExit)
  let timer: NodeJS.Timeout | undefined
  try {
    const building = buildingPath(template)
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the template was not built by its deadline (${Math.round((deadline - Date.now()) / 1000)} s)`)), Math.max(0, deadline - Date.now()))
    })
    await Promise.race([build(building), late])
    if (onPostgres) {
      await sealDatabase(templateDatabase(template))
      fs.writeFileSync(`${template.location}.sha256`, 'sealed: allow_connections false')
    } else sealTemplate(building, template.location)
    finished = true
  } catch (error) {
    fail(String((error as Error).stack ?? error))
    throw error
  } finally {
    clearTimeout(timer)
    process.off('exit', onExit)
    fs.closeSync(lock)
  }
}

/** The process id written in a template's lock file, or null while the builder has not written it yet. */
function lockHolder(lockFile: string): number | null {
  let text: string
  try {
    text = fs.readFileSync(lockFile, 'utf8')
  } catch {
    return null
  }
  const pid = Number(text.trim())
  return Number.isInteger(pid) && pid > 0 ? pid : null
}

/** Whether a process of this id exists (signal 0 checks without sending; EPERM: it exists, not ours). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Ends a template's build: every page in the main file (WAL checkpointed and truncated, the
 * connection closed so SQLite removes the -wal, then rollback-journal mode so the file stands alone),
 * moved to where copies are taken from, read-only, with its fingerprint for the end-of-run check.
 */
export function sealTemplate(built: string, location: string): void {
  const db = new SQLite(built)
  try {
    const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>
    if (result?.busy) throw new Error(`the template ${built} is still in use (checkpoint busy)`)
    db.pragma('journal_mode = DELETE')
  } finally {
    db.close()
  }
  for (const suffix of ['-wal', '-shm']) {
    if (fs.existsSync(built + suffix)) throw new Error(`the template ${built} still has a ${suffix} file after its checkpoint`)
  }
  fs.chmodSync(built, 0o444)
  fs.renameSync(built, location)
  fs.writeFileSync(`${location}.sha256`, fingerprint(location))
}

export function fingerprint(location: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(location)).digest('hex')
}

/** Templates whose contents changed since they were sealed (a test's writes leaked into one). */
export function changedTemplates(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.sqlite.sha256'))
    .map((f) => path.join(dir, f.slice(0, -'.sha256'.length)))
    .filter((location) => !fs.existsSync(location) || fingerprint(location) !== fs.readFileSync(`${location}.sha256`, 'utf8') || fs.existsSync(`${location}-wal`))
}
