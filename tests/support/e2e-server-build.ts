/**
 * Prepares the browser tests' server (playwright.config.ts): the map's worker in public/, the Remix
 * build when a source is newer (as `npm start` does), then the server bundled with the Remix app and
 * their packages as `build/<name>.js` (tests/support/server-bundle.ts, as vitest's global setup makes
 * its own). The config's webServer command then runs that file with plain node, and startPlaza in the
 * specs runs it too (PLAZA_TEST_SERVER_BUNDLE): through tsx, every Plaza process (the webServer's
 * primary and its workers, the specs' own) compiled the TypeScript sources again (issue 23, ADR 161).
 */
import { buildIfStale } from '../../scripts/build-if-stale'
import { copyMapWorker } from '../../scripts/copy-map-worker'
import { compileTestServer } from './server-bundle'

const name = process.argv[2]
if (!name || !/^[\w-]+$/.test(name)) {
  console.error('usage: tsx tests/support/e2e-server-build.ts NAME (writes build/NAME.js)')
  process.exit(2)
}
copyMapWorker()
buildIfStale()
await compileTestServer(name)
