import fs from 'node:fs'
import path from 'node:path'

/**
 * Which test files the PostgreSQL run needs (issue 23, ADR 145). The second engine only changes what
 * reaches a database, yet the PostgreSQL run used to repeat every file, the pure unit tests (i18n,
 * geometry, the architecture checks …) included. Now the SQLite run records each file that used a
 * database (tests/support/setup.ts: something was written beside its DATABASE_PATH, or it started a
 * Plaza), and `npm test` (scripts/test.ts) gives the PostgreSQL run only:
 * - every file under tests/integration/ (they start Plaza processes: the reason for the second run);
 * - every file the SQLite run recorded;
 * - every file whose source names the engine or starts processes (`onPostgres`, `DATABASE_URL`,
 *   `spawn` …: it may do on PostgreSQL what it did not on SQLite);
 * - every file the SQLite run did not report on (it failed to load, or there was no report).
 * Without a record (a run of its own, `PLAZA_TEST_ENGINE=postgres npx vitest run`) every file runs.
 */

/** Set by scripts/test.ts for the SQLite run: the file that collects the paths of the files that used a database. */
export const DATABASE_USE_VARIABLE = 'PLAZA_TEST_DATABASE_USE'

const started = '__plazaTestStartedPlaza'

/** tests/support/server.ts calls this when a test file starts a Plaza (its database may lie anywhere). */
export function markPlazaStarted(): void {
  ;(globalThis as Record<string, unknown>)[started] = true
}

/**
 * Called after a test file (tests/support/setup.ts): appends its path to the record when it used a
 * database: its own database directory is not empty (its database, or a script's it ran, was
 * opened there) or it started a Plaza.
 */
export function recordDatabaseUse(testFile: string, databaseDir: string): void {
  const record = process.env[DATABASE_USE_VARIABLE]
  if (!record) return
  const used = (globalThis as Record<string, unknown>)[started] === true || (fs.existsSync(databaseDir) && fs.readdirSync(databaseDir).length > 0)
  // One short line per append (O_APPEND): the two workers' lines do not interleave.
  if (used) fs.appendFileSync(record, `${testFile}\n`)
}

/** Sources that may behave differently on PostgreSQL whatever they did on SQLite. */
const ENGINE_AWARE = /postgres|onPostgres|PLAZA_TEST_ENGINE|DATABASE_URL|child_process|spawn\(|execFile|startPlaza/i

/**
 * The test files for the PostgreSQL run, from the SQLite run's vitest JSON report and the record;
 * null (run them all) when either is missing.
 */
export function filesForPostgres(root: string, vitestJson: string, record: string): string[] | null {
  if (!fs.existsSync(vitestJson) || !fs.existsSync(record)) return null
  const report = JSON.parse(fs.readFileSync(vitestJson, 'utf8')) as { testResults: Array<{ name: string; status: string }> }
  const used = new Set(
    fs
      .readFileSync(record, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((f) => path.resolve(f)),
  )
  return report.testResults
    .filter((result) => {
      const file = path.resolve(result.name)
      if (path.relative(root, file).startsWith(`tests${path.sep}integration${path.sep}`)) return true
      // A file that failed or did not load on SQLite may not have recorded its use.
      if (used.has(file) || result.status !== 'passed') return true
      return ENGINE_AWARE.test(fs.readFileSync(file, 'utf8'))
    })
    .map((result) => path.relative(root, path.resolve(result.name)))
}
