import fs from 'node:fs'
import { config } from '../../lib/config.server'

/**
 * The processes' clock. Every function of this module takes the instant it reasons about (`at`);
 * routes pass processNow(). In development and tests a file named by PLAZA_TEST_CLOCK_FILE may
 * hold an ISO instant that replaces the wall clock for the processes' phases (the end-to-end test
 * walks a budget process through its phases this way). Ignored when NODE_ENV is production.
 */
export function processNow(): Date {
  const file = injectedClockFile()
  if (!file) return new Date()
  try {
    const ms = Date.parse(fs.readFileSync(file, 'utf8').trim())
    return Number.isNaN(ms) ? new Date() : new Date(ms)
  } catch {
    return new Date()
  }
}

// config(), not process.env.NODE_ENV: the build inlines the latter as "production".
const injectedClockFile = () => (process.env.PLAZA_TEST_CLOCK_FILE && config().NODE_ENV !== 'production' ? process.env.PLAZA_TEST_CLOCK_FILE : null)

/** True when the phases follow PLAZA_TEST_CLOCK_FILE (it may jump: pages that depend on it are not cached). */
export const clockInjected = () => injectedClockFile() !== null
