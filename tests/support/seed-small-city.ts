/**
 * Seeds the module tests' small demo city into the file named on the command line: the template
 * that seededDatabase() (tests/support/fixtures.ts) copies, built once a run (template-db.ts).
 */
import { migrateOrThrow, openDatabase } from '../../app/lib/db.server'
import { seedDemo } from '../../db/seed/index'
import { SMALL_CITY } from './template-db'

const file = process.argv[2]
if (!file) throw new Error('usage: seed-small-city.ts FILE')
// DATABASE_URL (the PostgreSQL run) names the database instead of the file.
const database = openDatabase({ path: file, url: process.env.DATABASE_URL, synchronous: 'NORMAL' })
await migrateOrThrow(database)
await seedDemo(database, SMALL_CITY)
await database.close()
// Timers some modules start when imported must not keep this process alive.
process.exit(0)
