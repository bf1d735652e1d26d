/**
 * `npm start`, the one-command demo: validate the configuration, build if the sources are newer than the
 * build, then run the server (scripts/server.ts: migrate, seed the demo city when the database is empty,
 * serve) through tsx. In production, `npm run build` once and `npm run start:prod` (node build/server.js)
 * instead: see docs/decisions/129-production-build.md.
 */
import cluster from 'node:cluster'
import fs from 'node:fs'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
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

const root = path.resolve(import.meta.dirname, '..')
const buildFile = path.join(root, 'build', 'index.js')

function newestSource(dir: string): number {
  let newest = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full))
    else newest = Math.max(newest, fs.statSync(full).mtimeMs)
  }
  return newest
}

if (cluster.isPrimary) {
  // The map's web worker is served from public/ (see scripts/copy-map-worker.ts).
  const { copyMapWorker } = await import('./copy-map-worker')
  copyMapWorker()
}

if (cluster.isPrimary && !process.argv.includes('--no-build')) {
  const built = fs.existsSync(buildFile) ? fs.statSync(buildFile).mtimeMs : 0
  const sources = Math.max(...['app', 'db'].map((d) => newestSource(path.join(root, d))), fs.statSync(path.join(root, 'remix.config.js')).mtimeMs, fs.statSync(path.join(root, 'package.json')).mtimeMs)
  if (sources > built) {
    console.log('Building Plaza…')
    execFileSync(process.execPath, [path.join(root, 'node_modules/@remix-run/dev/dist/cli.js'), 'build'], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, NODE_ENV: 'production' },
    })
  }
}

await import('./server')
