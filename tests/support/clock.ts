import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const DAY = 86_400_000

/**
 * The processes' injected clock for integration tests (PLAZA_TEST_CLOCK_FILE, app/modules/processes/
 * clock.server.ts): a file in a fresh temporary folder holding an ISO instant. `setClock(days)` moves
 * it to noon UTC of day `days` after `start`; `local(days)` is that day's midnight as a
 * datetime-local form value (what the admin forms read as UTC).
 */
export function testClock(start: string) {
  const T0 = Date.parse(start)
  const clockFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-clock-')), 'now')
  const setClock = (days: number) => fs.writeFileSync(clockFile, new Date(T0 + days * DAY + 12 * 3600_000).toISOString())
  const local = (days: number) => new Date(T0 + days * DAY).toISOString().slice(0, 16)
  return { clockFile, setClock, local }
}
