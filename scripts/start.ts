/**
 * `npm start`, the one-command demo: validate the configuration, build if the sources are newer than the
 * build, then run the server (scripts/server.ts: migrate, seed the demo city when the database is empty,
 * serve) through tsx. In production, `npm run build` once and `npm run start:prod` (node build/server.js)
 * instead: see docs/decisions/129-production-build.md.
 */
import cluster from 'node:cluster'
import { checkDatabasePath, ConfigError, loadConfig } from '../app/lib/config.server'

// A bad setting stops here, before a build (scripts/server.ts checks again: it is also run alone).
try {
  const config = loadConfig()
  if (!config.DATABASE_URL) checkDatabasePath(config.DATABASE_PATH)
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message)
    process.exit(1)
  }
  throw error
}

if (cluster.isPrimary) {
  // The map's web worker is served from public/ (see scripts/copy-map-worker.ts).
  const { copyMapWorker } = await import('./copy-map-worker')
  copyMapWorker()
}

if (cluster.isPrimary && !process.argv.includes('--no-build')) (await import('./build-if-stale')).buildIfStale()

await import('./server')
