/** `npm run db:migrate`: apply every pending migration to DATABASE_PATH. */
import { ConfigError, loadConfig } from '../app/lib/config.server'
import { migrateOrThrow, openDatabase } from '../app/lib/db.server'

try {
  const config = loadConfig()
  const database = openDatabase({ path: config.DATABASE_PATH })
  const applied = await migrateOrThrow(database)
  console.log(applied.length ? `Applied ${applied.join(', ')} to ${config.DATABASE_PATH}` : `${config.DATABASE_PATH} is up to date`)
  await database.close()
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : (error as Error).message)
  process.exit(1)
}
