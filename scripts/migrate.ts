/** `npm run db:migrate`: apply every pending migration to DATABASE_URL (PostgreSQL) or DATABASE_PATH. */
import { ConfigError, loadConfig } from '../app/lib/config.server'
import { databaseOptions, migrateOrThrow, openDatabase } from '../app/lib/db.server'

try {
  const config = loadConfig()
  const database = openDatabase(databaseOptions(config))
  const applied = await migrateOrThrow(database)
  const where = config.DATABASE_URL ? 'the PostgreSQL database' : config.DATABASE_PATH
  console.log(applied.length ? `Applied ${applied.join(', ')} to ${where}` : `${where} is up to date`)
  await database.close()
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : (error as Error).message)
  process.exit(1)
}
