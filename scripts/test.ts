/**
 * `npm test`: lint (ESLint and Prettier's check, scripts/lint.ts), build, then unit + integration
 * tests (vitest), then browser tests (Playwright against Debian's Chromium). Ends with how long each
 * part took, then one summary line (always the last): "tests: N passed, N failed, N skipped", where
 * ESLint and Prettier count as one test each.
 */
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { lint, lintSummary } from './lint.ts'

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
const playwrightJson = path.join(cache, 'playwright-results.json')
fs.rmSync(vitestJson, { force: true })
fs.rmSync(playwrightJson, { force: true })

const vitestStatus = run(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`])
lap('vitest')
const playwrightStatus = run(bin('playwright'), ['test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson })
lap('playwright')

let passed = lintChecks.filter((ok) => ok).length
let failed = lintChecks.filter((ok) => !ok).length
let skipped = 0
if (fs.existsSync(vitestJson)) {
  const v = JSON.parse(fs.readFileSync(vitestJson, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number }
  passed += v.numPassedTests
  failed += v.numFailedTests
  skipped += v.numPendingTests + v.numTodoTests
} else if (vitestStatus !== 0) failed++
if (fs.existsSync(playwrightJson)) {
  const p = JSON.parse(fs.readFileSync(playwrightJson, 'utf8')) as { stats: { expected: number; unexpected: number; flaky: number; skipped: number } }
  passed += p.stats.expected + p.stats.flaky
  failed += p.stats.unexpected
  skipped += p.stats.skipped
} else if (playwrightStatus !== 0) failed++

// A runner that failed without reporting a failed test (a crash, a suite that did not load) still fails.
if ((vitestStatus !== 0 || playwrightStatus !== 0) && failed === lintChecks.filter((ok) => !ok).length) failed++
console.log(`\nnpm test took ${duration(performance.now() - started)} (${took.join(', ')})`)
for (const line of lintLines) console.log(line)
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failed > 0 ? 1 : 0)
