import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../../db/schema'

/**
 * The `settings` table: small installation-wide values kept as JSON text under a key (the
 * generated secret key, the petition signature lists, voting's threshold behaviour, the health
 * probe's row). Infrastructure every capability may use, so it lives in app/lib; this file is the
 * only code that writes the table (tests/architecture: app/ownership.test.ts). Capabilities keep
 * their own keys and call these functions inside their own write, so their audit row and the
 * setting commit together.
 */

/** The stored JSON text of a setting, or undefined. */
export async function readSetting(db: Kysely<Database>, key: string): Promise<string | undefined> {
  return (await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst())?.value
}

/** Sets a setting to a value (stored as JSON), replacing what was there. */
export async function writeSetting(trx: Transaction<Database>, key: string, value: unknown): Promise<void> {
  const text = JSON.stringify(value)
  const at = new Date().toISOString()
  await trx
    .insertInto('settings')
    .values({ key, value: text, updated_at: at })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: text, updated_at: at }))
    .execute()
}

/** Sets a setting only if it has no value yet (two processes racing keep the first). */
export async function writeSettingOnce(trx: Transaction<Database>, key: string, value: unknown): Promise<void> {
  await trx
    .insertInto('settings')
    .values({ key, value: JSON.stringify(value), updated_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute()
}

/** Touches a row: the health probe's real commit (it appends to the WAL). */
export async function touchSetting(trx: Transaction<Database>, key: string): Promise<void> {
  await trx.updateTable('settings').set({ updated_at: new Date().toISOString() }).where('key', '=', key).execute()
}
