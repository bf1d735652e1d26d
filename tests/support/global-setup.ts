import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { ensureTemplate } from './server'
import { changedTemplates, TEMPLATE_DIR_VARIABLE, templateFor } from './template-db'

/**
 * Once per vitest run: the build the integration tests serve (made if there is none), and the
 * demo-city template every Plaza they start is copied from (tests/support/template-db.ts).
 */
export default async function setup() {
  const root = path.resolve(import.meta.dirname, '../..')
  // The map's web worker is served from public/ (the browser tests need it).
  execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/copy-map-worker.ts')], { cwd: root, stdio: 'ignore' })
  if (!fs.existsSync(path.join(root, 'build', 'index.js'))) {
    execFileSync(process.execPath, [path.join(root, 'node_modules/@remix-run/dev/dist/cli.js'), 'build'], {
      cwd: root,
      stdio: 'inherit',
    })
  }

  // The workers inherit this variable; templates for other seed settings are built there on demand.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-templates-'))
  process.env[TEMPLATE_DIR_VARIABLE] = dir
  const template = templateFor({ ...process.env, NODE_ENV: 'test' })
  if (template) {
    const started = Date.now()
    await ensureTemplate(template, {}, Date.now() + 180_000)
    console.log(`demo-city template built in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  }

  return () => {
    // A test's writes must never reach a template: every later copy would carry them.
    const changed = changedTemplates(dir)
    fs.rmSync(dir, { recursive: true, force: true })
    if (changed.length) throw new Error(`A test wrote into the demo-city template: ${changed.join(', ')}`)
  }
}
