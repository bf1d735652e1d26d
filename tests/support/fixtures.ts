import fs from 'node:fs'
import path from 'node:path'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { database, migrateOrThrow } from '../../app/lib/db.server'
import { seedDemo } from '../../db/seed/index'
import { registerCapabilities } from '../../app/modules/registry.server'
import { clusterUrl, databaseExists, databaseForPath, databaseNameOf, ensureDatabase, isMigrated, onPostgres } from './engine'
import { startDeadlineMs } from './server'
import { buildOnce, cloneDatabase, SMALL_CITY, templateFor } from './template-db'

/**
 * A migrated, seeded database for module tests (DATABASE_PATH is a fresh file per test file): a
 * copy of the run's small-city template when this file's database is not open yet, else seeded here.
 */
export async function seededDatabase() {
  const copied = await copySmallCity()
  await migrateOrThrow(database())
  if (!copied) await seedDemo(database(), SMALL_CITY)
  registerCapabilities()
  return database()
}

async function copySmallCity(): Promise<boolean> {
  const file = process.env.DATABASE_PATH
  if (onPostgres) {
    // The file's own database (tests/support/setup.ts), new until migrated.
    const own = databaseNameOf(process.env.DATABASE_URL!)
    if ((await databaseExists(own)) && (await isMigrated(own))) return false
  } else if (!file || file === ':memory:' || fs.existsSync(file)) return false
  const template = templateFor(process.env, 'small')
  if (!template) return false
  // Seeded in a process of its own: nothing this test process caches comes from another database.
  const script = path.join(import.meta.dirname, 'seed-small-city.ts')
  // The builder gives up (and says so to the waiters) before the hook that called it times out.
  const deadline = Date.now() + (await startDeadlineMs())
  await buildOnce(template, deadline, async (building) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_PATH: building }
    if (onPostgres) {
      await ensureDatabase(databaseForPath(building))
      env.DATABASE_URL = clusterUrl(databaseForPath(building))
    }
    await promisify(execFile)(process.execPath, ['--import', 'tsx', script, building], { env, timeout: Math.max(1_000, deadline - Date.now()) })
  })
  await cloneDatabase(template, onPostgres ? databaseNameOf(process.env.DATABASE_URL!) : file!)
  return true
}

let counter = 0
/** A person at a verification level, created `daysAgo` days ago (no password: module tests only). */
export async function makeUser(level = 1, daysAgo = 30) {
  const created = new Date(Date.now() - daysAgo * 86_400_000).toISOString()
  const n = ++counter
  const email = `person${n}-${Date.now()}@example.org`
  return database().write(async (trx) => {
    const row = await trx
      .insertInto('users')
      .values({
        email,
        email_confirmed_at: level >= 1 ? created : null,
        display_name: `Person ${n}`,
        password_hash: null,
        verification_level: level,
        home_area_id: null,
        census_record_id: null,
        verified_at: null,
        verified_by: null,
        locale: 'en',
        created_at: created,
        updated_at: created,
        deleted_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    return { id: row.id, verificationLevel: level, email, emailConfirmed: level >= 1 }
  })
}

export async function areaId(slug = 'ribera-nord') {
  const row = await database().db.selectFrom('areas').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()
  return row.id
}
