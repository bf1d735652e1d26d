/**
 * `npm test`: lint (ESLint and Prettier's check, scripts/lint.ts), build, then unit + integration
 * tests (vitest), then browser tests (Playwright against Debian's Chromium), all on SQLite; then the
 * vitest suite a second time on PostgreSQL (PLAZA_TEST_ENGINE=postgres: one throwaway cluster,
 * tests/support/engine.ts; ADR 131), when PostgreSQL's server binaries are installed
 * (PLAZA_TEST_POSTGRES=false skips it, =true requires it). Ends with how long each part took, a line
 * per engine, then one summary line (always the last) counting both runs:
 * "tests: N passed, N failed, N skipped", where ESLint and Prettier count as one test each.
 */
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { lint, lintSummary } from './lint.ts'
import { postgresBinaries } from '../tests/support/postgres.ts'
import { DATABASE_USE_VARIABLE, filesForPostgres } from '../tests/support/database-use.ts'

const root = path.resolve(import.meta.dirname, '..')
const cache = path.join(root, '.cache')
fs.mkdirSync(cache, { recursive: true })
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name)
const run = (command: string, args: string[], env: Record<string, string> = {}) => spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1
const started = performance.now()
let mark = started
const took: string[] = []
/** Records how long the part since the last mark took. */
const lap = (part: string) => {
  const now = performance.now()
  took.push(`${part} ${duration(now - mark)}`)
  mark = now
}
const duration = (ms: number) => {
  const s = Math.round(ms / 1000)
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`
}

if (!fs.existsSync('/usr/bin/chromium')) {
  console.error("Browser tests need Debian's Chromium at /usr/bin/chromium: apt-get install -y chromium")
  process.exit(1)
}

// Lint first: it takes seconds and its verdict is printed again beside the summary. The tests still run when it fails.
const linted = await lint()
const lintLines = lintSummary(linted)
for (const line of lintLines) console.log(line)
const lintChecks = [linted.eslint.errors === 0 && linted.eslint.warnings === 0, !linted.prettier.failed && linted.prettier.unformatted.length === 0]
lap('lint')

const build = run(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/copy-map-worker.ts')]) || run(bin('remix'), ['build'])
lap('build')
if (build !== 0) {
  for (const line of lintLines) console.log(line)
  console.log(`npm test took ${duration(performance.now() - started)} (${took.join(', ')})`)
  console.log('tests: 0 passed, 1 failed (the build failed)')
  process.exit(1)
}

const vitestJson = path.join(cache, 'vitest-results.json')
const vitestPostgresJson = path.join(cache, 'vitest-postgres-results.json')
const playwrightJson = path.join(cache, 'playwright-results.json')
// The files of the SQLite run that used a database (tests/support/database-use.ts).
const databaseUse = path.join(cache, 'vitest-database-use.txt')
for (const file of [vitestJson, vitestPostgresJson, playwrightJson]) fs.rmSync(file, { force: true })
fs.writeFileSync(databaseUse, '')

interface Counts {
  passed: number
  failed: number
  skipped: number
}
/** A runner's counts from its JSON report; a runner that failed without reporting a failed test (a crash, a suite that did not load) counts one failure. */
function vitestCounts(file: string, status: number): Counts {
  if (!fs.existsSync(file)) return { passed: 0, failed: status !== 0 ? 1 : 0, skipped: 0 }
  const v = JSON.parse(fs.readFileSync(file, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number }
  return { passed: v.numPassedTests, failed: v.numFailedTests || (status !== 0 ? 1 : 0), skipped: v.numPendingTests + v.numTodoTests }
}
function playwrightCounts(file: string, status: number): Counts {
  if (!fs.existsSync(file)) return { passed: 0, failed: status !== 0 ? 1 : 0, skipped: 0 }
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as { stats: { expected: number; unexpected: number; flaky: number; skipped: number } }
  return { passed: p.stats.expected + p.stats.flaky, failed: p.stats.unexpected || (status !== 0 ? 1 : 0), skipped: p.stats.skipped }
}
const line = (c: Counts) => `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`

const vitestStatus = run(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`], { [DATABASE_USE_VARIABLE]: databaseUse })
lap('vitest')
const playwrightStatus = run(bin('playwright'), ['test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson })
lap('playwright')

// The second engine (issue 20): the vitest suite again on a throwaway PostgreSQL cluster. Playwright
// stays on SQLite (its pages do not depend on the engine; the time budget is in ADR 131).
const wantPostgres = process.env.PLAZA_TEST_POSTGRES ?? 'auto'
let postgres: Counts | null = null
if (wantPostgres !== 'false') {
  if (postgresBinaries()) {
    // Only the files whose outcome can depend on the engine (tests/support/database-use.ts; ADR 145).
    const files = filesForPostgres(root, vitestJson, databaseUse) ?? []
    if (files.length) console.log(`PostgreSQL run: ${files.length} test files that reach a database (the others ran on SQLite only)`)
    const status = run(bin('vitest'), ['run', '--reporter=dot', '--reporter=json', `--outputFile.json=${vitestPostgresJson}`, ...files], { PLAZA_TEST_ENGINE: 'postgres' })
    postgres = vitestCounts(vitestPostgresJson, status)
    lap('vitest on PostgreSQL')
  } else if (wantPostgres === 'true') postgres = { passed: 0, failed: 1, skipped: 0 }
  else console.log('PostgreSQL run skipped: no server binaries (apt-get install postgresql, or set PG_BIN)')
}

const lintCounts: Counts = { passed: lintChecks.filter((ok) => ok).length, failed: lintChecks.filter((ok) => !ok).length, skipped: 0 }
const sqlite = vitestCounts(vitestJson, vitestStatus)
const browser = playwrightCounts(playwrightJson, playwrightStatus)
const parts = [lintCounts, sqlite, browser, ...(postgres ? [postgres] : [])]
const total = parts.reduce((a, c) => ({ passed: a.passed + c.passed, failed: a.failed + c.failed, skipped: a.skipped + c.skipped }), { passed: 0, failed: 0, skipped: 0 })
console.log(`\nnpm test took ${duration(performance.now() - started)} (${took.join(', ')})`)
for (const l of lintLines) console.log(l)
console.log(`SQLite: vitest ${line(sqlite)}; playwright ${line(browser)}`)
console.log(postgres ? `PostgreSQL: vitest ${line(postgres)}` : 'PostgreSQL: not run')
console.log(`tests: ${line(total)}`)
process.exit(total.failed > 0 ? 1 : 0)
