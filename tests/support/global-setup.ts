import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { onPostgres, PG_SOCKET_VARIABLE } from './engine'
import { startPostgres } from './postgres'
import { changedTemplates, TEMPLATE_DIR_VARIABLE } from './template-db'
import { SERVER_BUNDLE_VARIABLE } from './server'
import { compileTestServer } from './server-bundle'

const SETUP_DONE_VARIABLE = 'PLAZA_TEST_GLOBAL_SETUP_PID'

/**
 * Once per vitest run: the build the integration tests serve (made if there is none), and the
 * directory of the demo-city templates every Plaza they start is copied from (tests/support/template-db.ts).
 * With PLAZA_TEST_ENGINE=postgres, also ONE throwaway PostgreSQL cluster for the whole run
 * (tests/support/postgres.ts; its socket directory in PLAZA_TEST_PG_SOCKET), stopped at the end.
 */
export default async function setup() {
  // vitest runs a global setup once per project (vitest.config.ts has two, ADR 155) in the same
  // process: the first call does the work, and its variables reach every project's workers.
  if (process.env[SETUP_DONE_VARIABLE] === String(process.pid)) return
  process.env[SETUP_DONE_VARIABLE] = String(process.pid)
  const root = path.resolve(import.meta.dirname, '../..')
  // The map's web worker is served from public/ (the browser tests need it).
  execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/copy-map-worker.ts')], { cwd: root, stdio: 'ignore' })
  if (!fs.existsSync(path.join(root, 'build', 'index.js'))) {
    execFileSync(process.execPath, [path.join(root, 'node_modules/@remix-run/dev/dist/cli.js'), 'build'], {
      cwd: root,
      stdio: 'inherit',
    })
  }

  // Every Plaza the tests start runs scripts/server.ts compiled once for the run, not through tsx: a
  // start costs ~2.2 CPU-seconds instead of ~5.5 (issue 23, ADR 145); and bundled with the Remix app and
  // their packages, ~1.2 instead of ~1.9 (ADR 161). Files of this run's own beside build/index.js (the
  // paths they resolve are relative to build/).
  const bundle = await compileTestServer(`server-test-${process.pid}`)
  process.env[SERVER_BUNDLE_VARIABLE] = bundle.main

  // The workers inherit this variable. The first file that starts a Plaza builds the template there
  // (the others wait for it), so a run of unit tests alone builds none.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-templates-'))
  process.env[TEMPLATE_DIR_VARIABLE] = dir
  const cluster = onPostgres ? await startPostgres() : null
  if (cluster) process.env[PG_SOCKET_VARIABLE] = cluster.socketDir

  return async () => {
    // A test's writes must never reach a template: every later copy would carry them.
    const changed = changedTemplates(dir)
    fs.rmSync(dir, { recursive: true, force: true })
    for (const file of bundle.files) fs.rmSync(file, { force: true })
    await cluster?.stop()
    if (changed.length) throw new Error(`A test wrote into the demo-city template: ${changed.join(', ')}`)
  }
}
