import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll } from 'vitest'
import { recordDatabaseUse } from './database-use'
import { clusterUrl, ensureDatabase, onPostgres } from './engine'

// Each test file gets its own database file and quiet logs; nothing touches data/plaza.sqlite.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-test-'))
process.env.DATABASE_PATH = path.join(dir, 'plaza.sqlite')
process.env.NODE_ENV = 'test'
process.env.LOG_LEVEL = 'silent'

// The PostgreSQL run (PLAZA_TEST_ENGINE=postgres): the file's own, empty database on the run's cluster.
// DATABASE_PATH stays set: tests pass it to startPlaza to mean "this file's database".
if (onPostgres) {
  const name = `file_${process.pid}_${crypto.randomBytes(4).toString('hex')}`
  await ensureDatabase(name)
  process.env.DATABASE_URL = clusterUrl(name)
}

// `npm test`'s SQLite run records the files that used a database: only those (and the integration
// files) run again on PostgreSQL (tests/support/database-use.ts).
// (vitest hands a hook its fixtures first, destructured, and the file's suite second.)
// eslint-disable-next-line no-empty-pattern -- vitest requires the first argument destructured; this hook uses no fixture
afterAll(({}, suite) => {
  if ('filepath' in suite) recordDatabaseUse(suite.filepath, dir)
})
