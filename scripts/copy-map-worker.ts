/**
 * Copies maplibre-gl's web worker into public/ (it must be served as a file: the map calls
 * setWorkerUrl('/maplibre-gl-worker.mjs')). Runs in every build path: `npm run build`, `npm start`,
 * `npm test` and the tests' global setup. Idempotent and cheap.
 */
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

const root = path.resolve(import.meta.dirname, '..')

export function copyMapWorker(): string {
  const require = createRequire(path.join(root, 'package.json'))
  const source = path.join(path.dirname(require.resolve('maplibre-gl/package.json')), 'dist', 'maplibre-gl-worker.mjs')
  const target = path.join(root, 'public', 'maplibre-gl-worker.mjs')
  const same = fs.existsSync(target) && fs.statSync(target).size === fs.statSync(source).size && fs.readFileSync(target).equals(fs.readFileSync(source))
  if (!same) {
    fs.mkdirSync(path.dirname(target), { recursive: true })
    fs.copyFileSync(source, target)
  }
  return target
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  console.log(`map worker: ${path.relative(root, copyMapWorker())}`)
}
