import fs from 'node:fs'
import path from 'node:path'
import { execFileSync } from 'node:child_process'

/** Integration tests run the built server; build once if there is no build yet. */
export default function setup() {
  const root = path.resolve(import.meta.dirname, '../..')
  // The map's web worker is served from public/ (the browser tests need it).
  execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/copy-map-worker.ts')], { cwd: root, stdio: 'ignore' })
  if (!fs.existsSync(path.join(root, 'build', 'index.js'))) {
    execFileSync(process.execPath, [path.join(root, 'node_modules/@remix-run/dev/dist/cli.js'), 'build'], {
      cwd: root,
      stdio: 'inherit',
    })
  }
}
