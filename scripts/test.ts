/**
 * `npm test`: lint (ESLint and Prettier's check, scripts/lint.ts), build, unit + integration tests
 * (vitest) and browser tests (Playwright against Debian's Chromium) on SQLite, and the vitest files
 * that reach a database a second time on PostgreSQL (PLAZA_TEST_ENGINE=postgres: a throwaway
 * cluster per run, tests/support/engine.ts; ADR 131) when PostgreSQL's server binaries are
 * installed (PLAZA_TEST_POSTGRES=false skips it, =true requires it).
 *
 * The parts run side by side, not one after the other (issue 23, ADR 152): each of them leaves the
 * CPUs idle much of its time (a test waiting for its server, a browser for a page, a query for
 * PostgreSQL), so in sequence they took 19 min on a quiet 2-core machine. Lint runs beside the
 * build; then the SQLite vitest run (its output live), Playwright and the PostgreSQL run of the
 * integration files start together; the PostgreSQL run of the other files that reached a database
 * starts when the SQLite run has recorded which they are (tests/support/database-use.ts, ADR 145).
 * The parts share no files, ports or databases: each vitest run has its own template directory,
 * server bundle and cluster; Playwright its own port and data directory. The output of the parts
 * that run in the background goes to .cache/test-output/ and is printed whole when the SQLite run
 * is done, in a fixed order.
 *
 * Ends with how long each part took, a line per engine, then one summary line (always the last)
 * counting every run: "tests: N passed, N failed, N skipped", where ESLint and Prettier count as
 * one test each.
 */
import fs from 'node:fs'
import path from 'node:path'
import { spawn, spawnSync } from 'node:child_process'
import { lintSummary, type LintResults } from './lint.ts'
import { sampleTreeCpu } from './process-cpu.ts'
import { postgresBinaries } from '../tests/support/postgres.ts'
import { DATABASE_USE_VARIABLE, filesForPostgres } from '../tests/support/database-use.ts'

const root = path.resolve(import.meta.dirname, '..')
const cache = path.join(root, '.cache')
const outputDir = path.join(cache, 'test-output')
fs.rmSync(outputDir, { recursive: true, force: true })
fs.mkdirSync(outputDir, { recursive: true })
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name)
const started = performance.now()
const took: string[] = []
const duration = (ms: number) => {
  const s = Math.round(ms / 1000)
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`
}
const since = () => duration(performance.now() - started)

interface Part {
  name: string
  /** the exit status (1 when it could not start or was killed) */
  done: Promise<number>
  /** where its output went (null: printed live) */
  log: string | null
}

/**
 * Runs a part: live on this terminal (`live`), or into its own log file under .cache/test-output/.
 * Records how long it took.
 */
function runPart(name: string, command: string, args: string[], env: Record<string, string> = {}, live = false): Part {
  const slug = name.replace(/\W+/g, '-').replace(/-$/, '')
  const log = live ? null : path.join(outputDir, `${slug}.log`)
  const out = log ? fs.openSync(log, 'w') : 'inherit'
  const begun = performance.now()
  // With GNU time installed, each part's CPU time (its processes and everything they waited for: test
  // workers, Plaza servers, browsers) beside its wall time: where the CPUs went (ADR 152).
  const cpuFile = path.join(outputDir, `${slug}.cpu`)
  const [file, argv] = fs.existsSync(TIME) ? [TIME, ['-f', '%U %S', '-o', cpuFile, command, ...args]] : [command, args]
  const child = spawn(file, argv, { cwd: root, stdio: ['ignore', out, out], env: { ...process.env, ...env } })
  // GNU time leaves out the processes no parent waited for (Chromium's: ADR 161): the part's process
  // tree sampled from /proc as well, a floor that counts them.
  const sampled = child.pid === undefined ? null : sampleTreeCpu(child.pid)
  const done = new Promise<number>((resolve) => {
    child.on('error', (error) => {
      if (log) fs.appendFileSync(log, `\n${String(error)}\n`)
      resolve(1)
    })
    child.on('close', (code) => {
      if (typeof out === 'number') fs.closeSync(out)
      const seen = sampled?.stop() ?? null
      took.push(`${name} ${duration(performance.now() - begun)}${cpuSeconds(cpuFile)}${seen === null ? '' : ` (sampled ${Math.round(seen)} CPU-s)`}`)
      if (log) console.log(`[${since()}] ${name} finished (${code === 0 ? 'passed' : 'FAILED'}); its output follows the SQLite run's`)
      resolve(code ?? 1)
    })
  })
  return { name, done, log }
}

const TIME = '/usr/bin/time'
/** ", N CPU-s" from GNU time's "user system" line, or nothing. */
function cpuSeconds(file: string): string {
  const m = fs.existsSync(file) ? /(\d+(?:\.\d+)?) (\d+(?:\.\d+)?)\s*$/.exec(fs.readFileSync(file, 'utf8')) : null
  return m ? ` / ${Math.round(Number(m[1]) + Number(m[2]))} CPU-s` : ''
}

/** Prints a background part's output once it is done. */
async function printPart(part: Part): Promise<number> {
  const status = await part.done
  if (part.log) {
    console.log(`\n──── ${part.name} (${path.relative(root, part.log)}) ────`)
    process.stdout.write(fs.readFileSync(part.log, 'utf8'))
  }
  return status
}

if (!fs.existsSync('/usr/bin/chromium')) {
  console.error("Browser tests need Debian's Chromium at /usr/bin/chromium: apt-get install -y chromium")
  process.exit(1)
}

const lintJson = path.join(cache, 'lint-results.json')
const vitestJson = path.join(cache, 'vitest-results.json')
const vitestPostgresJson = path.join(cache, 'vitest-postgres-results.json')
const vitestPostgresRestJson = path.join(cache, 'vitest-postgres-rest-results.json')
const playwrightJson = path.join(cache, 'playwright-results.json')
// The files of the SQLite run that used a database (tests/support/database-use.ts).
const databaseUse = path.join(cache, 'vitest-database-use.txt')
for (const file of [lintJson, vitestJson, vitestPostgresJson, vitestPostgresRestJson, playwrightJson]) fs.rmSync(file, { force: true })
fs.writeFileSync(databaseUse, '')

// Lint beside the build: ESLint and Prettier read the sources only (they ignore build/ and .cache/).
// The parts run one after the other unless PLAZA_TEST_PARTS=together (ADR 152): side by side they have
// not yet passed a whole run on a quiet machine, so CI keeps the order that has; the output and the
// counts are the same either way.
const sequential = process.env.PLAZA_TEST_PARTS !== 'together'
const lintPart = runPart('lint', process.execPath, ['--import', 'tsx', path.join(root, 'scripts/lint.ts')])
if (sequential) await lintPart.done

const build =
  spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/copy-map-worker.ts')], { cwd: root, stdio: 'inherit' }).status ||
  (await runPart('build', bin('remix'), ['build'], {}, true).done)

/** ESLint's and Prettier's verdicts (scripts/lint.ts writes them); both fail when lint did not report. */
function lintResults(): { lines: string[]; checks: boolean[] } {
  if (!fs.existsSync(lintJson)) return { lines: ['lint: did not report (see its output above)'], checks: [false, false] }
  const r = JSON.parse(fs.readFileSync(lintJson, 'utf8')) as LintResults
  return { lines: lintSummary(r), checks: [r.eslint.errors === 0 && r.eslint.warnings === 0, !r.prettier.failed && r.prettier.unformatted.length === 0] }
}

if (build !== 0) {
  await printPart(lintPart)
  for (const line of lintResults().lines) console.log(line)
  console.log(`npm test took ${since()} (${took.join(', ')})`)
  console.log('tests: 0 passed, 1 failed (the build failed)')
  process.exit(1)
}

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
const add = (a: Counts, b: Counts): Counts => ({ passed: a.passed + b.passed, failed: a.failed + b.failed, skipped: a.skipped + b.skipped })
const line = (c: Counts) => `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`

// The second engine (issue 20): the integration files (they all reach a database) start on PostgreSQL
// at once, beside the SQLite run; the other files that reach one follow when the SQLite run has said
// which. Playwright stays on SQLite (its pages do not depend on the engine; ADR 131).
const wantPostgres = process.env.PLAZA_TEST_POSTGRES ?? 'auto'
const onPostgres = wantPostgres !== 'false' && postgresBinaries() !== null
if (wantPostgres !== 'false' && !onPostgres) {
  if (wantPostgres !== 'true') console.log('PostgreSQL run skipped: no server binaries (apt-get install postgresql, or set PG_BIN)')
}
const integrationFiles = fs
  .readdirSync(path.join(root, 'tests', 'integration'))
  .filter((f) => f.endsWith('.test.ts'))
  .sort()
  .map((f) => path.join('tests', 'integration', f))
const postgresVitest = (name: string, json: string, files: string[]) =>
  runPart(name, bin('vitest'), ['run', '--reporter=dot', '--reporter=json', `--outputFile.json=${json}`, ...files], { PLAZA_TEST_ENGINE: 'postgres' })

console.log(`[${since()}] build done; vitest (SQLite) below, Playwright${onPostgres ? ' and the PostgreSQL run' : ''} ${sequential ? 'after it' : 'beside it'}`)
const startSqlite = () => runPart('vitest (SQLite)', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`], { [DATABASE_USE_VARIABLE]: databaseUse }, true)
const startPlaywright = () => runPart('playwright', bin('playwright'), ['test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson })
const startPostgres = () => (onPostgres ? postgresVitest('vitest on PostgreSQL (integration)', vitestPostgresJson, integrationFiles) : null)
let sqliteStatus: number, playwrightPart: Part, postgresPart: Part | null
if (sequential) {
  sqliteStatus = await startSqlite().done
  playwrightPart = startPlaywright()
  await playwrightPart.done
  postgresPart = startPostgres()
  await postgresPart?.done
} else {
  playwrightPart = startPlaywright()
  postgresPart = startPostgres()
  sqliteStatus = await startSqlite().done
}

let postgresRestPart: Part | null = null
if (onPostgres) {
  // Only the files whose outcome can depend on the engine (tests/support/database-use.ts; ADR 145),
  // less the integration files already running.
  const integration = new Set(integrationFiles)
  const files = filesForPostgres(root, vitestJson, databaseUse)
  const rest = files === null ? null : files.filter((f) => !integration.has(f))
  if (rest === null || rest.length) {
    console.log(`[${since()}] PostgreSQL run: ${rest === null ? 'every file but the integration ones (no record of the SQLite run)' : `${rest.length} more test files that reached a database`}`)
    // Without a record: every file that is not an integration file (vitest's own filter, by exclusion).
    const args = rest ?? ['--exclude', 'tests/integration/**', '--exclude', 'node_modules', '--exclude', 'build', '--exclude', 'tests/e2e/**']
    postgresRestPart = postgresVitest('vitest on PostgreSQL (other files)', vitestPostgresRestJson, args)
  }
}

const lintStatus = await printPart(lintPart)
const lint = lintResults()
if (lintStatus !== 0 && lint.checks.every(Boolean)) lint.checks[0] = false
const playwrightStatus = await printPart(playwrightPart)
let postgres: Counts | null = null
if (postgresPart) postgres = vitestCounts(vitestPostgresJson, await printPart(postgresPart))
if (postgresRestPart) postgres = add(postgres ?? { passed: 0, failed: 0, skipped: 0 }, vitestCounts(vitestPostgresRestJson, await printPart(postgresRestPart)))
if (wantPostgres === 'true' && !onPostgres) postgres = { passed: 0, failed: 1, skipped: 0 }

const lintCounts: Counts = { passed: lint.checks.filter((ok) => ok).length, failed: lint.checks.filter((ok) => !ok).length, skipped: 0 }
const sqlite = vitestCounts(vitestJson, sqliteStatus)
const browser = playwrightCounts(playwrightJson, playwrightStatus)
const total = [lintCounts, sqlite, browser, ...(postgres ? [postgres] : [])].reduce(add, { passed: 0, failed: 0, skipped: 0 })
const self = process.resourceUsage()
console.log(
  `\nnpm test took ${since()} (${sequential ? 'parts one after the other' : 'parts side by side'}, wall / CPU: ${took.join(', ')}; npm test itself ${Math.round((self.userCPUTime + self.systemCPUTime) / 1e6)} CPU-s)`,
)
for (const l of lint.lines) console.log(l)
console.log(`SQLite: vitest ${line(sqlite)}; playwright ${line(browser)}`)
console.log(postgres ? `PostgreSQL: vitest ${line(postgres)}` : 'PostgreSQL: not run')
console.log(`tests: ${line(total)}`)
process.exit(total.failed > 0 ? 1 : 0)
