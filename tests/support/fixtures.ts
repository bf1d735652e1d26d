import { database, migrateOrThrow } from '../../app/lib/db.server'
import { seedDemo } from '../../db/seed/index'
import { registerCapabilities } from '../../app/modules/registry.server'

/** A migrated, seeded database for module tests (DATABASE_PATH is a fresh file per test file). */
export async function seededDatabase() {
  await migrateOrThrow(database())
  await seedDemo(database(), { seed: 1, scale: 0.01 })
  registerCapabilities()
  return database()
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
