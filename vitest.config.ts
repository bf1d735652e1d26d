import fs from 'node:fs'
import path from 'node:path'
import { defineConfig } from 'vitest/config'

// A hook that starts Plaza (tests/support/server.ts) takes its start deadline from this, less a margin.
const hookTimeout = 90_000

const unitInclude = ['app/**/*.test.{ts,tsx}', 'db/**/*.test.ts', 'scripts/**/*.test.ts', 'tests/support/**/*.test.ts']
const integrationInclude = ['tests/integration/**/*.test.ts']
const exclude = ['node_modules', 'build', 'tests/e2e/**']

/**
 * A test file that may leave state behind for the next file in the same process: it opens the
 * file's database (the module-level connection of app/lib/db.server), reads or sets environment
 * variables, mocks or stubs modules, timers or globals, listens on the process, or starts Plaza.
 * Such a file runs in a fresh process of its own ("isolated" below); every other file shares its
 * worker, and so its imported modules, with the files before it ("shared"): each of them used to
 * import Kysely, the i18n catalogs, Remix… again (ADR 155).
 */
export const NEEDS_ISOLATION =
  /seededDatabase|database\(|openDatabase|DATABASE|process\.env|process\.on\(|process\.exit|globalThis|vi\.(mock|doMock|stub|spyOn|useFakeTimers|setSystemTime)|startPlaza|child_process/

const root = import.meta.dirname
function testFiles(dir: string): string[] {
  const out: string[] = []
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...testFiles(rel))
    else if (/\.test\.tsx?$/.test(entry.name)) out.push(rel)
  }
  return out
}
/** Files outside tests/integration/ whose source names none of NEEDS_ISOLATION. */
export const sharedFiles = ['app', 'db', 'scripts'].flatMap(testFiles).filter((f) => !NEEDS_ISOLATION.test(fs.readFileSync(path.join(root, f), 'utf8')))

export default defineConfig({
  test: {
    pool: 'forks',
    // Two files at a time even on 2 cores (vitest's default there is one): an integration file mostly
    // waits for its Plaza process, which does the work in a process of its own.
    maxWorkers: 2,
    setupFiles: ['tests/support/setup.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    // A property test of 100+ HTTP round trips takes seconds on a quiet machine, over 30 s on a loaded one.
    testTimeout: 60_000,
    hookTimeout,
    env: { PLAZA_HOOK_TIMEOUT_MS: String(hookTimeout) },
    // Three ways of running a file (ADR 155): the files that leave nothing behind share a process and
    // its loaded modules; the other unit files get a fresh worker thread each (cheaper than a fresh
    // process, and as isolated: own modules, own process.env); the integration files, which start
    // Plaza processes and clean them up when their process exits, a fresh process each.
    projects: [
      { extends: true, test: { name: 'shared', include: sharedFiles, exclude, isolate: false } },
      { extends: true, test: { name: 'isolated', include: unitInclude, exclude: [...exclude, ...sharedFiles], pool: 'threads', isolate: true } },
      { extends: true, test: { name: 'integration', include: integrationInclude, exclude, isolate: true } },
    ],
  },
})
