import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
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
