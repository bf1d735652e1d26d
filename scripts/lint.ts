/**
 * `npm run lint`: ESLint over the repository (eslint.config.js), then Prettier's check over the files
 * `npm run format` rewrites. Prints both verdicts and writes them to .cache/lint-results.json, which
 * `npm test` (scripts/test.ts) counts in its summary line. Exits 1 when either finds something.
 *
 * `npm run lint:eslint` and `npm run lint:format` run each half alone.
 */
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { ESLint } from 'eslint'

export const FORMATTED_FILES = '**/*.{ts,tsx,js,mjs,cjs,css}'

export type LintResults = { eslint: { errors: number; warnings: number; files: number; seconds: number }; prettier: { unformatted: string[]; seconds: number; failed: boolean } }

const root = path.resolve(import.meta.dirname, '..')
const cache = path.join(root, '.cache')

export async function lint(): Promise<LintResults> {
  let started = performance.now()
  // The cache skips files whose content did not change since the last run (none on a fresh clone).
  const eslint = new ESLint({ cwd: root, cache: true, cacheLocation: path.join(cache, 'eslintcache'), cacheStrategy: 'content' })
  const results = await eslint.lintFiles(['.'])
  const formatter = await eslint.loadFormatter('stylish')
  const report = await formatter.format(results)
  if (report) console.log(report)
  const errors = results.reduce((n, r) => n + r.errorCount + r.fatalErrorCount, 0)
  const warnings = results.reduce((n, r) => n + r.warningCount, 0)
  const eslintSeconds = (performance.now() - started) / 1000

  started = performance.now()
  // --list-different prints each file Prettier would change, one a line; 1 means some would change, 2 a failure.
  const prettier = spawnSync(path.join(root, 'node_modules', '.bin', 'prettier'), ['--list-different', FORMATTED_FILES], { cwd: root, encoding: 'utf8' })
  const unformatted = prettier.stdout.split('\n').filter(Boolean)
  if (prettier.stderr) process.stderr.write(prettier.stderr)
  const prettierFailed = prettier.status === 2 || prettier.status === null
  const prettierSeconds = (performance.now() - started) / 1000

  return {
    eslint: { errors, warnings, files: results.length, seconds: eslintSeconds },
    prettier: { unformatted, seconds: prettierSeconds, failed: prettierFailed },
  }
}

export function lintSummary(r: LintResults): string[] {
  return [
    `lint: eslint ${r.eslint.errors} errors, ${r.eslint.warnings} warnings in ${r.eslint.files} files (${r.eslint.seconds.toFixed(1)} s)`,
    r.prettier.failed
      ? 'lint: prettier could not check the files (see its message above)'
      : r.prettier.unformatted.length === 0
        ? `lint: prettier finds every file formatted (${r.prettier.seconds.toFixed(1)} s)`
        : `lint: prettier would change ${r.prettier.unformatted.length} files (${r.prettier.seconds.toFixed(1)} s); run npm run format`,
  ]
}

export const lintPassed = (r: LintResults) => r.eslint.errors === 0 && r.eslint.warnings === 0 && !r.prettier.failed && r.prettier.unformatted.length === 0

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const results = await lint()
  for (const file of results.prettier.unformatted.slice(0, 50)) console.log(`  not formatted: ${file}`)
  if (results.prettier.unformatted.length > 50) console.log(`  … and ${results.prettier.unformatted.length - 50} more`)
  fs.mkdirSync(cache, { recursive: true })
  fs.writeFileSync(path.join(cache, 'lint-results.json'), JSON.stringify(results, null, 2))
  for (const line of lintSummary(results)) console.log(line)
  process.exit(lintPassed(results) ? 0 : 1)
}
