/**
 * The Remix build (build/index.js) made again when a source is newer than it: `npm start` (scripts/start.ts)
 * and the browser tests' server (tests/support/e2e-server.ts) both serve the sources as they are now.
 */
import fs from 'node:fs'
import path from 'node:path'
import { execFileSync } from 'node:child_process'

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

export function buildIfStale(): void {
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
