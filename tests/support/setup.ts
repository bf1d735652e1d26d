import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

// Each test file gets its own database file and quiet logs; nothing touches data/plaza.sqlite.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-test-'))
process.env.DATABASE_PATH = path.join(dir, 'plaza.sqlite')
process.env.NODE_ENV = 'test'
process.env.LOG_LEVEL = 'silent'
