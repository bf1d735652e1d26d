import { defineConfig } from 'vitest/config'

// A hook that starts Plaza (tests/support/server.ts) takes its start deadline from this, less a margin.
const hookTimeout = 90_000

export default defineConfig({
  test: {
    include: ['app/**/*.test.{ts,tsx}', 'db/**/*.test.ts', 'scripts/**/*.test.ts', 'tests/integration/**/*.test.ts'],
    exclude: ['node_modules', 'build', 'tests/e2e/**'],
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
  },
})
