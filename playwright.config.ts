import path from 'node:path'
import { defineConfig } from '@playwright/test'

// A fresh database for every run, so tests see exactly the demo city. The server command clears it:
// this file is evaluated again in every worker, which must not touch the running server's files.
const dataDir = path.resolve('.cache/e2e')

// The server compiled for the run with the Remix app and their packages (tests/support/e2e-server-build.ts),
// beside build/index.js: the webServer runs it with plain node, and so does startPlaza in the specs that
// start a Plaza of their own (tests/support/server.ts falls back to tsx while the file is missing).
// Through tsx, each of those processes compiled the TypeScript sources again (issue 23, ADR 161).
const serverBundleName = 'server-e2e'
const serverBundle = path.resolve(`build/${serverBundleName}.js`)
process.env.PLAZA_TEST_SERVER_BUNDLE ??= serverBundle

const PORT = Number(process.env.E2E_PORT ?? 3199)
export const baseURL = `http://127.0.0.1:${PORT}`

export default defineConfig({
  testDir: 'tests/e2e',
  fullyParallel: true,
  workers: 2,
  // A test that passes only on a retry is a failing test.
  retries: 0,
  reporter: [['list']],
  // Long flows (a report from photo to fixed, a city taken live) on a shared 2-core machine.
  timeout: 90_000,
  // Answers that write (a report filed inside a frame) take seconds on a busy shared machine.
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--use-gl=angle',
        '--use-angle=swiftshader',
        '--enable-unsafe-swiftshader',
      ],
    },
  },
  webServer: {
    command: `rm -rf '${dataDir}' && mkdir -p '${dataDir}' && node --import tsx tests/support/e2e-server-build.ts ${serverBundleName} && exec node '${serverBundle}'`,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 120_000,
    env: {
      NODE_ENV: 'test',
      PORT: String(PORT),
      HOST: '127.0.0.1',
      DATABASE_PATH: path.join(dataDir, 'plaza.sqlite'),
      DB_SYNCHRONOUS: 'NORMAL',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_WRITE: '1000/60',
      // Two supports reach a proposal's threshold: the voting flow uses the demo accounts that may support.
      PROPOSAL_THRESHOLD: '2',
      // One sponsor sends a petition to moderation (the petitions flow signs as that sponsor).
      PETITION_SPONSORS: '1',
      // The processes' clock (docs/processes.md): tests/e2e/processes.spec.ts walks a process through its phases.
      PLAZA_TEST_CLOCK_FILE: path.join(dataDir, 'clock'),
    },
  },
})
